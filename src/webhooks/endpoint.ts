/**
 * A configured webhook endpoint and the delivery policy, as the dispatcher uses them (built from the `webhooks`
 * configuration section by `settings.ts`).
 */
import type { WebhookKind } from '../../machines/index.js';
import type { BackoffPolicy } from './backoff.js';

/** One endpoint: where to send, the secret to sign with, and what it wants to hear about. */
export interface WebhookEndpoint {
  /** Names the endpoint in streams (`webhook-<id>`), its breaker (`webhook-<id>`), logs and metric labels. */
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  /** The kinds it receives; `null`: every kind. */
  readonly events: ReadonlySet<WebhookKind> | null;
  /** The tenants whose facts it receives; `null`: every tenant's. */
  readonly tenants: ReadonlySet<string> | null;
}

/** How deliveries are made, for every endpoint. */
export interface DeliveryPolicy {
  /** Attempts per delivery, the first included, before it is abandoned. */
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  /** Deadline of one attempt (connect, answer and body). */
  readonly timeoutMs: number;
  /** Deliveries an endpoint holds (waiting, retrying or in flight); beyond it the oldest waiting one is abandoned. */
  readonly queueSize: number;
  /** Attempts in flight at once per endpoint. */
  readonly concurrency: number;
}

/** Whether `endpoint` wants notice `kind` about tenant `tenant`. */
export function wants(endpoint: WebhookEndpoint, kind: WebhookKind, tenant: string): boolean {
  return (endpoint.events === null || endpoint.events.has(kind)) && (endpoint.tenants === null || endpoint.tenants.has(tenant));
}
