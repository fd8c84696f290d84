/**
 * An event store that fails on request, for the store-fault tests: it wraps a working store and, while a fault is
 * set, answers the way a broken backing store does: `writes` refuses every append, metadata write and delete with
 * `StoreUnavailable` (a read-only or full disk: reads still work), `all` refuses reads and pings too (an
 * unreachable server). Clearing the fault makes it the wrapped store again, with everything written before.
 */
import { errAsync, type ResultAsync } from 'neverthrow';
import { storeUnavailable, type EventStore, type StoreError } from '../../src/store/index.js';

/** What is broken: the writes only, or everything. */
export type StoreFault = { readonly scope: 'writes' | 'all'; readonly reason: string };

/** The wrapper; `fault` is read on every call. */
export class FaultyStore implements EventStore {
  fault: StoreFault | null = null;
  /** Appends refused while a fault was set. */
  refusedAppends = 0;

  constructor(readonly inner: EventStore) {}

  #write<T>(run: () => ResultAsync<T, StoreError>): ResultAsync<T, StoreError> {
    return this.fault === null ? run() : errAsync(storeUnavailable(this.fault.reason));
  }

  #read<T>(run: () => ResultAsync<T, StoreError>): ResultAsync<T, StoreError> {
    return this.fault?.scope === 'all' ? errAsync(storeUnavailable(this.fault.reason)) : run();
  }

  append(...args: Parameters<EventStore['append']>): ReturnType<EventStore['append']> {
    if (this.fault !== null) this.refusedAppends += 1;
    return this.#write(() => this.inner.append(...args));
  }
  readStream(...args: Parameters<EventStore['readStream']>): ReturnType<EventStore['readStream']> {
    return this.#read(() => this.inner.readStream(...args));
  }
  readAll(...args: Parameters<EventStore['readAll']>): ReturnType<EventStore['readAll']> {
    return this.#read(() => this.inner.readAll(...args));
  }
  headPosition(): ReturnType<EventStore['headPosition']> {
    return this.#read(() => this.inner.headPosition());
  }
  subscribe(...args: Parameters<EventStore['subscribe']>): ReturnType<EventStore['subscribe']> {
    return this.inner.subscribe(...args);
  }
  setStreamMetadata(...args: Parameters<EventStore['setStreamMetadata']>): ReturnType<EventStore['setStreamMetadata']> {
    return this.#write(() => this.inner.setStreamMetadata(...args));
  }
  getStreamMetadata(...args: Parameters<EventStore['getStreamMetadata']>): ReturnType<EventStore['getStreamMetadata']> {
    return this.#read(() => this.inner.getStreamMetadata(...args));
  }
  deleteStream(...args: Parameters<EventStore['deleteStream']>): ReturnType<EventStore['deleteStream']> {
    return this.#write(() => this.inner.deleteStream(...args));
  }
  writeCheckpoint(...args: Parameters<EventStore['writeCheckpoint']>): ReturnType<EventStore['writeCheckpoint']> {
    return this.#write(() => this.inner.writeCheckpoint(...args));
  }
  readCheckpoint(...args: Parameters<EventStore['readCheckpoint']>): ReturnType<EventStore['readCheckpoint']> {
    return this.#read(() => this.inner.readCheckpoint(...args));
  }
  listStreams(...args: Parameters<EventStore['listStreams']>): ReturnType<EventStore['listStreams']> {
    return this.#read(() => this.inner.listStreams(...args));
  }
  ping(): ReturnType<EventStore['ping']> {
    return this.#read(() => this.inner.ping());
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
