/**
 * Paged reading of the global log after a checkpoint: the one primitive behind `readAll` and the catch-up
 * subscription of the embedded adapters. Positions are plain numbers here.
 */
import { err, ok, type Result } from 'neverthrow';
import type { StoreError } from '../errors.js';
import type { RecordedEvent } from '../types.js';

/**
 * One page: matching events in position order, and `scannedTo`, the position up to which the log has been
 * examined (at least the last event's position). `scannedTo` equals the requested checkpoint only when the log
 * holds nothing after it, so a reader can skip long stretches of non-matching events without stalling.
 */
export interface LogPage {
  readonly events: readonly RecordedEvent[];
  readonly scannedTo: number;
}

/** Reads at most `limit` matching events strictly after position `after`. */
export type LogPager = (after: number, limit: number) => Result<LogPage, StoreError>;

const PAGE = 1024;

/**
 * A page over a run of the log held in memory, positions `after + 1 … last` without holes: `pick` returns the
 * event at a position if it matches the filter. Same {@link LogPage} semantics as the SQLite pager: `scannedTo` is
 * the last event's position when the page is full, else `last` (or `after` when nothing lies after it).
 */
export function scanLog(after: number, last: number, limit: number, pick: (position: number) => RecordedEvent | undefined): LogPage {
  const events: RecordedEvent[] = [];
  let position = after;
  while (position < last && events.length < limit) {
    position += 1;
    const event = pick(position);
    if (event !== undefined) events.push(event);
  }
  return { events, scannedTo: position };
}

/** Reads pages until `maxCount` events (undefined = all) or the end of the log. */
export function collectPages(pager: LogPager, after: number, maxCount: number | undefined): Result<RecordedEvent[], StoreError> {
  const out: RecordedEvent[] = [];
  let checkpoint = after;
  for (;;) {
    const want = maxCount === undefined ? PAGE : Math.min(PAGE, maxCount - out.length);
    if (want <= 0) return ok(out);
    const page = pager(checkpoint, want);
    if (page.isErr()) return err(page.error);
    for (const event of page.value.events) out.push(event);
    if (page.value.scannedTo === checkpoint) return ok(out);
    checkpoint = page.value.scannedTo;
  }
}
