/**
 * Opening the event store named by `store.url`, for the server and the operator subcommands alike, with
 * failures described against the config key an operator would change.
 */
import type { ResultAsync } from 'neverthrow';
import type { Logger } from 'pino';
import { formatStoreError, openStore, watchWrites, type EventStore, type StoreError } from '../store/index.js';
import type { ReadinessProbe } from '../runtime/readiness.js';
import type { Config } from '../config/index.js';
import { EXIT_CODES } from './exit-codes.js';

/** Opens the configured store. */
export function openConfiguredStore(config: Config): ResultAsync<EventStore, StoreError> {
  return openStore(config.store.url);
}

/**
 * The store as the server runs on it: its writes watched, so that a store that stops taking writes (a read-only or
 * full disk, a server that went away) fails the health check until a write works again, and the log says so once
 * when it starts and once when it ends. Until then every request that must store something is refused with 503
 * `store_unavailable` and nothing is acknowledged.
 */
export function serverStore(store: EventStore, url: string, logger: Logger): EventStore {
  return watchWrites(store, {
    failing: (reason) =>
      logger.error({ store: url, reason }, `the event store refuses writes: ${reason}; requests that must store anything get 503 store_unavailable until it recovers`),
    recovered: () => logger.info({ store: url }, 'the event store takes writes again'),
  });
}

/** `store.url "…": reason`, and the exit code: 78 for a URL that can never work, 1 for a store that is down. */
export function describeStoreOpenFailure(config: Config, error: StoreError): { message: string; exitCode: number } {
  return {
    message: `store.url "${config.store.url}": ${formatStoreError(error)}`,
    exitCode: error.kind === 'InvalidStoreUrl' ? EXIT_CODES.config : EXIT_CODES.failure,
  };
}

/** The store's readiness probe: critical, because nothing can be accepted without durable appends. */
export function storeProbe(store: EventStore, url: string): ReadinessProbe {
  return {
    name: 'store',
    critical: true,
    check: async () => {
      const pinged = await store.ping();
      return pinged.isOk() ? { ready: true, detail: url } : { ready: false, detail: formatStoreError(pinged.error) };
    },
  };
}
