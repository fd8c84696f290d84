/**
 * The keyring of encryption at rest: key id → 256-bit AES key, and the current key that new events are sealed with.
 * Its text form is what a key file or an environment variable holds: entries `id:base64key`, one per line (or
 * separated by commas, for an environment variable), `#` starts a comment. The LAST entry is the current key, so
 * rotating is appending a line; older entries stay to decrypt what they sealed (history is never rewritten).
 */
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { err, ok, type Result } from 'neverthrow';
import type { KeyringInvalid } from './errors.js';

/** Bytes of an AES-256 key. */
export const KEY_BYTES = 32;

/** A key id: short, printable, safe in an envelope and a log line. */
const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** One key of the ring. */
export interface StoreKey {
  readonly id: string;
  readonly key: KeyObject;
}

/** Keys by id, and the one new events are sealed with (`null`: nothing is sealed, old events still open). */
export interface Keyring {
  readonly current: StoreKey | null;
  readonly keys: ReadonlyMap<string, KeyObject>;
}

/** A keyring with no key: reads pass encrypted events through as unreadable, writes seal nothing. */
export const EMPTY_KEYRING: Keyring = { current: null, keys: new Map() };

/** The same keys with nothing sealed from now on (`security.encryption.enabled: false`): old events still open. */
export const readOnly = (keyring: Keyring): Keyring => ({ current: null, keys: keyring.keys });

/** Parses a keyring text (see the module comment); `where` names its source in errors. */
export function parseKeyring(text: string, where: string): Result<Keyring, KeyringInvalid> {
  const invalid = (reason: string): Result<Keyring, KeyringInvalid> => err({ kind: 'KeyringInvalid', where, reason });
  const keys = new Map<string, KeyObject>();
  let current: StoreKey | null = null;
  // Comments first (they may hold commas), then entries.
  const entries = text
    .split('\n')
    .flatMap((line) => line.replace(/#.*$/, '').split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (colon < 0 || !KEY_ID.test(id)) return invalid(`an entry must be "id:base64key" with an id of letters, digits, "_", "." or "-"`);
    if (keys.has(id)) return invalid(`key id "${id}" appears twice`);
    const bytes = BASE64.test(encoded) ? Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64') : Buffer.alloc(0);
    if (bytes.length !== KEY_BYTES) return invalid(`key "${id}" must be ${KEY_BYTES} random bytes in base64 (openssl rand -base64 32)`);
    const key = createSecretKey(bytes);
    keys.set(id, key);
    current = { id, key };
  }
  if (current === null) return invalid('holds no key');
  return ok({ current, keys });
}

/** A new keyring entry line with fresh random key material. */
export function newKeyEntry(id: string): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}
