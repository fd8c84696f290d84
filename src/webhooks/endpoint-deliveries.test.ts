import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { webhookStream, type WebhookDeliveryRequestedData } from '../../machines/index.js';
import { MemoryEventStore } from '../store/index.js';
import { DeliveryLog } from './delivery-log.js';
import type { DeliveryPolicy, WebhookEndpoint } from './endpoint.js';
import { EndpointDeliveries, type DeliveryGate, type DeliveryPost } from './endpoint-deliveries.js';
import type { PostOutcome } from './http-post.js';
import { verifyWebhookSignature, WEBHOOK_HEADER } from './signing.js';

const ENDPOINT: WebhookEndpoint = { id: 'ops', url: 'http://127.0.0.1:9/hook', secret: 's'.repeat(32), events: null, tenants: null };
const POLICY: DeliveryPolicy = { maxAttempts: 3, backoff: { baseMs: 1_000, maxMs: 10_000 }, timeoutMs: 500, queueSize: 10, concurrency: 2 };
const clock = { now: () => Date.now() };

function requested(n: number): WebhookDeliveryRequestedData {
  const deliveryId = `00000000-0000-8000-8000-${String(n).padStart(12, '0')}`;
  return {
    deliveryId,
    endpoint: ENDPOINT.id,
    kind: 'turn.completed',
    source: { eventId: `e${n}`, stream: 'session-s1', position: String(n) },
    payload: { id: deliveryId, type: 'turn.completed', occurredAt: '2026-01-01T00:00:00.000Z', tenant: 'acme', sessionId: 's1', data: { turnId: `t${n}` } },
    at: 0,
  };
}

interface Sent {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly at: number;
}

/** A post that answers from `answers` in turn (the last one repeats) and records what it was sent. */
function scriptedPost(answers: PostOutcome[]): { post: DeliveryPost; sent: Sent[] } {
  const sent: Sent[] = [];
  let index = 0;
  const post: DeliveryPost = async (_url, headers, body) => {
    sent.push({ headers, body, at: Date.now() });
    return answers[Math.min(index++, answers.length - 1)]!;
  };
  return { post, sent };
}

const OK: PostOutcome = { ok: true, status: 204, durationMs: 3 };
const DOWN: PostOutcome = { ok: false, error: 'network', durationMs: 1 };

async function typesIn(store: MemoryEventStore): Promise<string[]> {
  const events = await store.readStream(webhookStream(ENDPOINT.id));
  return events.isOk() ? events.value.map((event) => event.type) : [];
}

let store: MemoryEventStore;
beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
  store = new MemoryEventStore();
});
afterEach(() => vi.useRealTimers());

function deliveries(post: DeliveryPost, overrides: Partial<DeliveryPolicy> = {}, gate?: DeliveryGate) {
  const outcomes: string[] = [];
  const queue = new EndpointDeliveries({
    endpoint: ENDPOINT,
    policy: { ...POLICY, ...overrides },
    log: new DeliveryLog(store, () => undefined),
    post,
    clock,
    random: () => 0,
    observe: (_endpoint, outcome) => outcomes.push(outcome),
    ...(gate === undefined ? {} : { gate }),
  });
  return { queue, outcomes };
}

describe('EndpointDeliveries', () => {
  it('signs each attempt, retries with back-off, and stores each attempt and the outcome', async () => {
    const { post, sent } = scriptedPost([DOWN, DOWN, OK]);
    const { queue, outcomes } = deliveries(post);
    queue.enqueue(requested(1));
    await vi.advanceTimersByTimeAsync(10_000);
    await queue.idle();
    // Back-off with random() = 0: half of 1 s, then half of 2 s.
    expect(sent.map((request) => request.at - sent[0]!.at)).toEqual([0, 500, 1_500]);
    expect(sent.map((request) => request.headers[WEBHOOK_HEADER.attempt])).toEqual(['1', '2', '3']);
    for (const request of sent) {
      expect(request.body).toBe(JSON.stringify(requested(1).payload));
      expect(request.headers[WEBHOOK_HEADER.delivery]).toBe(requested(1).deliveryId);
      const signed = { secret: ENDPOINT.secret, body: request.body, timestamp: request.headers[WEBHOOK_HEADER.timestamp], signature: request.headers[WEBHOOK_HEADER.signature], nowSeconds: Math.floor(request.at / 1000) };
      expect(verifyWebhookSignature(signed)).toBe(true);
    }
    expect(outcomes).toEqual(['failed', 'failed', 'delivered']);
    expect(await typesIn(store)).toEqual(['WebhookAttemptFailed', 'WebhookAttemptFailed', 'WebhookDelivered']);
  });

  it('abandons a delivery after max_attempts', async () => {
    const { post, sent } = scriptedPost([DOWN]);
    const { queue, outcomes } = deliveries(post);
    queue.enqueue(requested(1));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent).toHaveLength(3);
    expect(outcomes).toEqual(['failed', 'failed', 'failed', 'abandoned']);
    expect(await typesIn(store)).toEqual(['WebhookAttemptFailed', 'WebhookAttemptFailed', 'WebhookAttemptFailed', 'WebhookAbandoned']);
    expect(queue.size).toBe(0);
  });

  it('keeps at most `concurrency` attempts in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const post: DeliveryPost = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 100));
      inFlight--;
      return OK;
    };
    const { queue, outcomes } = deliveries(post);
    for (let n = 1; n <= 5; n++) queue.enqueue(requested(n));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(most).toBe(2);
    expect(outcomes).toEqual(Array(5).fill('delivered'));
  });

  it('abandons the oldest waiting delivery when the queue is full', async () => {
    const post: DeliveryPost = () => new Promise(() => undefined);
    const { queue, outcomes } = deliveries(post, { queueSize: 3, concurrency: 1 });
    for (let n = 1; n <= 4; n++) queue.enqueue(requested(n));
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.size).toBe(3);
    expect(outcomes).toEqual(['abandoned']);
    const events = (await store.readStream(webhookStream(ENDPOINT.id)))._unsafeUnwrap();
    // 1 is in flight; 2 was the oldest waiting.
    expect(events.map((event) => [event.type, (event.data as { deliveryId: string; reason: string }).deliveryId, (event.data as { reason: string }).reason])).toEqual([['WebhookAbandoned', requested(2).deliveryId, 'queue_full']]);
    queue.close();
  });

  it('waits for an open breaker without spending attempts', async () => {
    const { post, sent } = scriptedPost([OK]);
    let open = true;
    const gate: DeliveryGate = {
      admit: async () => (open ? { admitted: false, retryAt: Date.now() + 5_000 } : { admitted: true }),
      succeeded: () => undefined,
      failed: () => undefined,
    };
    const { queue } = deliveries(post, {}, gate);
    queue.enqueue(requested(1));
    await vi.advanceTimersByTimeAsync(4_000);
    expect(sent).toHaveLength(0);
    open = false;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sent.map((request) => request.headers[WEBHOOK_HEADER.attempt])).toEqual(['1']);
  });

  it('stops without storing an outcome for the attempts in flight when closed (they stay pending)', async () => {
    const post: DeliveryPost = (_url, _headers, _body, _timeout, signal) =>
      new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, error: 'timeout', durationMs: 1 })));
    const { queue, outcomes } = deliveries(post);
    queue.enqueue(requested(1));
    await vi.advanceTimersByTimeAsync(0);
    queue.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(outcomes).toEqual([]);
    expect(await typesIn(store)).toEqual([]);
  });
});
