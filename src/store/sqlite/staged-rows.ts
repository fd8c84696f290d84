/**
 * Staged rows of plain appends: within a batch the writer decides each append against its cached stream head and
 * stages the rows here instead of inserting them one statement at a time; {@link StagedRows.flush} then inserts
 * them with multi-row `INSERT`s (into `events`, then into `recent`), which costs SQLite far less per row. Positions
 * come from `lastInsertRowid`: one `INSERT` into a table without explicit rowids numbers its rows consecutively.
 * Rows of one batch are flushed before retry detection reads the stream, and before the batch commits.
 *
 * A failing flush (in practice only a duplicate event id, which a single-row insert would have reported for that
 * append alone) throws {@link UnstageBatch}: the writer rolls the batch back and runs it again without staging,
 * so every append of it gets exactly the outcome it would have had row by row.
 */
import type Database from 'better-sqlite3';
import type { AppendResult } from '../types.js';
import type { EncodedEvent } from '../core/validate.js';

/** Thrown out of a batch whose staged rows could not be inserted; the batch is re-run row by row. */
export class UnstageBatch extends Error {
  constructor(cause: unknown) {
    super('staged rows could not be inserted', { cause });
  }
}

/** An append result whose position is filled in when its rows are flushed. */
interface PendingResult {
  nextExpectedRevision: bigint;
  position: bigint;
}

const EVENT_COLUMNS = 7;
const INDEX_COLUMNS = 3;
/** Statement sizes, largest first; a flush covers its rows greedily with them. */
const CHUNKS = [64, 8, 1] as const;

function prepareInserts(db: Database.Database, head: string, columns: number): Map<number, Database.Statement<unknown[]>> {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return new Map(CHUNKS.map((size) => [size, db.prepare<unknown[]>(`${head} VALUES ${Array.from({ length: size }, () => row).join(', ')}`)]));
}

/** The staging area of one connection's writer. */
export class StagedRows {
  readonly #insertEvents: Map<number, Database.Statement<unknown[]>>;
  readonly #insertIndex: Map<number, Database.Statement<unknown[]>>;
  #events: unknown[] = [];
  #streams: number[] = [];
  #revisions: number[] = [];
  #results: PendingResult[] = [];
  #lastRowOf: number[] = [];

  constructor(db: Database.Database) {
    this.#insertEvents = prepareInserts(db, 'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at)', EVENT_COLUMNS);
    this.#insertIndex = prepareInserts(db, 'INSERT INTO recent (stream_id, revision, position)', INDEX_COLUMNS);
  }

  /** Rows staged and not yet flushed. */
  get size(): number {
    return this.#streams.length;
  }

  /** Stages the events of one append at revisions `first…`; the returned result gets its position on flush. */
  stage(streamId: number, first: number, events: readonly EncodedEvent[], recordedAt: number): AppendResult {
    const rows = this.#events;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as EncodedEvent;
      rows.push(streamId, first + i, event.id, event.type, event.data, event.metadata, recordedAt);
      this.#streams.push(streamId);
      this.#revisions.push(first + i);
    }
    const result: PendingResult = { nextExpectedRevision: BigInt(first + events.length - 1), position: 0n };
    this.#results.push(result);
    this.#lastRowOf.push(this.#streams.length - 1);
    return result;
  }

  /** Inserts everything staged; throws {@link UnstageBatch} if SQLite refuses a row. Call inside the batch. */
  flush(): void {
    const count = this.#streams.length;
    if (count === 0) return;
    const positions = new Array<number>(count);
    try {
      this.#insertChunks(this.#insertEvents, count, (start, size, params) => {
        for (let i = start * EVENT_COLUMNS; i < (start + size) * EVENT_COLUMNS; i++) params.push(this.#events[i]);
      }, (start, size, lastRowid) => {
        for (let i = 0; i < size; i++) positions[start + i] = lastRowid - (size - 1 - i);
      });
      this.#insertChunks(this.#insertIndex, count, (start, size, params) => {
        for (let i = start; i < start + size; i++) params.push(this.#streams[i], this.#revisions[i], positions[i]);
      });
    } catch (cause) {
      this.clear();
      throw new UnstageBatch(cause);
    }
    for (let i = 0; i < this.#results.length; i++) {
      (this.#results[i] as PendingResult).position = BigInt(positions[this.#lastRowOf[i] as number] as number);
    }
    this.clear();
  }

  /** Drops staged rows (after a rollback). */
  clear(): void {
    this.#events = [];
    this.#streams = [];
    this.#revisions = [];
    this.#results = [];
    this.#lastRowOf = [];
  }

  #insertChunks(
    statements: Map<number, Database.Statement<unknown[]>>,
    count: number,
    fill: (start: number, size: number, params: unknown[]) => void,
    inserted?: (start: number, size: number, lastRowid: number) => void,
  ): void {
    let start = 0;
    for (const size of CHUNKS) {
      const statement = statements.get(size) as Database.Statement<unknown[]>;
      while (count - start >= size) {
        const params: unknown[] = [];
        fill(start, size, params);
        const info = statement.run(params);
        inserted?.(start, size, Number(info.lastInsertRowid));
        start += size;
      }
    }
  }
}
