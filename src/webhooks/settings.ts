/**
 * The `webhooks` configuration section as the dispatcher uses it: endpoints with their secrets (a `secret_env` is
 * read from the environment here, at start, so other commands load the configuration without it) and the delivery
 * policy. The schema and `src/config/webhook-rules.ts` have checked everything else.
 */
import { err, ok, type Result } from 'neverthrow';
import type { WebhookKind } from '../../machines/index.js';
import { webhookSecretProblem, type Config } from '../config/index.js';
import type { DeliveryPolicy, WebhookEndpoint } from './endpoint.js';

/** Endpoints and policy; no endpoint means webhooks are off. */
export interface WebhookSettings {
  readonly endpoints: readonly WebhookEndpoint[];
  readonly policy: DeliveryPolicy;
}

/** The settings of `config.webhooks`, or the problems found reading secrets from `env` (each naming its key). */
export function webhookSettings(config: Pick<Config, 'webhooks'>, env: Readonly<Record<string, string | undefined>>): Result<WebhookSettings, string[]> {
  const section = config.webhooks;
  const problems: string[] = [];
  const endpoints: WebhookEndpoint[] = [];
  section.endpoints.forEach((endpoint, index) => {
    let secret = endpoint.secret ?? '';
    if (endpoint.secret_env !== undefined) {
      const key = `webhooks.endpoints[${index}].secret_env`;
      secret = env[endpoint.secret_env] ?? '';
      const problem = secret === '' ? 'is not set' : webhookSecretProblem(secret);
      if (problem !== null) {
        problems.push(`${key}: environment variable ${endpoint.secret_env} ${problem === 'is not set' ? problem : `holds a secret that ${problem}`}`);
        return;
      }
    }
    endpoints.push({
      id: endpoint.id,
      url: endpoint.url,
      secret,
      events: endpoint.events === undefined || endpoint.events.length === 0 ? null : new Set(endpoint.events as readonly WebhookKind[]),
      tenants: endpoint.tenants === undefined || endpoint.tenants.length === 0 ? null : new Set(endpoint.tenants),
    });
  });
  if (problems.length > 0) return err(problems);
  return ok({
    endpoints,
    policy: {
      maxAttempts: section.max_attempts,
      backoff: { baseMs: section.base_delay, maxMs: section.max_delay },
      timeoutMs: section.timeout,
      queueSize: section.queue_size,
      concurrency: section.concurrency,
    },
  });
}
