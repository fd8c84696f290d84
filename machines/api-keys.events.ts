/**
 * API keys managed at run time: the one `apikeys` stream and its two events. A key is created with its SHA-256
 * (the key itself is shown once to its creator and never stored) and revoked by id; nothing else changes a key.
 * `projections/api-keys.ts` folds them; the server and `aicli-api keys` append them.
 */

/** The stream holding every run-time API key change, in order. */
export const API_KEYS_STREAM = 'apikeys';

/** Event types of {@link API_KEYS_STREAM}. */
export const API_KEY_EVENT = {
  created: 'ApiKeyCreated',
  revoked: 'ApiKeyRevoked',
} as const;

/** Data of `ApiKeyCreated`. `name` is the user the key acts as; `last4` the key's last four characters, for people. */
export interface ApiKeyCreatedData {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly tenant: string;
  readonly sha256: string;
  readonly last4: string;
  readonly at: number;
  /** Who created it: a user id, or `cli` for `aicli-api keys create`. */
  readonly by: string;
}

/** Data of `ApiKeyRevoked`. */
export interface ApiKeyRevokedData {
  readonly id: string;
  readonly at: number;
  readonly by: string;
}
