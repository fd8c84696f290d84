/**
 * A webhook dispatcher under test: endpoints to loopback receivers, small timings, and the store's webhook streams
 * read back. `afterEach` closes every dispatcher started.
 */
import { afterEach } from 'vitest';
import { webhookStream, type WebhookKind } from '../../machines/index.js';
import { systemClock } from '../../src/runtime/index.js';
import type { EventStore } from '../../src/store/index.js';
import { WebhookDispatcher, type DeliveryPolicy, type WebhookDispatcherDeps } from '../../src/webhooks/index.js';

export const SECRET = 'test-webhook-secret-0123456789abcdef';

const dispatchers: WebhookDispatcher[] = [];
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((dispatcher) => dispatcher.close()));
});

/** An endpoint as a test writes it. */
export interface TestEndpoint {
  readonly id: string;
  readonly url: string;
  readonly events?: readonly WebhookKind[];
  readonly tenants?: readonly string[];
}

/** Starts a dispatcher over `store` (faults collected in the returned list). */
export async function startDispatcher(
  store: EventStore,
  endpoints: readonly TestEndpoint[],
  policy: Partial<DeliveryPolicy> = {},
  extra: Partial<WebhookDispatcherDeps> = {},
): Promise<{ dispatcher: WebhookDispatcher; faults: string[] }> {
  const faults: string[] = [];
  const dispatcher = new WebhookDispatcher({
    store,
    endpoints: endpoints.map(({ id, url, events, tenants }) => ({
      id,
      url,
      secret: SECRET,
      events: events === undefined ? null : new Set(events),
      tenants: tenants === undefined ? null : new Set(tenants),
    })),
    policy: { maxAttempts: 3, backoff: { baseMs: 200, maxMs: 1_000 }, timeoutMs: 2_000, queueSize: 100, concurrency: 2, ...policy },
    clock: systemClock,
    onFault: (message) => faults.push(message),
    ...extra,
  });
  dispatchers.push(dispatcher);
  (await dispatcher.start())._unsafeUnwrap();
  return { dispatcher, faults };
}

/** The `webhook-<id>` stream's events as `[type, data]`. */
export async function deliveryEvents(store: EventStore, endpointId: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const read = await store.readStream(webhookStream(endpointId));
  return read.isOk() ? read.value.map((event) => ({ type: event.type, data: event.data as Record<string, unknown> })) : [];
}
