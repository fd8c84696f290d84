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

function random8(): Buffer {
  if (offset + 8 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + 8);
  offset += 8;
  return bytes;
}

const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0');

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
  const time = hex(lastMs, 12);
  const random = random8();
  const variant = ((random[0] as number) & 0x3f) | 0x80;
  const tail = hex(variant, 2) + random.subarray(1).toString('hex');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hex(counter, 3)}-${tail.slice(0, 4)}-${tail.slice(4, 16)}`;
}
