/**
 * The event store port: everything the system knows lives in this append-only log. Adapters live in
 * `memory/`, `sqlite/` and `eventstoredb/`; `openStore` picks one by URL; `testing/conformance.ts` pins the behaviour.
 */
import type { ResultAsync } from 'neverthrow';
import type { StoreError } from './errors.js';
import type {
  AppendOptions,
  AppendResult,
  DeleteStreamOptions,
  EventToAppend,
  ListStreamsOptions,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoredCheckpoint,
  StreamMetadata,
  StreamSummary,
  SubscribeOptions,
  Subscription,
} from './types.js';

/**
 * An append-only, event-sourced log of named streams, modelled on EventStoreDB.
 *
 * Concurrency: every append carries an expected revision — `'any'`, `'no_stream'`, `'stream_exists'` or the exact
 * revision of the stream's last event — and fails with `WrongExpectedVersion` when the stream disagrees. All
 * events of one append are written atomically and get consecutive revisions.
 *
 * Idempotency: an append whose event ids are exactly the ids of events already in the stream, in the same order,
 * at consecutive revisions (starting at `expected + 1` for an exact expected revision; anywhere for the markers),
 * is a retry: it succeeds, writes nothing, and returns the original `{ nextExpectedRevision, position }`. A partial
 * overlap is not a retry: it fails with `WrongExpectedVersion` if the expected revision does not match the stream,
 * otherwise with `InvalidEvent` naming the id already used; nothing of it is written. Ids are unique per stream.
 *
 * Soft delete (`deleteStream(s, { expectedRevision })`): the stream's events become invisible (`readStream` gives
 * `StreamNotFound`, `listStreams` omits it) but stay in the global log; its metadata is kept. The next append —
 * with `'any'`, `'no_stream'` or the last revision before the delete — re-creates it and revisions continue where
 * they stopped (delete at revision 4, the next event is revision 5, and only events from 5 on are visible).
 *
 * Hard delete (`deleteStream(s, { expectedRevision, hard: true })`): the stream is tombstoned; every later
 * append, read, metadata or delete call on it gives `StreamDeleted`, for ever. Its events stay in the global log.
 *
 * Metadata (`maxCount`, `truncateBefore`) and soft deletes shape `readStream` only; `readAll` and `subscribe`
 * show the log as it was written (as EventStoreDB does before a scavenge).
 */
export interface EventStore {
  /** Appends events to a stream atomically after an optimistic-concurrency check. */
  append(stream: string, events: readonly EventToAppend[], options: AppendOptions): ResultAsync<AppendResult, StoreError>;

  /** Reads a stream's visible events; `StreamNotFound` if it has none, `StreamDeleted` if tombstoned. */
  readStream(stream: string, options?: ReadStreamOptions): ResultAsync<readonly RecordedEvent[], StoreError>;

  /** Reads the global log forwards after an exclusive checkpoint, optionally filtered. */
  readAll(options?: ReadAllOptions): ResultAsync<readonly RecordedEvent[], StoreError>;

  /** Global position of the last event in the log, `0n` when the log is empty; a checkpoint for "from now on". */
  headPosition(): ResultAsync<bigint, StoreError>;

  /** Catch-up subscription to the global log: history after the checkpoint, then live events. */
  subscribe(options?: SubscribeOptions): Subscription;

  /** Replaces a stream's metadata (the stream need not exist yet). */
  setStreamMetadata(stream: string, metadata: StreamMetadata): ResultAsync<void, StoreError>;

  /** A stream's metadata as last set; `{}` when none was set. */
  getStreamMetadata(stream: string): ResultAsync<StreamMetadata, StoreError>;

  /** Soft-deletes (default) or tombstones (`hard: true`) a stream; see the interface comment for semantics. */
  deleteStream(stream: string, options: DeleteStreamOptions): ResultAsync<void, StoreError>;

  /** Streams that currently exist (have visible history), sorted by name, optionally by name prefix. */
  listStreams(options?: ListStreamsOptions): ResultAsync<readonly StreamSummary[], StoreError>;

  /**
   * Replaces checkpoint `name` (written in order with appends, durable like them). Checkpoints live beside the log,
   * not in it: no event is appended, no reader of the log sees them. A non-empty name not starting with `$`.
   */
  writeCheckpoint(name: string, checkpoint: StoredCheckpoint): ResultAsync<void, StoreError>;

  /** Checkpoint `name` as last written, or `null` when none was. */
  readCheckpoint(name: string): ResultAsync<StoredCheckpoint | null, StoreError>;

  /** Readiness probe: `ok` when the backing store answers a trivial query. */
  ping(): ResultAsync<void, StoreError>;

  /** Ends all subscriptions, lets queued writes finish, releases the backing store. Idempotent. */
  close(): Promise<void>;
}
