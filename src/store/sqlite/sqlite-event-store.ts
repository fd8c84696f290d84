/**
 * The embedded SQLite adapter (better-sqlite3, WAL), the default store. Appends, deletes and metadata writes go
 * through one group-commit queue (see `group-commit.ts`), so they apply in call order and share fsyncs. Within a
 * batch, appends whose expected revision holds against the cached stream head stage their rows and are inserted
 * together with multi-row statements (see `staged-rows.ts`); the stream index has two tiers, compacted by the
 * writer (see `schema.ts`, `compaction.ts`). Reads run directly on the connection. Subscriptions wake on local
 * commits and poll for commits of other processes; near the head they read the events this connection just
 * committed from memory (see `committed-tail.ts`).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { err, ok, type Result, type ResultAsync } from 'neverthrow';
import { EXPECTED_REVISION, SQLITE_DURABILITY } from '../constants.js';
import { invalidEvent, storeClosed, storeUnavailable, type StoreError } from '../errors.js';
import type { EventStore } from '../port.js';
import type {
  AppendOptions,
  AppendResult,
  DeleteStreamOptions,
  EventFilter,
  EventToAppend,
  ExpectedRevision,
  ListStreamsOptions,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoredCheckpoint,
  StreamMetadata,
  StreamSummary,
  SubscribeOptions,
  Subscription,
} from '../types.js';
import { decodeEvent } from '../core/decode.js';
import { collectPages, type LogPager } from '../core/log-pager.js';
import { describeCause, toAsync } from '../core/result.js';
import { checkExpected, decideAppend, readWindow, streamExists, type StreamLookups } from '../core/stream-state.js';
import { CatchUpSubscription, failedSubscription, SubscriberRegistry } from '../core/subscription.js';
import {
  encodeEvents,
  validateCheckpoint,
  validateCheckpointName,
  validateExpectedRevision,
  validateLogRead,
  validateMetadata,
  validateReadStreamOptions,
  validateStreamName,
  type EncodedEvent,
} from '../core/validate.js';
import { CommittedTail, DEFAULT_TAIL_LIMITS, tailFirstPager, type TailLimits } from './committed-tail.js';
import { Compaction, DEFAULT_COMPACTION_THRESHOLD } from './compaction.js';
import { GroupCommit } from './group-commit.js';
import { StagedRows, UnstageBatch } from './staged-rows.js';
import { sqlitePager } from './log-pager.js';
import { configureConnection, migrate, type SqliteDurability } from './schema.js';
import { Statements } from './statements.js';
import { unwritableHint } from './unwritable-hint.js';
import { headOf, MAX_CACHED_HEADS, StreamHeads, type CachedHead } from './stream-heads.js';

/** Options of {@link SqliteEventStore.open}. */
export interface SqliteEventStoreOptions {
  /**
   * `'full'` (default): `synchronous=FULL`, every acknowledged append survives power loss and OS crashes.
   * `'normal'`: `synchronous=NORMAL`, survives a crash of this process but the last commits may be lost on power
   * loss or an OS crash (WAL is not fsynced on each commit). Never corrupts the file either way.
   */
  readonly durability?: SqliteDurability;
  /** How often an idle subscription re-reads the file for other processes' commits; default 100 ms. */
  readonly pollIntervalMs?: number;
  /**
   * How many entries the small `recent` tier of the stream index collects before the writer moves them into
   * `stream_index` (see `compaction.ts`); default 8192. Tests lower it to compact often.
   */
  readonly compactionThreshold?: number;
  /** Stream heads the writer keeps in memory (default {@link MAX_CACHED_HEADS}); tests use tiny values. */
  readonly headCacheSize?: number;
  /** Bounds of the committed tail that subscriptions read from memory (default {@link DEFAULT_TAIL_LIMITS}). */
  readonly tailLimits?: TailLimits;
}

const DEFAULT_POLL_MS = 100;

function attempt<T>(what: string, run: () => Result<T, StoreError>): Result<T, StoreError> {
  try {
    return run();
  } catch (cause) {
    return err(storeUnavailable(`${what} failed: ${describeCause(cause)}`, cause));
  }
}

/** Retry-detection lookups for the stream being appended to; one reusable instance, re-pointed per append. */
class StreamIdLookups implements StreamLookups {
  streamId: number | undefined;
  readonly #statements: Statements;

  constructor(statements: Statements) {
    this.#statements = statements;
  }

  revisionOf(id: string): number | undefined {
    return this.streamId === undefined ? undefined : (this.#statements.revisionOfId.get(id, this.streamId) as number | undefined);
  }

  idAt(revision: number): string | undefined {
    return this.streamId === undefined ? undefined : (this.#statements.idAt.get({ streamId: this.streamId, revision }) as string | undefined);
  }
}

/**
 * The common case that `decideAppend` would answer with a plain write without any lookup: an exact expected
 * revision (or `'no_stream'`) that holds. Revisions stay below 2^53, so comparing as numbers is exact.
 */
const isPlainWrite = (head: CachedHead, expected: ExpectedRevision): boolean =>
  !head.tombstoned &&
  (typeof expected === 'bigint'
    ? head.lastRevision >= 0 && Number(expected) === head.lastRevision
    : expected === EXPECTED_REVISION.noStream && !streamExists(head));

const isDuplicateId = (cause: unknown): boolean =>
  cause instanceof Database.SqliteError && cause.code === 'SQLITE_CONSTRAINT_UNIQUE' && cause.message.includes('event_id');

/** An {@link EventStore} in one SQLite file (or `:memory:`). */
export class SqliteEventStore implements EventStore {
  readonly #db: Database.Database;
  readonly #statements: Statements;
  readonly #heads: StreamHeads;
  readonly #commits: GroupCommit;
  readonly #registry = new SubscriberRegistry();
  readonly #pollIntervalMs: number;
  readonly #lookups: StreamIdLookups;
  readonly #compaction: Compaction;
  readonly #staged: StagedRows;
  readonly #tail: CommittedTail;
  /** Whether plain appends stage their rows (off while a batch re-runs after a failed flush). */
  #staging = true;
  #closed = false;

  private constructor(db: Database.Database, options: SqliteEventStoreOptions) {
    this.#db = db;
    this.#statements = new Statements(db);
    this.#heads = new StreamHeads(this.#statements, options.headCacheSize ?? MAX_CACHED_HEADS);
    this.#lookups = new StreamIdLookups(this.#statements);
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    this.#compaction = new Compaction(this.#statements, options.compactionThreshold ?? DEFAULT_COMPACTION_THRESHOLD);
    this.#staged = new StagedRows(db);
    this.#tail = new CommittedTail(() => this.#dataVersion(), options.tailLimits ?? DEFAULT_TAIL_LIMITS);
    this.#commits = new GroupCommit(db, {
      beforeBatch: (attempt) => {
        this.#staging = attempt === 0;
        const version = this.#statements.dataVersion.get() as number;
        this.#heads.validate(version);
        this.#tail.batchStarted(version);
        this.#compaction.maybeCompact();
      },
      beforeCommit: () => this.#flushStaged(),
      afterCommit: () => {
        this.#tail.committed(this.#registry.lowestCheckpoint());
        this.#registry.notify();
      },
      afterRollback: (cause) => {
        this.#tail.discard();
        this.#staged.clear();
        this.#heads.clear();
        this.#compaction.resync();
        return cause instanceof UnstageBatch;
      },
    });
  }

  /** Opens (creating the file, its directory and the schema if needed) a store at `path`, or `:memory:`. */
  static open(path: string, options: SqliteEventStoreOptions = {}): Result<SqliteEventStore, StoreError> {
    let db: Database.Database | undefined;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      configureConnection(db, options.durability ?? SQLITE_DURABILITY.full);
    } catch (cause) {
      db?.close();
      return err(storeUnavailable(`cannot open SQLite database ${path}: ${describeCause(cause)}${unwritableHint(path)}`, cause));
    }
    const opened = db;
    const migrated = migrate(opened);
    if (migrated.isErr()) {
      opened.close();
      return err(migrated.error);
    }
    return attempt('preparing statements', () => ok(new SqliteEventStore(opened, options))).mapErr((error) => {
      opened.close();
      return error;
    });
  }

  append(stream: string, events: readonly EventToAppend[], options: AppendOptions): ResultAsync<AppendResult, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const name = validateStreamName(stream);
    if (name.isErr()) return toAsync(err(name.error));
    const expected = validateExpectedRevision(options?.expectedRevision);
    if (expected.isErr()) return toAsync(err(expected.error));
    const encoded = encodeEvents(stream, events);
    if (encoded.isErr()) return toAsync(err(encoded.error));
    return this.#commits.enqueue(this.#appendInBatch.bind(this, stream, expected.value, encoded.value));
  }

  /** `PRAGMA data_version`, or NaN when it cannot be read (the tail then defers to SQLite, which reports why). */
  #dataVersion(): number {
    try {
      return this.#statements.dataVersion.get() as number;
    } catch {
      return Number.NaN;
    }
  }

  #ensureStreamId(stream: string, head: CachedHead): number {
    if (head.streamId === undefined) head.streamId = Number(this.#statements.insertStream.run(stream).lastInsertRowid);
    return head.streamId;
  }

  /** Inserts the rows staged so far in this batch; call before any statement that reads events. */
  #flushStaged(): void {
    if (this.#staged.size > 0) this.#staged.flush();
  }

  #appendInBatch(stream: string, expected: ExpectedRevision, encoded: readonly EncodedEvent[]): Result<AppendResult, StoreError> {
    const statements = this.#statements;
    const head = this.#heads.get(stream);
    if (!isPlainWrite(head, expected)) {
      this.#flushStaged();
      const ids = encoded.map((event) => event.id);
      this.#lookups.streamId = head.streamId;
      const decision = decideAppend(stream, head, expected, ids, this.#lookups);
      if (decision.isErr()) return err(decision.error);
      if (decision.value.kind === 'retry') {
        const { lastRevision } = decision.value;
        const position = statements.positionAt.get({ streamId: head.streamId as number, revision: lastRevision }) as number;
        return ok({ nextExpectedRevision: BigInt(lastRevision), position: BigInt(position) });
      }
    }
    if (encoded.length > 1 && head.streamId !== undefined) {
      // Rows of this stream still staged are not seen here; a duplicate among them fails the flush instead, and
      // the batch re-runs unstaged, where this check sees them.
      const streamId = head.streamId;
      const duplicate = encoded.findIndex((event) => statements.revisionOfId.get(event.id, streamId) !== undefined);
      if (duplicate >= 0) return err(invalidEvent(stream, duplicate, `id ${encoded[duplicate]?.id} is already used in this stream`));
    }
    const streamId = this.#ensureStreamId(stream, head);
    const recordedAt = Date.now();
    const first = head.lastRevision + 1;
    let result: AppendResult;
    if (this.#staging) {
      // A duplicate id among staged rows makes the flush fail and the batch re-run row by row (below).
      result = this.#staged.stage(streamId, first, encoded, recordedAt);
    } else {
      let position = 0;
      for (let i = 0; i < encoded.length; i++) {
        const event = encoded[i] as EncodedEvent;
        try {
          position = Number(statements.insertEvent.run(streamId, first + i, event.id, event.type, event.data, event.metadata, recordedAt).lastInsertRowid);
        } catch (cause) {
          // Only a single-event append reaches this with a duplicate id (longer ones were checked above), so the
          // failed statement rolled back on its own and the rest of the batch is unaffected.
          if (isDuplicateId(cause)) return err(invalidEvent(stream, i, `id ${event.id} is already used in this stream`));
          throw cause;
        }
        statements.insertRecent.run(streamId, first + i, position);
      }
      result = { nextExpectedRevision: BigInt(first + encoded.length - 1), position: BigInt(position) };
    }
    this.#tail.wrote(stream, first, encoded, recordedAt, result);
    this.#compaction.wrote(encoded.length);
    if (head.softDeleted) statements.reviveStream.run(streamId);
    head.lastRevision = first + encoded.length - 1;
    head.softDeleted = false;
    return ok(result);
  }

  readStream(stream: string, options?: ReadStreamOptions): ResultAsync<readonly RecordedEvent[], StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const result = validateStreamName(stream)
      .andThen(() => validateReadStreamOptions(options))
      .andThen((checked) =>
        attempt('reading a stream', () => {
          const row = this.#statements.streamByName.get(stream);
          const limits = { maxCount: row?.maxCount ?? undefined, truncateBefore: row?.truncateBefore ?? undefined };
          return readWindow(stream, headOf(row), limits, checked).map((window) => {
            if (window === undefined || row === undefined) return [];
            const statement = window.backwards ? this.#statements.readBackwards : this.#statements.readForwards;
            const params = { streamId: row.streamId, low: window.low, high: window.high, limit: window.limit ?? -1 };
            return statement.all(params).map(decodeEvent);
          });
        }),
      );
    return toAsync(result);
  }

  readAll(options?: ReadAllOptions): ResultAsync<readonly RecordedEvent[], StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const result = validateLogRead(options).andThen(({ after, maxCount, filter }) =>
      collectPages(sqlitePager(this.#db, this.#statements, filter), Number(after), maxCount),
    );
    return toAsync(result);
  }

  headPosition(): ResultAsync<bigint, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    return toAsync(attempt('reading the head position', () => ok(BigInt(this.#statements.headPosition.get() as number))));
  }

  subscribe(options?: SubscribeOptions): Subscription {
    if (this.#closed) return failedSubscription(storeClosed());
    const checked = validateLogRead(options);
    if (checked.isErr()) return failedSubscription(checked.error);
    const source = {
      pager: this.subscriptionPager(checked.value.filter),
      registry: this.#registry,
      pollIntervalMs: this.#pollIntervalMs,
    };
    return new CatchUpSubscription(source, Number(checked.value.after));
  }

  /**
   * The pager subscriptions read: the committed tail where it can answer, else SQLite (`sqlitePager`, which
   * `readAll` uses). `filter` must be validated. Public so tests can compare the two.
   */
  subscriptionPager(filter: EventFilter | undefined): LogPager {
    return tailFirstPager(this.#tail, filter, sqlitePager(this.#db, this.#statements, filter));
  }

  setStreamMetadata(stream: string, metadata: StreamMetadata): ResultAsync<void, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const checked = validateStreamName(stream).andThen(() => validateMetadata(metadata));
    if (checked.isErr()) return toAsync(err(checked.error));
    const { maxCount, truncateBefore } = checked.value;
    return this.#commits.enqueue(() => {
      const head = this.#heads.get(stream);
      return checkExpected(stream, head, 'any').map(() => {
        const streamId = this.#ensureStreamId(stream, head);
        const truncate = truncateBefore === undefined ? null : Number(truncateBefore > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : truncateBefore);
        this.#statements.setMetadata.run(maxCount ?? null, truncate, streamId);
      });
    });
  }

  getStreamMetadata(stream: string): ResultAsync<StreamMetadata, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const result = validateStreamName(stream).andThen(() =>
      attempt('reading stream metadata', () => {
        const row = this.#statements.streamByName.get(stream);
        return checkExpected(stream, headOf(row), 'any').map(() => ({
          ...(row?.maxCount == null ? {} : { maxCount: row.maxCount }),
          ...(row?.truncateBefore == null ? {} : { truncateBefore: BigInt(row.truncateBefore) }),
        }));
      }),
    );
    return toAsync(result);
  }

  deleteStream(stream: string, options: DeleteStreamOptions): ResultAsync<void, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const checked = validateStreamName(stream).andThen(() => validateExpectedRevision(options?.expectedRevision));
    if (checked.isErr()) return toAsync(err(checked.error));
    const expected = checked.value;
    const hard = options.hard === true;
    return this.#commits.enqueue(() => {
      const head = this.#heads.get(stream);
      return checkExpected(stream, head, expected).map(() => {
        if (hard) {
          this.#statements.tombstoneStream.run(this.#ensureStreamId(stream, head));
          head.tombstoned = true;
        } else if (head.lastRevision >= 0) {
          this.#statements.softDeleteStream.run(head.lastRevision + 1, head.streamId as number);
          head.softDeleted = true;
          head.deletedBefore = head.lastRevision + 1;
        }
      });
    });
  }

  listStreams(options?: ListStreamsOptions): ResultAsync<readonly StreamSummary[], StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const result = attempt('listing streams', () => {
      const rows = this.#statements.listStreams.all({ prefix: options?.prefix ?? '' });
      const out: StreamSummary[] = [];
      for (const row of rows) if (row.revision !== null) out.push({ stream: row.stream, revision: BigInt(row.revision) });
      return ok(out);
    });
    return toAsync(result);
  }

  writeCheckpoint(name: string, checkpoint: StoredCheckpoint): ResultAsync<void, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const checked = validateCheckpoint(name, checkpoint);
    if (checked.isErr()) return toAsync(err(checked.error));
    const { position, eventId, body } = checked.value;
    return this.#commits.enqueue(() => ok(void this.#statements.writeCheckpoint.run(name, position, eventId, body)));
  }

  readCheckpoint(name: string): ResultAsync<StoredCheckpoint | null, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const result = validateCheckpointName(name).andThen((checked) =>
      attempt('reading a checkpoint', () => {
        const row = this.#statements.readCheckpoint.get(checked);
        return ok(row === undefined ? null : { position: BigInt(row.position), eventId: row.eventId, body: row.body });
      }),
    );
    return toAsync(result);
  }

  ping(): ResultAsync<void, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    return toAsync(attempt('ping', () => (this.#db.prepare('SELECT 1').get(), ok(undefined))));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#commits.close();
    await this.#registry.closeAll();
    this.#db.close();
  }
}

/** Convenience for tests and tools: an async-shaped {@link SqliteEventStore.open}. */
export const openSqliteEventStore = (path: string, options?: SqliteEventStoreOptions): ResultAsync<EventStore, StoreError> =>
  toAsync(SqliteEventStore.open(path, options)).map((store): EventStore => store);

