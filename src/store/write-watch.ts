/**
 * A store whose readiness includes its writes. `ping()` of an adapter only proves the backing store answers a
 * trivial query, and a SQLite file on a disk that turned read-only or filled up still answers `SELECT 1` while
 * every append fails. This wrapper remembers when a write failed with `StoreUnavailable`: from then on `ping()`
 * fails too (so the health check is critical), and each `ping()` retries one small write (metadata of
 * {@link WRITE_PROBE_STREAM}, no event) until one succeeds, so readiness comes back by itself once the disk does,
 * even if nobody sends anything. It never probes while writes succeed (no cost, nothing written). `hooks` hear
 * each change, once per outage, for the log.
 */
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { storeUnavailable, type StoreError } from './errors.js';
import type { EventStore } from './port.js';

/** The stream whose metadata a failing store's `ping()` rewrites to see whether writes work again; it holds no events. */
export const WRITE_PROBE_STREAM = 'aicli-write-probe';

/** What the watcher reports. */
export interface WriteWatchHooks {
  /** Writes started failing (the first failure of an outage), with the store's reason. */
  readonly failing?: (reason: string) => void;
  /** A write succeeded after `failing`. */
  readonly recovered?: () => void;
}

/** `store` with its writes watched (see the module comment); everything else is passed through. */
export function watchWrites(store: EventStore, hooks: WriteWatchHooks = {}): EventStore {
  let failure: string | null = null;

  const observe = <T>(write: ResultAsync<T, StoreError>): ResultAsync<T, StoreError> =>
    write
      .map((value) => {
        if (failure !== null) {
          failure = null;
          hooks.recovered?.();
        }
        return value;
      })
      .mapErr((error) => {
        // Only the backing store's own failure counts: a concurrency conflict or a bad request says nothing about the disk.
        if (error.kind === 'StoreUnavailable' && failure === null) {
          failure = error.reason;
          hooks.failing?.(error.reason);
        }
        return error;
      });

  const ping = (): ResultAsync<void, StoreError> =>
    store.ping().andThen(() => {
      if (failure === null) return okAsync(undefined);
      const since = failure;
      return observe(store.setStreamMetadata(WRITE_PROBE_STREAM, {})).orElse((error) =>
        errAsync(error.kind === 'StoreUnavailable' ? storeUnavailable(`writes are failing: ${error.reason}`) : storeUnavailable(`writes are failing: ${since}`)),
      );
    });

  return {
    append: (stream, events, options) => observe(store.append(stream, events, options)),
    setStreamMetadata: (stream, metadata) => observe(store.setStreamMetadata(stream, metadata)),
    deleteStream: (stream, options) => observe(store.deleteStream(stream, options)),
    writeCheckpoint: (name, checkpoint) => observe(store.writeCheckpoint(name, checkpoint)),
    readCheckpoint: (name) => store.readCheckpoint(name),
    readStream: (stream, options) => store.readStream(stream, options),
    readAll: (options) => store.readAll(options),
    headPosition: () => store.headPosition(),
    subscribe: (options) => store.subscribe(options),
    getStreamMetadata: (stream) => store.getStreamMetadata(stream),
    listStreams: (options) => store.listStreams(options),
    ping,
    close: () => store.close(),
  };
}
