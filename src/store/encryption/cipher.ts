/**
 * AES-256-GCM over one event's taken fields (node:crypto). A box is `base64(iv ‖ ciphertext ‖ tag)` with a fresh
 * random 96-bit IV per event; the additional data binds it to the event's stream, id and type, so a box copied
 * into another event fails authentication instead of showing another event's text.
 */
import { createCipheriv, createDecipheriv, randomFillSync, type KeyObject } from 'node:crypto';
import { err, ok, type Result } from 'neverthrow';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

// IVs are drawn from a refilled random pool: one getrandom call per 512 events instead of one per event.
const POOL_IVS = 512;
let pool = Buffer.alloc(0);
let offset = 0;

function nextIv(): Buffer {
  if (offset + IV_BYTES > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(IV_BYTES * POOL_IVS));
    offset = 0;
  }
  const iv = pool.subarray(offset, offset + IV_BYTES);
  offset += IV_BYTES;
  return iv;
}

/** What a box is bound to: the event it belongs to (its stream, id and type), as the additional data's text. */
export const boxBinding = (stream: string, eventId: string, type: string): string => `${stream}\n${eventId.toLowerCase()}\n${type}`;

/** Encrypts `plaintext` under `key`, bound to `binding`. */
export function seal(plaintext: string, key: KeyObject, binding: string): string {
  const iv = nextIv();
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(Buffer.from(binding, 'utf8'));
  const body = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return body.toString('base64');
}

/** Decrypts a box; `Malformed` when it cannot be one, `Tampered` when authentication fails. */
export function open(box: string, key: KeyObject, binding: string): Result<string, 'Malformed' | 'Tampered'> {
  const body = Buffer.from(box, 'base64');
  if (body.length < IV_BYTES + TAG_BYTES) return err('Malformed');
  const decipher = createDecipheriv(ALGORITHM, key, body.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(binding, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return ok(decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES), undefined, 'utf8') + decipher.final('utf8'));
  } catch {
    return err('Tampered');
  }
}
