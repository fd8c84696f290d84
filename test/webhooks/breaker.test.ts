/**
 * Each endpoint's circuit breaker (`webhook-<id>`): attempts are reported to it, a dead endpoint opens it, and
 * while it is open no attempt is made (nor spent).
 */
import { describe, expect, it } from 'vitest';
import { BREAKER_PERSISTED_NAME, BUDGET_EVENT, RUNTIME_EVENT_TYPE } from '../../machines/index.js';
import { poolSettings } from '../../src/pool/index.js';
import { systemClock } from '../../src/runtime/index.js';
import { EXPECTED_REVISION, MemoryEventStore } from '../../src/store/index.js';
import { openWebhookBreakers, WEBHOOK_HEADER } from '../../src/webhooks/index.js';
import { until } from '../pool/support.js';
import { testConfig } from '../support/config.js';
import { startReceiver } from '../support/webhook-receiver.js';
import { startDispatcher } from './support.js';

describe('webhook circuit breakers', () => {
  it('count each attempt, open after failures in a row, and hold deliveries while open', async () => {
    const store = new MemoryEventStore();
    const breaker = { ...poolSettings(testConfig({})).breaker, consecutiveFailureThreshold: 2, openDurationMs: 60_000, maxOpenDurationMs: 60_000 };
    const breakers = (await openWebhookBreakers(store, systemClock, breaker, ['ops'], () => undefined))._unsafeUnwrap();
    try {
      const receiver = await startReceiver([204, 500]);
      const { dispatcher } = await startDispatcher(store, [{ id: 'ops', url: receiver.url }], { maxAttempts: 10, concurrency: 1, backoff: { baseMs: 20, maxMs: 50 } }, { gateOf: (id) => breakers.gates.get(id)! });
      for (const tenant of ['acme', 'globex', 'initech']) {
        await store.append(`budget-${tenant}`, [{ type: BUDGET_EVENT.exhausted, data: { tenant } }], { expectedRevision: EXPECTED_REVISION.any });
      }
      // The first delivered, the next two fail (two in a row): open; the retries wait for it.
      await until('the breaker to open', async () => {
        const events = await store.readStream('breaker-webhook-ops');
        return events.isOk() && events.value.some((event) => event.metadata.to === 'open');
      });
      const attemptsWhenOpened = receiver.received.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received.length).toBe(attemptsWhenOpened);
      expect(attemptsWhenOpened).toBe(3);
      expect(receiver.received.map((request) => request.headers[WEBHOOK_HEADER.attempt])).toEqual(['1', '1', '1']);
      const types = (await store.readStream('breaker-webhook-ops'))._unsafeUnwrap().map((event) => event.type);
      expect(types).toEqual([RUNTIME_EVENT_TYPE.breakerCreated, BREAKER_PERSISTED_NAME.CALL_SUCCEEDED, BREAKER_PERSISTED_NAME.CALL_FAILED, BREAKER_PERSISTED_NAME.CALL_FAILED]);
      await dispatcher.close();
    } finally {
      await breakers.close();
    }
  });
});
