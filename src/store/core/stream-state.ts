/**
 * The rules every adapter applies to one stream, as pure functions over its state: the optimistic-concurrency
 * check, idempotent-retry detection and the window of revisions a read may see. Revisions are plain numbers here
 * (they stay far below 2^53); adapters convert at the edge.
 */
import { err, ok, type Result } from 'neverthrow';
import { EXPECTED_REVISION } from '../constants.js';
import { streamDeleted, streamNotFound, wrongExpectedVersion, type StoreError } from '../errors.js';
import type { ActualRevision, ExpectedRevision } from '../types.js';
import type { CheckedReadStreamOptions } from './validate.js';

/** What the write path needs to know about a stream. `lastRevision` is -1 for a stream never written. */
export interface StreamHead {
  readonly lastRevision: number;
  /** Soft-deleted and not re-created since. */
  readonly softDeleted: boolean;
  readonly tombstoned: boolean;
  /** Revisions below this were soft-deleted and are never visible again (0 = none). */
  readonly deletedBefore: number;
}

/** A stream's user metadata with revisions as numbers. */
export interface StreamLimits {
  readonly maxCount: number | undefined;
  readonly truncateBefore: number | undefined;
}

/** The head of a stream that was never written. */
export const ABSENT_HEAD: StreamHead = { lastRevision: -1, softDeleted: false, tombstoned: false, deletedBefore: 0 };

/** True when the stream has visible history: written, not soft-deleted since, not tombstoned. */
export const streamExists = (head: StreamHead): boolean => head.lastRevision >= 0 && !head.softDeleted && !head.tombstoned;

const actualOf = (head: StreamHead): ActualRevision => (head.lastRevision >= 0 ? BigInt(head.lastRevision) : EXPECTED_REVISION.noStream);

/**
 * Whether `expected` holds for the stream. A soft-deleted stream counts as absent for `'no_stream'` and
 * `'stream_exists'`, and still accepts its last revision (so a writer that knew it can re-create it).
 */
export function expectationHolds(head: StreamHead, expected: ExpectedRevision): boolean {
  if (expected === EXPECTED_REVISION.any) return true;
  if (expected === EXPECTED_REVISION.noStream) return !streamExists(head);
  if (expected === EXPECTED_REVISION.streamExists) return streamExists(head);
  return head.lastRevision >= 0 && BigInt(head.lastRevision) === expected;
}

/** The concurrency check of `deleteStream` (and the second half of the append check). */
export function checkExpected(stream: string, head: StreamHead, expected: ExpectedRevision): Result<void, StoreError> {
  if (head.tombstoned) return err(streamDeleted(stream));
  return expectationHolds(head, expected) ? ok(undefined) : err(wrongExpectedVersion(stream, expected, actualOf(head)));
}

/** How an adapter finds earlier events of the stream by id and by revision, for retry detection. */
export interface StreamLookups {
  revisionOf(id: string): number | undefined;
  idAt(revision: number): string | undefined;
}

/** What to do with an append: write it, or answer a retry with the original append's last revision. */
export type AppendDecision = { readonly kind: 'write' } | { readonly kind: 'retry'; readonly lastRevision: number };

const WRITE: AppendDecision = { kind: 'write' };

function isRetryAt(head: StreamHead, ids: readonly string[], start: number, lookups: StreamLookups): boolean {
  if (start + ids.length - 1 > head.lastRevision) return false;
  for (let i = 1; i < ids.length; i++) if (lookups.idAt(start + i) !== ids[i]) return false;
  return true;
}

/**
 * Decides an append (see the `EventStore` comment for the rules). A `write` decision does not yet guarantee the
 * ids are new to the stream: the adapter rejects a duplicate id with `InvalidEvent` while writing.
 */
export function decideAppend(
  stream: string,
  head: StreamHead,
  expected: ExpectedRevision,
  ids: readonly string[],
  lookups: StreamLookups,
): Result<AppendDecision, StoreError> {
  if (head.tombstoned) return err(streamDeleted(stream));
  const holds = expectationHolds(head, expected);
  const exact = typeof expected === 'bigint' || expected === EXPECTED_REVISION.noStream;
  if (holds && exact) return ok(WRITE);
  if (head.lastRevision >= 0) {
    const start = lookups.revisionOf(ids[0] as string);
    const placed = typeof expected === 'bigint' ? start === Number(expected) + 1 : start !== undefined;
    if (start !== undefined && placed && isRetryAt(head, ids, start, lookups)) {
      return ok({ kind: 'retry', lastRevision: start + ids.length - 1 });
    }
  }
  return holds ? ok(WRITE) : err(wrongExpectedVersion(stream, expected, actualOf(head)));
}

/** An inclusive revision range to read, in the given order, at most `limit` events (undefined = all). */
export interface RevisionWindow {
  readonly low: number;
  readonly high: number;
  readonly backwards: boolean;
  readonly limit: number | undefined;
}

/**
 * The revisions a `readStream` call may see, after soft deletes, `truncateBefore` and `maxCount`; `undefined`
 * when nothing is visible (the read returns `[]`). `StreamNotFound` / `StreamDeleted` as the port specifies.
 */
export function readWindow(
  stream: string,
  head: StreamHead,
  limits: StreamLimits,
  options: CheckedReadStreamOptions,
): Result<RevisionWindow | undefined, StoreError> {
  if (head.tombstoned) return err(streamDeleted(stream));
  if (!streamExists(head)) return err(streamNotFound(stream));
  const last = head.lastRevision;
  let floor = head.deletedBefore;
  if (limits.truncateBefore !== undefined) floor = Math.max(floor, limits.truncateBefore);
  if (limits.maxCount !== undefined) floor = Math.max(floor, last - limits.maxCount + 1);
  const from = options.from === undefined ? undefined : options.from > BigInt(last) ? last + 1 : Number(options.from);
  const low = options.backwards ? floor : Math.max(floor, from ?? 0);
  const high = options.backwards ? Math.min(last, from ?? last) : last;
  if (low > high || options.maxCount === 0) return ok(undefined);
  return ok({ low, high, backwards: options.backwards, limit: options.maxCount });
}
