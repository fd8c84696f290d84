/**
 * Data shapes of the event store port: what callers append, what they read back, and the options of each
 * operation. Plain data only; bigints for revisions and positions, a `Date` for `recordedAt`.
 */
import type { ResultAsync } from 'neverthrow';
import type { EXPECTED_REVISION, READ_DIRECTION } from './constants.js';
import type { StoreError } from './errors.js';

/** Any value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A JSON object; event metadata is always one. */
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * An event to append. `id` must be a UUID (stored lower-case); when absent a time-ordered UUIDv7 is generated.
 * Supply your own (from `newEventId()`) when you may retry the append: the same ids make the retry idempotent.
 * `type` must be non-empty and not start with `$`; `data` and `metadata` must survive `JSON.stringify`.
 */
export interface EventToAppend {
  readonly id?: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata?: JsonObject;
}

/** An event as the store recorded it. `revision` counts from 0 within its stream; `position` orders the whole log. */
export interface RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata: JsonObject;
  readonly stream: string;
  readonly revision: bigint;
  /** Global position: strictly increasing in log order, not necessarily contiguous (EventStoreDB uses byte offsets). */
  readonly position: bigint;
  readonly recordedAt: Date;
}

/**
 * What the writer believes about the stream: `'any'` (no check), `'no_stream'`, `'stream_exists'` or the exact
 * revision of the stream's last event.
 */
export type ExpectedRevision =
  | (typeof EXPECTED_REVISION)[keyof typeof EXPECTED_REVISION]
  | bigint;

/** What a stream actually was when a concurrency check failed: its last revision, or `'no_stream'` if never written. */
export type ActualRevision = typeof EXPECTED_REVISION.noStream | bigint;

/** Options of `append`. */
export interface AppendOptions {
  readonly expectedRevision: ExpectedRevision;
}

/** Result of a successful append: pass `nextExpectedRevision` as the next `expectedRevision`. */
export interface AppendResult {
  readonly nextExpectedRevision: bigint;
  /** Global position of the last event of this append. */
  readonly position: bigint;
}

/** Read direction of `readStream`. */
export type ReadDirection = (typeof READ_DIRECTION)[keyof typeof READ_DIRECTION];

/** Options of `readStream`. `from` is an inclusive revision; default: the start (forwards) or the end (backwards). */
export interface ReadStreamOptions {
  readonly from?: bigint;
  readonly direction?: ReadDirection;
  /** At most this many events; default: no limit. */
  readonly maxCount?: number;
}

/** Selects events of the whole log: by stream-name prefix and/or by exact event type (any of the listed). */
export interface EventFilter {
  readonly streamPrefix?: string;
  readonly eventTypes?: readonly string[];
}

/**
 * Options of `readAll`. `fromPosition` is a checkpoint and is exclusive: events strictly after it are returned,
 * so passing the position of the last event you processed resumes without a duplicate. `0n` or absent = the start.
 */
export interface ReadAllOptions {
  readonly fromPosition?: bigint;
  /** At most this many events; default: no limit. */
  readonly maxCount?: number;
  readonly filter?: EventFilter;
}

/** Options of `subscribe`; `fromPosition` is an exclusive checkpoint exactly as in {@link ReadAllOptions}. */
export interface SubscribeOptions {
  readonly fromPosition?: bigint;
  readonly filter?: EventFilter;
}

/**
 * Per-stream settings honoured by `readStream`: only the last `maxCount` events and none below revision
 * `truncateBefore` are visible. `setStreamMetadata` replaces the whole object.
 */
export interface StreamMetadata {
  readonly maxCount?: number;
  readonly truncateBefore?: bigint;
}

/** Options of `deleteStream`; `hard: true` tombstones the stream for good. */
export interface DeleteStreamOptions {
  readonly expectedRevision: ExpectedRevision;
  readonly hard?: boolean;
}

/** Options of `listStreams`. */
export interface ListStreamsOptions {
  readonly prefix?: string;
}

/** A live stream as `listStreams` reports it: its name and the revision of its last event. */
export interface StreamSummary {
  readonly stream: string;
  readonly revision: bigint;
}

/**
 * A named checkpoint kept beside the log (not in it): the log position a reader had reached, the id of the event
 * it found there (so a reader can tell the log was replaced or rewritten under it), and an opaque body. The store
 * does not interpret the body; `readAll`, `subscribe`, `listStreams` and `headPosition` never see checkpoints.
 */
export interface StoredCheckpoint {
  readonly position: bigint;
  readonly eventId: string;
  readonly body: string;
}

/**
 * A catch-up subscription: yields the history after the checkpoint, then live events, in global order without
 * gaps or duplicates. Single consumer. `close()` (or `break` out of `for await`) ends the iteration.
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  /** Ends the subscription; a pending `next()` resolves as done. Idempotent. */
  close(): Promise<void>;
  /** Settles once iteration has ended: `ok` after `close()` or store close, `err` with the failure that ended it. */
  readonly ended: ResultAsync<void, StoreError>;
}
