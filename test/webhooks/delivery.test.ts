/**
 * Webhooks end to end with receivers on loopback: a real turn of the fake claude reaches a receiver signed; a
 * receiver that fails first gets the same delivery again; dead endpoints (connection refused, never answering)
 * slow no message ack; a restart resumes the pending delivery and catches up on facts stored meanwhile, without
 * requesting anything twice; tenant and kind filters hold.
 */
import { describe, expect, it } from 'vitest';
import { BUDGET_EVENT, RUNTIME_EVENT_TYPE, SESSION_PERSISTED_NAME, WEBHOOK_EVENT, type WebhookPayload } from '../../machines/index.js';
import { EXPECTED_REVISION, MemoryEventStore, type EventStore } from '../../src/store/index.js';
import { verifyWebhookSignature, WEBHOOK_CHECKPOINT, WEBHOOK_HEADER } from '../../src/webhooks/index.js';
import { until, waitForState } from '../pool/support.js';
import { startTestApi } from '../support/api-server.js';
import { callApi as call } from '../support/rest.js';
import { refusedUrl, startReceiver, type ReceivedWebhook } from '../support/webhook-receiver.js';
import { deliveryEvents, SECRET, startDispatcher } from './support.js';

const header = (request: ReceivedWebhook, name: string): string | undefined => request.headers[name] as string | undefined;
const payloadOf = (request: ReceivedWebhook): WebhookPayload => JSON.parse(request.body) as WebhookPayload;
const verified = (request: ReceivedWebhook): boolean =>
  verifyWebhookSignature({ secret: SECRET, body: request.body, timestamp: header(request, WEBHOOK_HEADER.timestamp), signature: header(request, WEBHOOK_HEADER.signature) });

async function append(store: EventStore, stream: string, type: string, data: Record<string, unknown>): Promise<void> {
  (await store.append(stream, [{ type, data: data as never, metadata: { at: Date.now() } }], { expectedRevision: EXPECTED_REVISION.any }))._unsafeUnwrap();
}

describe('webhooks from a running server', () => {
  it('deliver a completed turn, signed, and retry a receiver that fails first with the same delivery', async () => {
    const api = await startTestApi();
    const receiver = await startReceiver([500, 204]);
    await startDispatcher(api.store, [{ id: 'ops', url: receiver.url, events: ['turn.completed', 'turn.failed'] }]);
    const created = await call(api, 'POST', '/sessions', {});
    const id = created.body.session.id as string;
    await waitForState(api.pool, id, 'ready');
    const sent = await call(api, 'POST', `/sessions/${id}/messages`, { text: 'hello' });
    expect(sent.status).toBe(202);

    await until('the retried delivery', () => receiver.received.length >= 2, 8_000);
    const [first, second] = receiver.received as [ReceivedWebhook, ReceivedWebhook];
    expect(verified(first) && verified(second)).toBe(true);
    expect(second.body).toBe(first.body);
    expect(header(second, WEBHOOK_HEADER.delivery)).toBe(header(first, WEBHOOK_HEADER.delivery));
    expect([header(first, WEBHOOK_HEADER.attempt), header(second, WEBHOOK_HEADER.attempt)]).toEqual(['1', '2']);
    // Back-off: at least half of base_delay (200 ms) between the attempts.
    expect(second.at - first.at).toBeGreaterThanOrEqual(90);
    expect(payloadOf(first)).toMatchObject({ id: header(first, WEBHOOK_HEADER.delivery), type: 'turn.completed', tenant: 'acme', sessionId: id, data: { turnId: sent.body.turnId } });
    expect(header(first, WEBHOOK_HEADER.event)).toBe('turn.completed');

    await until('the outcome stored', async () => (await deliveryEvents(api.store, 'ops')).some((event) => event.type === WEBHOOK_EVENT.delivered));
    expect((await deliveryEvents(api.store, 'ops')).map((event) => [event.type, event.data.attempt ?? null, event.data.status ?? null])).toEqual([
      [WEBHOOK_EVENT.deliveryRequested, null, null],
      [WEBHOOK_EVENT.attemptFailed, 1, 500],
      [WEBHOOK_EVENT.delivered, 2, 204],
    ]);
  });

  it('never slows a message ack while its endpoints refuse connections or never answer', async () => {
    const api = await startTestApi();
    const hanging = await startReceiver(['hang']);
    await startDispatcher(api.store, [
      { id: 'refused', url: await refusedUrl() },
      { id: 'hanging', url: hanging.url },
    ], { timeoutMs: 5_000, concurrency: 1, maxAttempts: 2 });
    const id = (await call(api, 'POST', '/sessions', {})).body.session.id as string;
    await waitForState(api.pool, id, 'ready');

    const ackMs: number[] = [];
    for (let turn = 0; turn < 4; turn++) {
      const started = performance.now();
      const sent = await call(api, 'POST', `/sessions/${id}/messages`, { text: `turn ${turn}` });
      ackMs.push(performance.now() - started);
      expect(sent.status).toBe(202);
      await waitForState(api.pool, id, 'idle', (snapshot) => snapshot.context.usage.turns === turn + 1);
    }
    // A hanging attempt lasts 5 s: an ack that waited for one would show it.
    expect(hanging.received.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...ackMs)).toBeLessThan(1_500);
    await until('the refused attempts stored', async () => (await deliveryEvents(api.store, 'refused')).some((event) => event.type === WEBHOOK_EVENT.attemptFailed));
    expect((await deliveryEvents(api.store, 'refused')).find((event) => event.type === WEBHOOK_EVENT.attemptFailed)?.data.error).toBe('network');
  });
});

describe('webhooks across a restart', () => {
  it('resume a pending delivery with the same id and deliver facts stored while stopped, each once', async () => {
    const store = new MemoryEventStore();
    await append(store, 'session-s1', RUNTIME_EVENT_TYPE.sessionProvisioned, { sessionId: 's1', tenant: 'acme', owner: 'ada', at: 1, options: {} });
    const hanging = await startReceiver(['hang']);
    const before = await startDispatcher(store, [{ id: 'ops', url: hanging.url }], { timeoutMs: 30_000 });
    await append(store, 'session-s1', SESSION_PERSISTED_NAME.APPROVAL_REQUESTED, { requestId: 'r1', toolName: 'Bash', input: { command: 'ls' }, at: 2 });
    await until('the first attempt', () => hanging.received.length === 1);
    await before.dispatcher.close();
    expect((await deliveryEvents(store, 'ops')).map((event) => event.type)).toEqual([WEBHOOK_EVENT.deliveryRequested]);

    // Stored while no dispatcher runs.
    await append(store, 'budgets', BUDGET_EVENT.exhausted, { tenant: 'acme', limit: 'maxUsdPerDay', window: 20_000, used: 5, max: 5, resetsAt: 86_400_000, at: 1 });

    const receiver = await startReceiver([204]);
    const after = await startDispatcher(store, [{ id: 'ops', url: receiver.url }]);
    await until('both deliveries', () => receiver.received.length === 2);
    await after.dispatcher.idle();
    const byType = Object.fromEntries(receiver.received.map((request) => [payloadOf(request).type, request]));
    expect(header(byType['approval.requested']!, WEBHOOK_HEADER.delivery)).toBe(header(hanging.received[0]!, WEBHOOK_HEADER.delivery));
    expect(byType['approval.requested']!.body).toBe(hanging.received[0]!.body);
    expect(payloadOf(byType['approval.requested']!)).toMatchObject({ tenant: 'acme', sessionId: 's1', data: { requestId: 'r1', toolName: 'Bash' } });
    expect(byType['approval.requested']!.body).not.toContain('command');
    expect(payloadOf(byType['budget.exhausted']!)).toMatchObject({ tenant: 'acme', data: { limit: 'maxUsdPerDay', window: 20_000, used: 5, max: 5 } });
    expect(receiver.received.every(verified)).toBe(true);
    await after.dispatcher.close();

    // A third start has nothing left to send, and requests nothing again.
    const again = await startDispatcher(store, [{ id: 'ops', url: receiver.url }]);
    await again.dispatcher.idle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received).toHaveLength(2);
    const types = (await deliveryEvents(store, 'ops')).map((event) => event.type);
    expect(types.filter((type) => type === WEBHOOK_EVENT.deliveryRequested)).toHaveLength(2);
    expect(types.filter((type) => type === WEBHOOK_EVENT.delivered)).toHaveLength(2);
  });

  it('deliver only the kinds and tenants an endpoint asked for', async () => {
    const store = new MemoryEventStore();
    await append(store, 'session-s1', RUNTIME_EVENT_TYPE.sessionProvisioned, { sessionId: 's1', tenant: 'acme', owner: 'ada', at: 1, options: {} });
    const globex = await startReceiver();
    const approvals = await startReceiver();
    const { dispatcher } = await startDispatcher(store, [
      { id: 'globex', url: globex.url, tenants: ['globex'] },
      { id: 'approvals', url: approvals.url, events: ['approval.requested'] },
    ]);
    await append(store, 'session-s1', SESSION_PERSISTED_NAME.APPROVAL_REQUESTED, { requestId: 'r1', toolName: 'Write', at: 2 });
    await append(store, 'budget-acme', BUDGET_EVENT.exhausted, { tenant: 'acme', period: 'month' });
    await append(store, 'budget-globex', BUDGET_EVENT.exhausted, { tenant: 'globex', period: 'month' });
    await until('the deliveries', () => globex.received.length === 1 && approvals.received.length === 1);
    await dispatcher.idle();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(globex.received.map(payloadOf).map(({ type, tenant }) => [type, tenant])).toEqual([['budget.exhausted', 'globex']]);
    expect(approvals.received.map(payloadOf).map(({ type, tenant }) => [type, tenant])).toEqual([['approval.requested', 'acme']]);
  });
});

describe('webhooks after a crash before the checkpoint was saved', () => {
  it('do not send again a delivery that had ended (regression: only pending ones were looked up)', async () => {
    const store = new MemoryEventStore();
    await append(store, 'session-s1', RUNTIME_EVENT_TYPE.sessionProvisioned, { sessionId: 's1', tenant: 'acme', owner: 'ada', at: 1, options: {} });
    const [provisioned] = (await store.readStream('session-s1'))._unsafeUnwrap();
    const receiver = await startReceiver();
    const before = await startDispatcher(store, [{ id: 'ops', url: receiver.url }]);
    await append(store, 'session-s1', SESSION_PERSISTED_NAME.APPROVAL_REQUESTED, { requestId: 'r1', toolName: 'Bash', at: 2 });
    await until('the delivery', async () => (await deliveryEvents(store, 'ops')).some((event) => event.type === WEBHOOK_EVENT.delivered));
    await before.dispatcher.close();
    // As if the process had died before its last checkpoint write: the checkpoint is still before the approval.
    (await store.writeCheckpoint(WEBHOOK_CHECKPOINT, { position: provisioned!.position, eventId: provisioned!.id, body: '{}' }))._unsafeUnwrap();

    const after = await startDispatcher(store, [{ id: 'ops', url: receiver.url }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await after.dispatcher.idle();
    expect(receiver.received).toHaveLength(1);
    expect((await deliveryEvents(store, 'ops')).map((event) => event.type)).toEqual([WEBHOOK_EVENT.deliveryRequested, WEBHOOK_EVENT.delivered]);
  });
});
