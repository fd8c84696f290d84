/**
 * Expected failures of encryption at rest, as data: a keyring text that cannot be used, and a stored event whose
 * encrypted fields cannot be read back (its key is not loaded, it was altered, or its envelope is malformed).
 */

/** A keyring (file or environment variable) that cannot be used; `where` names it for the operator. */
export interface KeyringInvalid {
  readonly kind: 'KeyringInvalid';
  readonly where: string;
  readonly reason: string;
}

/** Why an event's encrypted fields cannot be read. */
export type UnreadableReason =
  /** The envelope names a key id the keyring does not hold. */
  | 'UnknownKey'
  /** AES-GCM authentication failed: the ciphertext, the event's identity or the key is not what was written. */
  | 'Tampered'
  /** The envelope is not one this version writes. */
  | 'Malformed';

/**
 * A stored event whose encrypted fields cannot be read. Readers still get the event, with each encrypted field
 * replaced by {@link UNREADABLE_FIELD} (see `encrypted-store.ts`); this error goes to the store's `onUnreadable` hook.
 */
export interface UnreadableEvent {
  readonly kind: 'UnreadableEvent';
  readonly reason: UnreadableReason;
  readonly stream: string;
  readonly revision: bigint;
  readonly eventId: string;
  readonly eventType: string;
  /** The key id the envelope names, when it names one. */
  readonly keyId: string | null;
}

/** What stands in, for readers, for an encrypted field that cannot be decrypted. Never ciphertext. */
export const UNREADABLE_FIELD = '[encrypted: unreadable with the loaded keys]';

/** One line for a log or a terminal. */
export function formatUnreadableEvent(error: UnreadableEvent): string {
  const what = `${error.stream}#${error.revision} (${error.eventType} ${error.eventId})`;
  switch (error.reason) {
    case 'UnknownKey':
      return `${what}: encrypted with key "${error.keyId}", which is not in the keyring; add it back to read the event`;
    case 'Tampered':
      return `${what}: encrypted fields fail authentication under key "${error.keyId}" (altered, or a different key under that id)`;
    case 'Malformed':
      return `${what}: the encryption envelope is malformed`;
  }
}

/** One line for a log or a terminal. */
export function formatKeyringInvalid(error: KeyringInvalid): string {
  return `encryption keyring ${error.where}: ${error.reason}`;
}
