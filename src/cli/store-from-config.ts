/**
 * Opening the event store named by `store.url`, for the server and the operator subcommands alike, with
 * failures described against the config key an operator would change.
 */
import type { ResultAsync } from 'neverthrow';
import { formatStoreError, openStore, type EventStore, type StoreError } from '../store/index.js';
import type { ReadinessProbe } from '../runtime/readiness.js';
import type { Config } from '../config/index.js';
import { EXIT_CODES } from './exit-codes.js';

/** Opens the configured store. */
export function openConfiguredStore(config: Config): ResultAsync<EventStore, StoreError> {
  return openStore(config.store.url);
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
