/**
 * Opening the event store named by `store.url`, for the server and the operator subcommands alike, with
 * failures described against the config key an operator would change.
 */
import type { ResultAsync } from 'neverthrow';
import type { Logger } from 'pino';
import { SENSITIVE_FIELDS } from '../../machines/index.js';
import { encryptAtRest, formatStoreError, formatUnreadableEvent, openStore, watchWrites, type EventStore, type Keyring, type StoreError, type UnreadableEvent } from '../store/index.js';
import type { ReadinessProbe } from '../runtime/readiness.js';
import type { Config } from '../config/index.js';
import { EXIT_CODES } from './exit-codes.js';

/**
 * Opens the configured store behind encryption at rest (`security.encryption`): every reader and writer of the
 * server and of the operator commands passes this one decorator, whatever the adapter (see src/store/encryption/).
 * `onUnreadable` hears each event whose encrypted fields the keyring cannot open.
 */
export function openConfiguredStore(config: Config, keyring: Keyring, onUnreadable?: (error: UnreadableEvent) => void): ResultAsync<EventStore, StoreError> {
  return openStore(config.store.url).map((store) => encryptAtRest(store, { keyring, fields: SENSITIVE_FIELDS, ...(onUnreadable === undefined ? {} : { onUnreadable }) }));
}

/** How often an unreadable event is logged again after the first of its key and reason. */
const UNREADABLE_LOG_EVERY = 1000;

/**
 * A hook for {@link openConfiguredStore} that reports unreadable events without flooding: the first of each key id
 * and reason at once, then one line per {@link UNREADABLE_LOG_EVERY} with the count so far.
 */
export function reportUnreadableEvents(report: (message: string, error: UnreadableEvent, count: number) => void): (error: UnreadableEvent) => void {
  const counts = new Map<string, number>();
  return (error) => {
    const key = `${error.reason}\n${error.keyId ?? ''}`;
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count === 1 || count % UNREADABLE_LOG_EVERY === 0) {
      report(`${formatUnreadableEvent(error)}; delivered with its encrypted fields replaced by a marker (${count} such event(s) read so far)`, error, count);
    }
  };
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
