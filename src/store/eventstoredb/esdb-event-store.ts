/**
 * The EventStoreDB adapter (`@eventstore/db-client` 6.2.1, gRPC). It maps the port one-to-one onto the client:
 * expected revisions onto ANY / NO_STREAM / STREAM_EXISTS / bigint, `readAll` and `subscribe` onto `$all` with
 * `streamNameFilter` / `eventTypeFilter`, soft and hard delete onto `deleteStream` / `tombstoneStream`, and the
 * client's errors onto `StoreError`. Positions are EventStoreDB commit positions (byte offsets, not contiguous).
 * System events (`$`-prefixed types or streams) and non-JSON events are never returned.
 */
import { BACKWARDS, END, EventStoreDBClient, FORWARDS, START, type ReadRevision, type StreamingRead } from '@eventstore/db-client';
import { err, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import { EXPECTED_REVISION } from '../constants.js';
import { invalidStoreUrl, storeClosed, wrongExpectedVersion, type StoreError } from '../errors.js';
import type { EventStore } from '../port.js';
import type {
  AppendOptions,
  AppendResult,
  DeleteStreamOptions,
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
import { compileFilter } from '../core/filter.js';
import { describeCause, toAsync } from '../core/result.js';
import { failedSubscription } from '../core/subscription.js';
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
import { readEsdbCheckpoint, writeEsdbCheckpoint } from './checkpoints.js';
import { fromEsdbError, type EsdbErrorContext } from './errors.js';
import { EsdbSubscription, toServerFilter } from './esdb-subscription.js';
import { listEsdbStreams } from './list-streams.js';
import { fromEsdbMetadata, fromResolved, toEsdbMetadata, toEventData, toPosition } from './mapping.js';

const PING_STREAM = 'aicli-readiness-probe';

/** An {@link EventStore} on an EventStoreDB / KurrentDB server. */
export class EsdbEventStore implements EventStore {
  readonly #client: EventStoreDBClient;
  readonly #subscriptions = new Set<EsdbSubscription>();
  #closed = false;

  constructor(client: EventStoreDBClient) {
    this.#client = client;
  }

  /** Creates a store from an `esdb://` or `esdb+discover://` connection string; connects lazily. */
  static connect(url: string): Result<EsdbEventStore, StoreError> {
    try {
      return ok(new EsdbEventStore(EventStoreDBClient.connectionString(url)));
    } catch (cause) {
      return err(invalidStoreUrl(url, describeCause(cause)));
    }
  }

  #call<T>(context: EsdbErrorContext, run: () => Promise<T>): ResultAsync<T, StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    return ResultAsync.fromPromise(run(), (cause) => fromEsdbError(cause, context));
  }

  async #collect(read: StreamingRead<Parameters<typeof fromResolved>[0]>, keep: (event: RecordedEvent) => boolean, maxCount: number | undefined) {
    const out: RecordedEvent[] = [];
    for await (const resolved of read) {
      if (out.length === maxCount) break;
      const recorded = fromResolved(resolved);
      if (recorded !== undefined && keep(recorded)) out.push(recorded);
    }
    // Stopping early must cancel the gRPC call, or the server keeps streaming into a destroyed reader.
    if (out.length === maxCount) await read.cancel().catch(() => undefined);
    return out;
  }

  append(stream: string, events: readonly EventToAppend[], options: AppendOptions): ResultAsync<AppendResult, StoreError> {
    const checked = validateStreamName(stream).andThen(() =>
      validateExpectedRevision(options?.expectedRevision).andThen((expected) => encodeEvents(stream, events).map((encoded) => ({ expected, encoded }))),
    );
    if (checked.isErr()) return toAsync(err(checked.error));
    const { expected, encoded } = checked.value;
    const data = encoded.map((e, i) => toEventData(e, events[i] as EventToAppend));
    return this.#call({ stream, expected }, async () => {
      const result = await this.#client.appendToStream(stream, data, { expectedRevision: expected });
      const position = result.position?.commit ?? (await this.#positionOf(stream, result.nextExpectedRevision));
      return { nextExpectedRevision: result.nextExpectedRevision, position };
    });
  }

  /** Idempotent appends come back without a position; look it up from the event itself. */
  async #positionOf(stream: string, revision: bigint): Promise<bigint> {
    const [recorded] = await this.#collect(this.#client.readStream(stream, { fromRevision: revision, maxCount: 1 }), () => true, 1);
    return recorded?.position ?? -1n;
  }

  readStream(stream: string, options?: ReadStreamOptions): ResultAsync<readonly RecordedEvent[], StoreError> {
    const checked = validateStreamName(stream).andThen(() => validateReadStreamOptions(options));
    if (checked.isErr()) return toAsync(err(checked.error));
    const { from, backwards, maxCount } = checked.value;
    const fromRevision: ReadRevision = from ?? (backwards ? END : START);
    return this.#call({ stream }, () =>
      maxCount === 0
        ? this.#exists(stream).then(() => [])
        : this.#collect(this.#client.readStream(stream, { fromRevision, direction: backwards ? BACKWARDS : FORWARDS, ...(maxCount === undefined ? {} : { maxCount }) }), () => true, maxCount),
    );
  }

  async #exists(stream: string): Promise<void> {
    await this.#collect(this.#client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }), () => true, 1);
  }

  readAll(options?: ReadAllOptions): ResultAsync<readonly RecordedEvent[], StoreError> {
    const checked = validateLogRead(options);
    if (checked.isErr()) return toAsync(err(checked.error));
    const { after, maxCount, filter } = checked.value;
    const matches = compileFilter(filter);
    const fromPosition = after === 0n ? START : toPosition(after);
    return this.#call({}, () =>
      this.#collect(this.#client.readAll({ fromPosition, direction: FORWARDS }), (e) => e.position > after && matches(e.stream, e.type), maxCount),
    );
  }

  headPosition(): ResultAsync<bigint, StoreError> {
    return this.#call({}, async () => {
      for await (const resolved of this.#client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })) {
        return resolved.event?.position?.commit ?? resolved.commitPosition ?? 0n;
      }
      return 0n;
    });
  }

  subscribe(options?: SubscribeOptions): Subscription {
    if (this.#closed) return failedSubscription(storeClosed());
    const checked = validateLogRead(options);
    if (checked.isErr()) return failedSubscription(checked.error);
    const { after, filter } = checked.value;
    const source = this.#client.subscribeToAll({ fromPosition: after === 0n ? START : toPosition(after), filter: toServerFilter(filter) });
    const subscription = new EsdbSubscription(source, filter, after, (ended) => this.#subscriptions.delete(ended));
    this.#subscriptions.add(subscription);
    return subscription;
  }

  setStreamMetadata(stream: string, metadata: StreamMetadata): ResultAsync<void, StoreError> {
    const checked = validateStreamName(stream).andThen(() => validateMetadata(metadata));
    if (checked.isErr()) return toAsync(err(checked.error));
    return this.#call({ stream }, async () => {
      await this.#client.setStreamMetadata(stream, toEsdbMetadata(checked.value));
    });
  }

  getStreamMetadata(stream: string): ResultAsync<StreamMetadata, StoreError> {
    const checked = validateStreamName(stream);
    if (checked.isErr()) return toAsync(err(checked.error));
    return this.#call({ stream }, async () => fromEsdbMetadata((await this.#client.getStreamMetadata(stream)).metadata));
  }

  deleteStream(stream: string, options: DeleteStreamOptions): ResultAsync<void, StoreError> {
    const checked = validateStreamName(stream).andThen(() => validateExpectedRevision(options?.expectedRevision));
    if (checked.isErr()) return toAsync(err(checked.error));
    const expected = checked.value;
    const resolved: ResultAsync<Exclude<ExpectedRevision, typeof EXPECTED_REVISION.streamExists>, StoreError> =
      expected === EXPECTED_REVISION.streamExists ? this.#currentRevision(stream) : okAsync(expected);
    return resolved.andThen((expectedRevision) =>
      this.#call({ stream, expected }, async () => {
        if (options.hard === true) await this.#client.tombstoneStream(stream, { expectedRevision });
        else await this.#client.deleteStream(stream, { expectedRevision });
      }),
    );
  }

  /** The client's `deleteStream` has no STREAM_EXISTS: resolve it to the current revision, then delete checked. */
  #currentRevision(stream: string): ResultAsync<bigint, StoreError> {
    const readLast = () => this.#collect(this.#client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }), () => true, 1);
    return this.#call({ stream }, readLast)
      .orElse((error) => (error.kind === 'StreamNotFound' ? ok([]) : err(error)))
      .andThen(([last]) =>
        last === undefined
          ? err(wrongExpectedVersion(stream, EXPECTED_REVISION.streamExists, EXPECTED_REVISION.noStream))
          : ok(last.revision),
      );
  }

  listStreams(options?: ListStreamsOptions): ResultAsync<readonly StreamSummary[], StoreError> {
    if (this.#closed) return toAsync(err(storeClosed()));
    return new ResultAsync(listEsdbStreams(this.#client, options?.prefix ?? ''));
  }

  writeCheckpoint(name: string, checkpoint: StoredCheckpoint): ResultAsync<void, StoreError> {
    const checked = validateCheckpoint(name, checkpoint);
    if (checked.isErr()) return toAsync(err(checked.error));
    return this.#call({}, () => writeEsdbCheckpoint(this.#client, name, checked.value));
  }

  readCheckpoint(name: string): ResultAsync<StoredCheckpoint | null, StoreError> {
    const checked = validateCheckpointName(name);
    if (checked.isErr()) return toAsync(err(checked.error));
    return this.#call({}, () => readEsdbCheckpoint(this.#client, checked.value));
  }

  ping(): ResultAsync<void, StoreError> {
    return this.#call({ stream: PING_STREAM }, () => this.#exists(PING_STREAM)).orElse((error) =>
      error.kind === 'StreamNotFound' || error.kind === 'StreamDeleted' ? ok(undefined) : err(error),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
    await this.#client.dispose();
  }
}
