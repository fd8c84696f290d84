/**
 * Making and recognising API keys: a new key is `aik_` and 32 random bytes (base64url), so its SHA-256 is all that
 * needs storing: a key that high in entropy cannot be found from its digest, and looking a digest up reveals
 * nothing an attacker could steer. Used for run-time keys and for the admin key generated on first start.
 */
import { createHash, randomBytes } from 'node:crypto';

/** What every generated key starts with, so that leaked keys are easy to spot and scan for. */
export const API_KEY_PREFIX = 'aik_';

/** A freshly made key: the secret (shown once), its digest and its last four characters. */
export interface NewApiKey {
  readonly key: string;
  readonly sha256: string;
  readonly last4: string;
}

/** Lower-case hex SHA-256 of `text` (UTF-8). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A new random API key. */
export function newApiKey(): NewApiKey {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, sha256: sha256Hex(key), last4: key.slice(-4) };
}
