/**
 * The writer's cache of stream heads (stream id, last revision, delete flags), so an append in a batch costs no
 * lookup. It is checked against `PRAGMA data_version` at the start of every batch: when another connection has
 * committed since, the cache is dropped and heads are reloaded from the file.
 */
import type { StreamHead } from '../core/stream-state.js';
import type { StreamRow, Statements } from './statements.js';

/** A cached, mutable stream head; `streamId` is undefined until the stream has a `streams` row. */
export interface CachedHead extends StreamHead {
  streamId: number | undefined;
  lastRevision: number;
  softDeleted: boolean;
  tombstoned: boolean;
  deletedBefore: number;
}

/**
 * Heads kept. A server creates a stream per session and never writes most of them again once the session ended,
 * so the cache keeps the most recently loaded heads (the oldest go first) rather than grow with the store.
 */
export const MAX_CACHED_HEADS = 8_192;

/** Converts a `streams` row (or its absence) into a head. */
export function headOf(row: StreamRow | undefined): CachedHead {
  if (row === undefined) return { streamId: undefined, lastRevision: -1, softDeleted: false, tombstoned: false, deletedBefore: 0 };
  return {
    streamId: row.streamId,
    lastRevision: row.lastRevision,
    softDeleted: row.softDeleted === 1,
    tombstoned: row.tombstoned === 1,
    deletedBefore: row.deletedBefore,
  };
}

/** Stream heads for the write path of one connection. */
export class StreamHeads {
  readonly #cache = new Map<string, CachedHead>();
  readonly #statements: Statements;
  readonly #maxCached: number;
  #dataVersion = Number.NaN;

  constructor(statements: Statements, maxCached = MAX_CACHED_HEADS) {
    this.#statements = statements;
    this.#maxCached = maxCached;
  }

  /**
   * Drops the cache if another connection committed since the last batch (`version`: `PRAGMA data_version` now),
   * and the oldest heads beyond its size; call with the write lock held, at the start of a batch (never
   * mid-batch: staged rows are only in cached heads).
   */
  validate(version: number): void {
    if (version !== this.#dataVersion) {
      this.#cache.clear();
      this.#dataVersion = version;
    }
    // A Map iterates in insertion order: the first keys are the heads loaded longest ago.
    for (const stream of this.#cache.keys()) {
      if (this.#cache.size <= this.#maxCached) break;
      this.#cache.delete(stream);
    }
  }


  /** The head of `stream`, loaded on first use; mutate it only after the corresponding write succeeded. */
  get(stream: string): CachedHead {
    let head = this.#cache.get(stream);
    if (head === undefined) {
      head = headOf(this.#statements.streamByName.get(stream));
      this.#cache.set(stream, head);
    }
    return head;
  }

  /** Forgets everything (after a rolled-back batch). */
  clear(): void {
    this.#cache.clear();
  }
}
