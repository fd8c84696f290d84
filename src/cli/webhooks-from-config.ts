/**
 * Starts the webhook dispatcher the configuration asks for (none when `webhooks.endpoints` is empty): secrets read
 * from the environment, one circuit breaker per endpoint, attempts counted in the metrics, problems logged.
 */
import { err, ok, type Result } from 'neverthrow';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Metrics } from '../observability/metrics.js';
import { poolSettings } from '../pool/index.js';
import { formatRuntimeError, systemClock } from '../runtime/index.js';
import { formatStoreError, type EventStore } from '../store/index.js';
import { openWebhookBreakers, WebhookDispatcher, webhookSettings } from '../webhooks/index.js';

/** Running webhooks: close before the store. */
export interface RunningWebhooks {
  close(): Promise<void>;
}

/** Why webhooks could not start: a configuration problem (each naming its key) or a store failure. */
export interface WebhooksStartFailure {
  readonly kind: 'config' | 'failure';
  readonly problems: readonly string[];
}

/** Starts webhooks (or nothing). */
export async function startConfiguredWebhooks(
  config: Config,
  store: EventStore,
  env: Readonly<Record<string, string | undefined>>,
  metrics: Metrics,
  logger: Logger,
): Promise<Result<RunningWebhooks | null, WebhooksStartFailure>> {
  const settings = webhookSettings(config, env);
  if (settings.isErr()) return err({ kind: 'config', problems: settings.error });
  const { endpoints, policy } = settings.value;
  if (endpoints.length === 0) return ok(null);
  const log = logger.child({ component: 'webhooks' });
  const onFault = (message: string): void => log.warn(message);
  const breakers = await openWebhookBreakers(store, systemClock, poolSettings(config).breaker, endpoints.map((endpoint) => endpoint.id), onFault);
  if (breakers.isErr()) return err({ kind: 'failure', problems: [`cannot open the webhook circuit breakers: ${formatRuntimeError(breakers.error)}`] });
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
    return err({ kind: 'failure', problems: [`cannot start webhooks: ${formatStoreError(started.error)}`] });
  }
  log.info({ endpoints: endpoints.map((endpoint) => endpoint.id) }, `webhooks: delivering to ${endpoints.length} endpoint(s)`);
  return ok({
    close: async () => {
      await dispatcher.close();
      await breakers.value.close();
    },
  });
}
