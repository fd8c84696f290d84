/**
 * Metrics of the event store's appends, measured around the store the server runs on (any adapter):
 * - `aicli_event_store_append_duration_seconds`: from the call to its durable result (group commit included).
 * - `aicli_event_store_append_events`: events per append (an append is one stream's atomic batch).
 * - `aicli_event_store_append_errors_total{kind}`: appends refused, by `StoreError` kind (`StoreUnavailable`:
 *   the disk or server; `WrongExpectedVersion`: a concurrency conflict, normal in small numbers).
 * The histograms exist before any registry (the store opens before the API), and are registered with it later.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ResultAsync } from 'neverthrow';
import { STORE_ERROR_KIND, type EventStore, type StoreError } from '../store/index.js';

/** The append metrics, to register once the registry exists. */
export interface StoreMetrics {
  register(registry: Registry): void;
}

/** Wraps `store` so its appends are measured; returns the wrapped store and its metrics. */
export function measureStoreAppends(store: EventStore): { readonly store: EventStore; readonly metrics: StoreMetrics } {
  const duration = new Histogram({
    name: 'aicli_event_store_append_duration_seconds',
    help: 'Event store appends, from the call to the durable result, in seconds.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [],
  });
  const size = new Histogram({ name: 'aicli_event_store_append_events', help: 'Events per event store append.', buckets: [1, 2, 4, 8, 16, 64, 256], registers: [] });
  const errors = new Counter({ name: 'aicli_event_store_append_errors_total', help: 'Event store appends refused, by error kind.', labelNames: ['kind'], registers: [] });
  for (const kind of Object.values(STORE_ERROR_KIND)) errors.inc({ kind }, 0);

  const measured = (appended: ResultAsync<unknown, StoreError>, started: number, count: number): void => {
    size.observe(count);
    void appended.then((result) => (result.isOk() ? duration.observe((performance.now() - started) / 1000) : errors.inc({ kind: result.error.kind })));
  };

  return {
    store: {
      ...bindAll(store),
      append(stream, events, options) {
        const started = performance.now();
        const appended = store.append(stream, events, options);
        measured(appended, started, events.length);
        return appended;
      },
    },
    metrics: {
      register(registry) {
        for (const metric of [duration, size, errors]) registry.registerMetric(metric);
      },
    },
  };
}

/** Every method of `store`, bound to it (so spreading the wrapper keeps them working). */
function bindAll(store: EventStore): EventStore {
  return {
    append: store.append.bind(store),
    readStream: store.readStream.bind(store),
    readAll: store.readAll.bind(store),
    headPosition: store.headPosition.bind(store),
    subscribe: store.subscribe.bind(store),
    setStreamMetadata: store.setStreamMetadata.bind(store),
    getStreamMetadata: store.getStreamMetadata.bind(store),
    deleteStream: store.deleteStream.bind(store),
    listStreams: store.listStreams.bind(store),
    writeCheckpoint: store.writeCheckpoint.bind(store),
    readCheckpoint: store.readCheckpoint.bind(store),
    ping: store.ping.bind(store),
    close: store.close.bind(store),
  };
}
