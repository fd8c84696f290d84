/**
 * Group commit: writes queued during one turn of the event loop run together in a single `BEGIN IMMEDIATE`
 * transaction on the next turn, so N concurrent appends cost one fsync instead of N. Each queued write decides
 * its own outcome (its own concurrency check, its own result); an expected failure of one never touches the
 * others. Only a failing COMMIT (I/O error, disk full) fails the whole batch, with `StoreUnavailable`.
 *
 * A batch may run twice: when the rollback hook asks for it (the store's staged multi-row inserts failed, see
 * `staged-rows.ts`), the rolled-back batch runs once more as attempt 1, in which the store inserts row by row.
 */
import type Database from 'better-sqlite3';
import { err, ResultAsync, type Result } from 'neverthrow';
import { storeClosed, storeUnavailable, type StoreError } from '../errors.js';
import { describeCause } from '../core/result.js';

/** One write: runs inside the batch transaction and must not throw for expected failures. */
export type WriteOperation<T> = () => Result<T, StoreError>;

interface Queued {
  readonly run: WriteOperation<unknown>;
  readonly settle: (result: Result<unknown, StoreError>) => void;
}

/** Hooks the queue calls around each batch. */
export interface GroupCommitHooks {
  /** First thing inside the transaction (the write lock is held); `attempt` is 0, or 1 for a re-run. */
  beforeBatch(attempt: number): void;
  /** Last thing inside the transaction, before COMMIT. */
  beforeCommit(): void;
  /** After a successful commit. */
  afterCommit(): void;
  /** After a rolled-back batch (in-memory caches may be ahead of the file); `true` asks for one re-run. */
  afterRollback(cause: unknown): boolean;
}

/** The write queue of one SQLite connection. */
export class GroupCommit {
  #queue: Queued[] = [];
  #scheduled = false;
  #closed = false;
  readonly #transaction: (batch: readonly Queued[], attempt: number) => Result<unknown, StoreError>[];
  readonly #hooks: GroupCommitHooks;

  constructor(db: Database.Database, hooks: GroupCommitHooks) {
    this.#hooks = hooks;
    const inTransaction = db.transaction((batch: readonly Queued[], attempt: number) => {
      hooks.beforeBatch(attempt);
      const results = new Array<Result<unknown, StoreError>>(batch.length);
      for (let i = 0; i < batch.length; i++) results[i] = (batch[i] as Queued).run();
      hooks.beforeCommit();
      return results;
    });
    this.#transaction = (batch, attempt) => inTransaction.immediate(batch, attempt);
  }

  /** Queues a write for the next batch; the result settles after the batch commits (or fails). */
  enqueue<T>(run: WriteOperation<T>): ResultAsync<T, StoreError> {
    if (this.#closed) return new ResultAsync(Promise.resolve(err(storeClosed())));
    const promise = new Promise<Result<T, StoreError>>((resolve) => {
      this.#queue.push({ run, settle: resolve as (result: Result<unknown, StoreError>) => void });
    });
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
    return new ResultAsync(promise);
  }

  /** Commits whatever is queued now and refuses further writes. */
  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    let results: Result<unknown, StoreError>[] | undefined;
    for (let attempt = 0; results === undefined; attempt++) {
      try {
        results = this.#transaction(batch, attempt);
      } catch (cause) {
        if (this.#hooks.afterRollback(cause) && attempt === 0) continue;
        const failure = err(storeUnavailable(`write failed: ${describeCause(cause)}`, cause));
        for (const queued of batch) queued.settle(failure);
        return;
      }
    }
    for (let i = 0; i < batch.length; i++) (batch[i] as Queued).settle(results[i] as Result<unknown, StoreError>);
    this.#hooks.afterCommit();
  };
}
