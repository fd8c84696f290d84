/**
 * Issue 11, defect 4: the `anthropic-api` breaker stuck in halfOpen. Through the REST API over a pool with the fake
 * claude: `api_retry` lines and API-error results open the breaker; while it refuses, a message gets 503 with
 * `retry-after` (never silence); once the open period is over the next message is the probe (a stored
 * `ProbeStarted`), and its turn's outcome decides: an API error re-opens the breaker for longer, an answer closes it.
 * A probe whose turn is aborted gives its slot back, and so does a probe lost with the previous run.
 */
import { describe, expect, it } from 'vitest';
import { BREAKER_PERSISTED_NAME as B, BREAKER_EVENT, SESSION_PERSISTED_NAME as S } from '../../machines/index.js';
import { POOL_BREAKERS } from '../../src/pool/index.js';
import { BREAKER_ACTOR, createActorHost, RUNTIME_EVENT_TYPE, STREAM_PREFIX } from '../../src/runtime/index.js';
import type { EventStore } from '../../src/store/index.js';
import { openTestPool, request, streamEvents, until, waitForState, type StoredEvent } from '../pool/support.js';
import { startTestApi, type TestApi } from '../support/api-server.js';

const API_STREAM = `${STREAM_PREFIX.breaker}${POOL_BREAKERS.api}`;
const BREAKER = {
  'error_recovery.circuit_breaker.consecutive_failure_threshold': 2,
  'error_recovery.circuit_breaker.open_duration': '300ms',
  'error_recovery.circuit_breaker.max_open_duration': '5s',
} as const;

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

async function post(api: TestApi, path: string, body: unknown): Promise<Reply> {
  const response = await fetch(`${api.url}/api/v1${path}`, {
    method: 'POST',
    headers: { 'x-user-id': 'ada', 'x-tenant-id': 'acme', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** The API breaker's stored events after its creation. */
async function breakerEvents(store: EventStore): Promise<StoredEvent[]> {
  return (await streamEvents(store, API_STREAM)).filter((event) => event.type !== RUNTIME_EVENT_TYPE.breakerCreated);
}

describe('the anthropic-api breaker, end to end', () => {
  it('opens on API failures, answers 503 + retry-after while open, probes with the next message, re-opens on a failed probe and closes on a good one', async () => {
    const api = await startTestApi(BREAKER);
    const state = (): string | undefined => api.pool.status().breakers[POOL_BREAKERS.api];
    const created = await post(api, '/sessions', {});
    expect(created.status).toBe(201);
    const id = created.body.session.id as string;
    await waitForState(api.pool, id, 'ready');

    // Two failed API attempts in a turn (the CLI's api_retry lines) open it; the turn's API-error result comes later.
    expect((await post(api, `/sessions/${id}/messages`, { text: '::api-retry 2 ::api-error 529' })).status).toBe(202);
    await until('the breaker to open', () => state() === 'open');
    await waitForState(api.pool, id, 'idle');

    // While it is open a message is refused at once, with when to come back; nothing is stored for it.
    const refused = await post(api, `/sessions/${id}/messages`, { text: 'are you there?' });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'service_unavailable', message: expect.stringContaining(POOL_BREAKERS.api), details: { breaker: POOL_BREAKERS.api } });
    expect(refused.body.error.details.retryAfterMs).toBeGreaterThanOrEqual(0);
    expect(refused.body.error.details.retryAfterMs).toBeLessThanOrEqual(300);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const accepted = (await streamEvents(api.store, `${STREAM_PREFIX.session}${id}`)).filter((event) => event.type === S.MESSAGE_ACCEPTED);
    expect(accepted.map((event) => event.data.text)).toEqual(['::api-retry 2 ::api-error 529']);

    // The open period ends: the next message is the probe. Its turn ends in an API error: open again, for longer.
    await until('the breaker to go half-open', () => state() === 'halfOpen');
    expect((await post(api, `/sessions/${id}/messages`, { text: 'probe one ::api-error' })).status).toBe(202);
    await until('the failed probe to re-open the breaker', () => state() === 'open');
    await waitForState(api.pool, id, 'idle', (s) => s.context.usage.turns === 2);
    expect((await post(api, `/sessions/${id}/messages`, { text: 'still there?' })).status).toBe(503);

    // The API is back: the next probe's turn is answered and closes the breaker; messages flow again.
    await until('the breaker to go half-open again', () => state() === 'halfOpen', 3_000);
    expect((await post(api, `/sessions/${id}/messages`, { text: 'probe two' })).status).toBe(202);
    await until('the good probe to close the breaker', () => state() === 'closed');
    expect((await post(api, `/sessions/${id}/messages`, { text: 'hello again' })).status).toBe(202);
    await waitForState(api.pool, id, 'idle', (s) => s.context.usage.turns === 4);

    const events = await breakerEvents(api.store);
    expect(events.map((event) => event.type)).toEqual([
      B.CALL_FAILED,
      B.CALL_FAILED,
      B.TIMER_ELAPSED,
      B.PROBE_STARTED,
      B.CALL_FAILED,
      B.TIMER_ELAPSED,
      B.PROBE_STARTED,
      B.CALL_SUCCEEDED,
      B.CALL_SUCCEEDED,
    ]);
    expect(events.filter((event) => event.type === B.CALL_FAILED).map((event) => event.data.errorKind)).toEqual(['http_529', 'http_529', 'api_error']);
  });

  it('gives the slot of a probe whose turn was aborted back: the next message probes again', async () => {
    const { pool, store } = await openTestPool(BREAKER);
    const state = (): string | undefined => pool.status().breakers[POOL_BREAKERS.api];
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    (await pool.send(sessionId, { userId: 'ada', text: '::api-retry 2 ::api-error' }))._unsafeUnwrap();
    await until('the breaker to go half-open', () => state() === 'halfOpen');
    await waitForState(pool, sessionId, 'idle');

    // The probe's process crashes mid-turn: the turn is aborted, which says nothing about the API.
    (await pool.send(sessionId, { userId: 'ada', text: '::crash' }))._unsafeUnwrap();
    await until('the aborted probe to be abandoned', async () => (await breakerEvents(store)).some((event) => event.type === B.PROBE_ABANDONED));
    expect(state()).toBe('halfOpen');
    await waitForState(pool, sessionId, 'ready', (s) => s.context.failures.crashes === 1);
    (await pool.send(sessionId, { userId: 'ada', text: 'hello' }))._unsafeUnwrap();
    await until('the next probe to close the breaker', () => state() === 'closed');
    expect((await breakerEvents(store)).slice(-4).map((event) => event.type)).toEqual([B.PROBE_STARTED, B.PROBE_ABANDONED, B.PROBE_STARTED, B.CALL_SUCCEEDED]);
  });

  it('after a restart, a breaker stored half-open with a probe in flight abandons that probe and admits a new one', async () => {
    const { pool: first, store, reopen } = await openTestPool(BREAKER);
    await first.close();
    // The previous run admitted a probe and died before its outcome (written as that run would have).
    const host = createActorHost({ store });
    const breaker = (await host.actors(BREAKER_ACTOR, {}).load(POOL_BREAKERS.api))._unsafeUnwrap();
    const t0 = Date.now();
    for (const at of [t0, t0 + 1]) (await breaker.send({ type: BREAKER_EVENT.CALL_FAILED, at, durationMs: 1, errorKind: 'api_error' }))._unsafeUnwrap();
    (await breaker.send({ type: BREAKER_EVENT.PROBE_STARTED, at: t0 + 400 }))._unsafeUnwrap();
    expect(breaker.getSnapshot()).toMatchObject({ value: 'halfOpen', context: { probesInFlight: 1 } });
    await host.close();

    const second = await reopen();
    expect(second.status().breakers[POOL_BREAKERS.api]).toBe('halfOpen');
    const stored = await breakerEvents(store);
    expect(stored.at(-1)).toMatchObject({ type: B.PROBE_ABANDONED, data: { reason: expect.stringContaining('previous run') } });
    const { sessionId } = (await second.create(request()))._unsafeUnwrap();
    await waitForState(second, sessionId, 'ready');
    (await second.send(sessionId, { userId: 'ada', text: 'hello' }))._unsafeUnwrap();
    await until('the new probe to close the breaker', () => second.status().breakers[POOL_BREAKERS.api] === 'closed');
    expect((await breakerEvents(store)).slice(-2).map((event) => event.type)).toEqual([B.PROBE_STARTED, B.CALL_SUCCEEDED]);
  });
});
