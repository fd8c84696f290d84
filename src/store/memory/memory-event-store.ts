/**
 * The in-memory adapter: the reference implementation of the port, for tests and `memory:` URLs. Every
 * operation completes synchronously (the returned ResultAsync is already settled); events are kept as JSON text
 * so every read hands out fresh objects.
 */
import { err, ok, okAsync, type Result, type ResultAsync } from 'neverthrow';
import { invalidEvent, storeClosed, type StoreError } from '../errors.js';
import type { EventStore } from '../port.js';
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
} from '../types.js';
import { decodeEvent, type StoredEvent } from '../core/decode.js';
import { compileFilter } from '../core/filter.js';
import { collectPages, scanLog, type LogPager } from '../core/log-pager.js';
import { toAsync } from '../core/result.js';
import { ABSENT_HEAD, checkExpected, decideAppend, readWindow, streamExists, type StreamHead } from '../core/stream-state.js';
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
} from '../core/validate.js';
import type { EventFilter } from '../types.js';

interface MemoryStream {
  head: StreamHead;
  metadata: StreamMetadata;
  /** Index = revision. */
  readonly events: StoredEvent[];
  readonly revisionById: Map<string, number>;
}

/** An {@link EventStore} held in process memory; lost when the process ends. */
export class MemoryEventStore implements EventStore {
  /** Index = position - 1. */
  readonly #log: StoredEvent[] = [];
  readonly #streams = new Map<string, MemoryStream>();
  readonly #registry = new SubscriberRegistry();
  readonly #checkpoints = new Map<string, StoredCheckpoint>();
  #closed = false;

  append(stream: string, events: readonly EventToAppend[], options: AppendOptions): ResultAsync<AppendResult, StoreError> {
    return toAsync(this.#append(stream, events, options));
  }

  #append(stream: string, events: readonly EventToAppend[], options: AppendOptions): Result<AppendResult, StoreError> {
    if (this.#closed) return err(storeClosed());
    const name = validateStreamName(stream);
    if (name.isErr()) return err(name.error);
    const expected = validateExpectedRevision(options?.expectedRevision);
    if (expected.isErr()) return err(expected.error);
    const encoded = encodeEvents(stream, events);
    if (encoded.isErr()) return err(encoded.error);
    const existing = this.#streams.get(stream);
    const head = existing?.head ?? ABSENT_HEAD;
    const ids = encoded.value.map((event) => event.id);
    const decision = decideAppend(stream, head, expected.value, ids, {
      revisionOf: (id) => existing?.revisionById.get(id),
      idAt: (revision) => existing?.events[revision]?.id,
    });
    if (decision.isErr()) return err(decision.error);
    if (decision.value.kind === 'retry') {
      const last = existing?.events[decision.value.lastRevision] as StoredEvent;
      return ok({ nextExpectedRevision: BigInt(last.revision), position: BigInt(last.position) });
    }
    const duplicate = ids.findIndex((id) => existing?.revisionById.has(id) === true);
    if (duplicate >= 0) return err(invalidEvent(stream, duplicate, `id ${ids[duplicate]} is already used in this stream`));
    const target = existing ?? this.#create(stream);
    const recordedAt = Date.now();
    let revision = head.lastRevision;
    for (const event of encoded.value) {
      revision += 1;
      const stored: StoredEvent = { position: this.#log.length + 1, stream, revision, recordedAt, ...event };
      this.#log.push(stored);
      target.events.push(stored);
      target.revisionById.set(event.id, revision);
    }
    target.head = { ...head, lastRevision: revision, softDeleted: false };
    this.#registry.notify();
    return ok({ nextExpectedRevision: BigInt(revision), position: BigInt(this.#log.length) });
  }

  #create(stream: string): MemoryStream {
    const created: MemoryStream = { head: ABSENT_HEAD, metadata: {}, events: [], revisionById: new Map() };
    this.#streams.set(stream, created);
    return created;
  }

  readStream(stream: string, options?: ReadStreamOptions): ResultAsync<readonly RecordedEvent[], StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const result = validateStreamName(stream)
      .andThen(() => validateReadStreamOptions(options))
      .andThen((checked) => {
        const found = this.#streams.get(stream);
        const limits = {
          maxCount: found?.metadata.maxCount,
          truncateBefore: found?.metadata.truncateBefore === undefined ? undefined : Number(found.metadata.truncateBefore),
        };
        return readWindow(stream, found?.head ?? ABSENT_HEAD, limits, checked).map((window) => {
          if (window === undefined || found === undefined) return [];
          const slice = found.events.slice(window.low, window.high + 1);
          if (window.backwards) slice.reverse();
          const limited = window.limit === undefined ? slice : slice.slice(0, window.limit);
          return limited.map(decodeEvent);
        });
      });
    return toAsync(result);
  }

  #pager(filter: EventFilter | undefined): LogPager {
    const matches = compileFilter(filter);
    const pick = (position: number): RecordedEvent | undefined => {
      const stored = this.#log[position - 1] as StoredEvent;
      return matches(stored.stream, stored.type) ? decodeEvent(stored) : undefined;
    };
    return (after, limit) => ok(scanLog(after, this.#log.length, limit, pick));
  }

  readAll(options?: ReadAllOptions): ResultAsync<readonly RecordedEvent[], StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const result = validateLogRead(options).andThen(({ after, maxCount, filter }) => collectPages(this.#pager(filter), Number(after), maxCount));
    return toAsync(result);
  }

  headPosition(): ResultAsync<bigint, StoreError> {
    return this.#closed ? toAsync(err(storeClosed())) : okAsync(BigInt(this.#log.length));
  }

  subscribe(options?: SubscribeOptions): Subscription {
    if (this.#closed) return failedSubscription(storeClosed());
    const checked = validateLogRead(options);
    if (checked.isErr()) return failedSubscription(checked.error);
    return new CatchUpSubscription({ pager: this.#pager(checked.value.filter), registry: this.#registry }, Number(checked.value.after));
  }

  setStreamMetadata(stream: string, metadata: StreamMetadata): ResultAsync<void, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const result = validateStreamName(stream)
      .andThen(() => validateMetadata(metadata))
      .andThen((checked) => {
        const found = this.#streams.get(stream) ?? this.#create(stream);
        return checkExpected(stream, found.head, 'any').map(() => {
          found.metadata = checked;
        });
      });
    return toAsync(result);
  }

  getStreamMetadata(stream: string): ResultAsync<StreamMetadata, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const result = validateStreamName(stream).andThen(() => {
      const found = this.#streams.get(stream);
      return checkExpected(stream, found?.head ?? ABSENT_HEAD, 'any').map(() => ({ ...found?.metadata }));
    });
    return toAsync(result);
  }

  deleteStream(stream: string, options: DeleteStreamOptions): ResultAsync<void, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const result = validateStreamName(stream)
      .andThen(() => validateExpectedRevision(options?.expectedRevision))
      .andThen((expected) => {
        const found = this.#streams.get(stream);
        return checkExpected(stream, found?.head ?? ABSENT_HEAD, expected).map(() => {
          const target = found ?? this.#create(stream);
          const head = target.head;
          target.head = options.hard === true
            ? { ...head, tombstoned: true }
            : { ...head, softDeleted: head.lastRevision >= 0, deletedBefore: head.lastRevision + 1 };
        });
      });
    return toAsync(result);
  }

  listStreams(options?: ListStreamsOptions): ResultAsync<readonly StreamSummary[], StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    const prefix = options?.prefix ?? '';
    const out: StreamSummary[] = [];
    for (const [stream, found] of this.#streams) {
      if (stream.startsWith(prefix) && streamExists(found.head)) out.push({ stream, revision: BigInt(found.head.lastRevision) });
    }
    out.sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
    return okAsync(out);
  }

  ping(): ResultAsync<void, StoreError> {
    return this.#closed ? toAsync(err(storeClosed())) : okAsync(undefined);
  }

  writeCheckpoint(name: string, checkpoint: StoredCheckpoint): ResultAsync<void, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    return toAsync(validateCheckpoint(name, checkpoint).map((checked) => void this.#checkpoints.set(name, checked)));
  }

  readCheckpoint(name: string): ResultAsync<StoredCheckpoint | null, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    return toAsync(validateCheckpointName(name).map((checked) => this.#checkpoints.get(checked) ?? null));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#registry.closeAll();
  }
}
