/**
 * Event ids: RFC 9562 UUID version 7 (48-bit Unix milliseconds, then a counter, then random bits). Ids made here
 * sort by creation time, so the SQLite adapter's unique `(event_id, stream_id)` index grows at its tail instead of
 * at random pages: callers who supply their own ids (for idempotent retries) should use {@link newEventId} too.
 */
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;
// randomBytes per id costs a syscall-sized round trip; draw from a refilled pool instead.
const POOL_SIZE = 8 * 512;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

const HEX_DIGITS = '0123456789abcdef';
// Two hex digits per byte value: building an id from table lookups avoids number formatting and buffer slicing.
const HEX = Array.from({ length: 256 }, (_, i) => (HEX_DIGITS[i >> 4] as string) + (HEX_DIGITS[i & 15] as string));

/** A new, time-ordered UUIDv7 string (lower case). */
export function newEventId(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else {
    counter = (counter + 1) & 0xfff;
    if (counter === 0) lastMs += 1;
  }
  if (offset + 8 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const r = pool;
  const o = offset;
  offset += 8;
  const high = Math.floor(lastMs / 0x1_0000_0000);
  const low = lastMs >>> 0;
  const h = HEX;
  return (
    (h[(high >>> 8) & 0xff] as string) + (h[high & 0xff] as string) + (h[low >>> 24] as string) + (h[(low >>> 16) & 0xff] as string) +
    '-' + (h[(low >>> 8) & 0xff] as string) + (h[low & 0xff] as string) +
    '-7' + (HEX_DIGITS[counter >>> 8] as string) + (h[counter & 0xff] as string) +
    '-' + (h[((r[o] as number) & 0x3f) | 0x80] as string) + (h[r[o + 1] as number] as string) +
    '-' + (h[r[o + 2] as number] as string) + (h[r[o + 3] as number] as string) + (h[r[o + 4] as number] as string) +
    (h[r[o + 5] as number] as string) + (h[r[o + 6] as number] as string) + (h[r[o + 7] as number] as string)
  );
}
