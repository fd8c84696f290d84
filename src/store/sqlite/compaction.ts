/**
 * Compaction of the two-tier stream index (see `schema.ts`): once enough index entries have gone into `recent`,
 * the writer moves all of them into `stream_index` at the start of its next batch, inside that batch's write
 * transaction. The move is one `INSERT … SELECT` and one `DELETE` in the same transaction as the batch, so it
 * commits or vanishes as a whole (a crash mid-compaction leaves `recent` as it was) and costs no extra fsync.
 */
import type { Statements } from './statements.js';

/** Default number of index entries `recent` may collect before a compaction. */
export const DEFAULT_COMPACTION_THRESHOLD = 8192;

/** Counts the entries written to `recent` by this connection and compacts when there are enough. */
export class Compaction {
  readonly #statements: Statements;
  readonly #threshold: number;
  #pending: number;

  constructor(statements: Statements, threshold: number) {
    this.#statements = statements;
    this.#threshold = threshold;
    this.#pending = statements.countRecent.get() as number;
  }

  /** Records `count` entries written to `recent` in the current batch. */
  wrote(count: number): void {
    this.#pending += count;
  }

  /** Moves `recent` into `stream_index` if the threshold is reached; call inside a write transaction. */
  maybeCompact(): void {
    if (this.#pending < this.#threshold) return;
    this.#statements.compactInsert.run();
    this.#statements.compactDelete.run();
    this.#pending = 0;
  }

  /** Re-counts after a rolled-back batch (the counter may be ahead of the file). */
  resync(): void {
    this.#pending = this.#statements.countRecent.get() as number;
  }
}
