/**
 * Starts the webhook dispatcher the configuration asks for (none when `webhooks.endpoints` is empty), from settings
 * read at start (`webhookSettings`: secrets from the environment, checked before the store opens): one circuit
 * breaker per endpoint, attempts counted in the metrics, problems logged.
 */
import { err, ok, type Result } from 'neverthrow';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Metrics } from '../observability/metrics.js';
import { poolSettings } from '../pool/index.js';
import { formatRuntimeError, systemClock } from '../runtime/index.js';
import { formatStoreError, type EventStore } from '../store/index.js';
import { openWebhookBreakers, WebhookDispatcher, type WebhookSettings } from '../webhooks/index.js';

/** Running webhooks: close before the store. */
export interface RunningWebhooks {
  close(): Promise<void>;
}

/** Starts webhooks (or nothing). */
export async function startConfiguredWebhooks(
  settings: WebhookSettings,
  config: Config,
  store: EventStore,
  metrics: Metrics,
  logger: Logger,
): Promise<Result<RunningWebhooks | null, string>> {
  const { endpoints, policy } = settings;
  if (endpoints.length === 0) return ok(null);
  const log = logger.child({ component: 'webhooks' });
  const onFault = (message: string): void => log.warn(message);
  const breakers = await openWebhookBreakers(store, systemClock, poolSettings(config).breaker, endpoints.map((endpoint) => endpoint.id), onFault);
  if (breakers.isErr()) return err(`cannot open the webhook circuit breakers: ${formatRuntimeError(breakers.error)}`);
  const { gates } = breakers.value;
  const dispatcher = new WebhookDispatcher({
    store,
    endpoints,
    policy,
    clock: systemClock,
    gateOf: (id) => gates.get(id)!,
    observe: metrics.recordWebhookDelivery,
    onFault,
  });
  const started = await dispatcher.start();
  if (started.isErr()) {
    await breakers.value.close();
    return err(`cannot start webhooks: ${formatStoreError(started.error)}`);
  }
  log.info({ endpoints: endpoints.map((endpoint) => endpoint.id) }, `webhooks: delivering to ${endpoints.length} endpoint(s)`);
  return ok({
    close: async () => {
      await dispatcher.close();
      await breakers.value.close();
    },
  });
}
