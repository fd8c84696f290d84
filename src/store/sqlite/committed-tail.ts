/**
 * The tail of the log this connection has just committed, kept in memory so catch-up subscriptions near the head
 * get their pages without reading each event back from SQLite and parsing it once per subscriber. The writer tells
 * the tail what each append wrote ({@link CommittedTail.wrote}) and whether the batch committed; each event is
 * decoded once, on first demand, into a frozen {@link RecordedEvent} that every subscriber shares.
 *
 * Correctness never depends on it: the tail only ever holds a run of contiguous positions, all written here, and
 * answers only for checkpoints inside that run ({@link CommittedTail.page} returns `undefined` otherwise, and the
 * caller reads SQLite). Positions are AUTOINCREMENT, so rows of another process's commit show up as a gap before
 * our next rows (the tail then restarts at them), and a commit after our last one changes `PRAGMA data_version`
 * (checked before the tail reports that nothing follows its last event; a change empties it). Events larger than
 * `maxEventBytes` are never kept (they break the run like a gap), and the run is trimmed from its oldest end to
 * `maxEvents` and `maxBytes`, so an idle server holds at most that much. At each commit the tail also drops what
 * every open subscription has read: subscribers near the head keep up, so an event is normally held for one batch
 * and dies young (held for thousands of events, they outlived the young generation and cost major GCs).
 */
import { ok } from 'neverthrow';
import type { EventFilter, AppendResult, RecordedEvent } from '../types.js';
import { decodeFrozenEvent, type StoredEvent } from '../core/decode.js';
import { compileFilter, type EventPredicate } from '../core/filter.js';
import { scanLog, type LogPage, type LogPager } from '../core/log-pager.js';
import type { EncodedEvent } from '../core/validate.js';

/** How much the tail keeps. */
export interface TailLimits {
  /** Events at most. */
  readonly maxEvents: number;
  /** Approximate bytes at most: the JSON text of data and metadata, plus a fixed overhead per event. */
  readonly maxBytes: number;
  /** Events larger than this are read from SQLite instead. */
  readonly maxEventBytes: number;
}

/** Defaults of {@link TailLimits}: a few pages of subscription lag, a bounded amount of memory when idle. */
export const DEFAULT_TAIL_LIMITS: TailLimits = { maxEvents: 2048, maxBytes: 2 * 1024 * 1024, maxEventBytes: 64 * 1024 };

/** Rough cost of the objects around an event's JSON text (row, decoded event, entry). */
const ENTRY_OVERHEAD_BYTES = 256;
/** Compact the entry array once this many evicted slots lead it. */
const COMPACT_AFTER = 1024;

interface TailEntry {
  readonly row: StoredEvent;
  readonly bytes: number;
  event: RecordedEvent | undefined;
}

/** One append of the open batch; its result's position is final once the batch's staged rows are flushed. */
interface WrittenAppend {
  readonly stream: string;
  readonly first: number;
  readonly events: readonly EncodedEvent[];
  readonly recordedAt: number;
  readonly result: AppendResult;
}

/** The committed tail of one connection; see the module comment. */
export class CommittedTail {
  readonly #limits: TailLimits;
  readonly #dataVersion: () => number;
  /** `#entries[#start]` is the event at position `#first`; slots before `#start` are evicted. */
  #entries: (TailEntry | undefined)[] = [];
  #start = 0;
  #first = 0;
  #bytes = 0;
  /** `PRAGMA data_version` when the log's head was the tail's last event (NaN: unknown). */
  #version = Number.NaN;
  #batchVersion = Number.NaN;
  #written: WrittenAppend[] = [];

  constructor(dataVersion: () => number, limits: TailLimits = DEFAULT_TAIL_LIMITS) {
    this.#dataVersion = dataVersion;
    this.#limits = limits;
  }

  /** Events held. */
  get size(): number {
    return this.#entries.length - this.#start;
  }

  /** Bytes held, as counted against {@link TailLimits.maxBytes}. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A batch starts: `version` is `PRAGMA data_version` read with the write lock held. */
  batchStarted(version: number): void {
    this.#batchVersion = version;
    this.#written = [];
  }

  /** An append of the open batch wrote `events` at revisions `first…` (positions known by commit time). */
  wrote(stream: string, first: number, events: readonly EncodedEvent[], recordedAt: number, result: AppendResult): void {
    this.#written.push({ stream, first, events, recordedAt, result });
  }

  /** The open batch rolled back: forget what it wrote. */
  discard(): void {
    this.#written = [];
  }

  /** The open batch committed: drop what every reader has read (`readThrough`), add what the batch wrote. */
  committed(readThrough: number): void {
    if (this.size > 0 && readThrough >= this.#first + this.size - 1) this.#clear();
    else while (this.size > 0 && this.#first <= readThrough) this.#evictOldest();
    const written = this.#written;
    if (written.length === 0) return;
    this.#written = [];
    for (const append of written) {
      const count = append.events.length;
      const firstPosition = Number(append.result.position) - count + 1;
      for (let i = 0; i < count; i++) {
        const event = append.events[i] as EncodedEvent;
        this.#add({
          position: firstPosition + i,
          stream: append.stream,
          revision: append.first + i,
          recordedAt: append.recordedAt,
          id: event.id,
          type: event.type,
          data: event.data,
          metadata: event.metadata,
        });
      }
    }
    // The batch held the write lock from `batchStarted`: the log's head was just before its first row then, and
    // is the tail's last event now (if the run ends with our rows; it does unless it is empty).
    this.#version = this.#batchVersion;
  }

  /**
   * A page of the events after `after` that `matches`, or `undefined` when the tail cannot answer (checkpoint
   * outside it, or another connection committed after its last event: then the tail also empties itself).
   */
  page(after: number, limit: number, matches: EventPredicate): LogPage | undefined {
    const size = this.size;
    if (size === 0) return undefined;
    const last = this.#first + size - 1;
    if (after < this.#first - 1 || after > last) return undefined;
    if (after === last) {
      if (this.#dataVersion() === this.#version) return { events: [], scannedTo: after };
      this.#clear();
      return undefined;
    }
    return scanLog(after, last, limit, (position) => {
      const entry = this.#entries[this.#start + position - this.#first] as TailEntry;
      if (!matches(entry.row.stream, entry.row.type)) return undefined;
      entry.event ??= decodeFrozenEvent(entry.row);
      return entry.event;
    });
  }

  #add(row: StoredEvent): void {
    const size = this.size;
    if (size > 0 && row.position !== this.#first + size) this.#clear();
    const bytes = row.data.length + row.metadata.length + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.#limits.maxEventBytes) {
      this.#clear();
      return;
    }
    if (this.size === 0) this.#first = row.position;
    this.#entries.push({ row, bytes, event: undefined });
    this.#bytes += bytes;
    while (this.size > this.#limits.maxEvents || this.#bytes > this.#limits.maxBytes) this.#evictOldest();
  }

  #evictOldest(): void {
    const entry = this.#entries[this.#start] as TailEntry;
    this.#entries[this.#start] = undefined;
    this.#start += 1;
    this.#first += 1;
    this.#bytes -= entry.bytes;
    if (this.#start >= COMPACT_AFTER && this.#start * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#start);
      this.#start = 0;
    }
  }

  #clear(): void {
    this.#entries = [];
    this.#start = 0;
    this.#bytes = 0;
  }
}

/** A pager that serves what it can from `tail` (shared, frozen events) and the rest from `fallback`. */
export function tailFirstPager(tail: CommittedTail, filter: EventFilter | undefined, fallback: LogPager): LogPager {
  const matches = compileFilter(filter);
  return (after, limit) => {
    const page = tail.page(after, limit, matches);
    return page === undefined ? fallback(after, limit) : ok(page);
  };
}
