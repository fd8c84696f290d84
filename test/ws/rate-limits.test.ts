/**
 * End-to-end rate limits of `/api/v1/ws` (`security.rate_limits.ws_connect`, `ws_send`) on a real server on
 * loopback: a `send` over the limit gets an `error` frame `rate_limited` (retry-after in its details), nothing is
 * stored and the connection keeps working; upgrades over the limit get HTTP 429; a `hello` over its caller's
 * connection rate gets the error then close 4029. Rates are tiny (one token per 100 s) or the clock is injected.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { startHub } from './hub-harness.js';
import { WsClient } from './ws-client.js';

const PATH = '/api/v1/ws';
const SLOW = 0.01;
const OFF = { rate: 0, burst: 1 };
type Limit = { rate: number; burst: number };
const limits = (name: 'ws_send' | 'ws_connect', limit: { per_principal?: Limit; per_address?: Limit }) => ({
  [`security.rate_limits.${name}`]: JSON.stringify({ per_principal: OFF, per_address: OFF, ...limit }),
});
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function session(api: TestApi, userId = 'ada'): Promise<string> {
  return (await api.pool.create({ tenant: 'acme', userId, options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
}

const sendFrame = (session: string, ref: string) => ({ type: 'send', session, text: `message ${ref}`, clientMsgId: ref, ref });

describe('websocket rate limits', () => {
  it('answers a send over the caller\'s limit with rate_limited, stores nothing, and keeps the connection', async () => {
    const api = await startTestApi(limits('ws_send', { per_principal: { rate: SLOW, burst: 2 } }));
    const id = await session(api);
    const client = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    client.send(sendFrame(id, 'm1'));
    client.send(sendFrame(id, 'm2'));
    client.send(sendFrame(id, 'm3'));
    expect(await client.next((frame) => frame['ref'] === 'm1')).toMatchObject({ type: 'ack' });
    expect(await client.next((frame) => frame['ref'] === 'm2')).toMatchObject({ type: 'ack' });
    const refused = await client.next((frame) => frame['ref'] === 'm3');
    expect(refused).toMatchObject({ type: 'error', code: 'rate_limited', details: { transport: 'ws_send', scope: 'principal' } });
    expect((refused['details'] as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(90_000);
    const stored = (await api.store.readStream(`session-${id}`))._unsafeUnwrap();
    expect(stored.filter((event) => event.type === 'MessageAccepted').map((event) => (event.data as { clientMsgId?: string }).clientMsgId)).toEqual(['m1', 'm2']);
    // Still open and served: other frames are not limited.
    client.send({ type: 'subscribe', session: id, ref: 'sub' });
    expect(await client.next((frame) => frame['ref'] === 'sub')).toMatchObject({ type: 'subscribed' });
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/aicli_rate_limited_total\{transport="ws_send",scope="principal"\} 1/);
    client.close();
  });

  it('limits send frames per address across callers', async () => {
    const api = await startTestApi(limits('ws_send', { per_address: { rate: SLOW, burst: 2 } }));
    const ada = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    const bob = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'bob', tenant: 'acme' });
    const adaSession = await session(api, 'ada');
    const bobSession = await session(api, 'bob');
    ada.send(sendFrame(adaSession, 'a1'));
    expect(await ada.next((frame) => frame['ref'] === 'a1')).toMatchObject({ type: 'ack' });
    bob.send(sendFrame(bobSession, 'b1'));
    expect(await bob.next((frame) => frame['ref'] === 'b1')).toMatchObject({ type: 'ack' });
    bob.send(sendFrame(bobSession, 'b2'));
    expect(await bob.next((frame) => frame['ref'] === 'b2')).toMatchObject({ type: 'error', code: 'rate_limited', details: { scope: 'address' } });
    ada.close();
    bob.close();
  });

  it('follows the injected clock: refused until a token is due, then accepted again', async () => {
    const api = await startTestApi(limits('ws_send', { per_principal: { rate: 1, burst: 1 } }));
    let now = Date.now();
    const harness = await startHub(api, { deps: { clock: { now: () => now } } });
    const id = await session(api);
    const client = await WsClient.hello(`${harness.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    client.send(sendFrame(id, 'first'));
    expect(await client.next((frame) => frame['ref'] === 'first')).toMatchObject({ type: 'ack' });
    client.send(sendFrame(id, 'early'));
    expect(await client.next((frame) => frame['ref'] === 'early')).toMatchObject({ code: 'rate_limited', details: { retryAfterMs: 1_000 } });
    now += 999;
    client.send(sendFrame(id, 'still-early'));
    expect(await client.next((frame) => frame['ref'] === 'still-early')).toMatchObject({ code: 'rate_limited', details: { retryAfterMs: 1 } });
    now += 1;
    client.send(sendFrame(id, 'due'));
    expect(await client.next((frame) => frame['ref'] === 'due')).toMatchObject({ type: 'ack' });
    client.close();
  });

  it('refuses an upgrade over the address\'s connection rate with 429 rate_limited', async () => {
    const api = await startTestApi(limits('ws_connect', { per_address: { rate: SLOW, burst: 2 } }));
    const first = await WsClient.open(`${api.wsUrl}${PATH}`);
    const second = await WsClient.open(`${api.wsUrl}${PATH}`);
    const refused = await WsClient.open(`${api.wsUrl}${PATH}`).then(
      () => null,
      (error: { status: number; body: string }) => error,
    );
    expect(refused?.status).toBe(429);
    expect(JSON.parse(refused?.body ?? '{}')).toMatchObject({ error: { code: 'rate_limited', details: { transport: 'ws_connect', scope: 'address' } } });
    // The connections already open are untouched.
    second.send({ type: 'hello', userId: 'ada', tenant: 'acme' });
    expect(await second.next((frame) => frame.type === 'welcome')).toMatchObject({ userId: 'ada' });
    expect(first.socket.readyState).toBe(first.socket.OPEN);
    first.close();
    second.close();
  });

  it('refuses an upgrade whose credentials name a caller over its connection rate', async () => {
    const api = await startTestApi({
      ...limits('ws_connect', { per_principal: { rate: SLOW, burst: 1 } }),
      'auth.enabled': true,
      'auth.api_keys': JSON.stringify([{ id: 'ada-key', key_sha256: sha256('key-ada'), role: 'user', tenant: 'acme' }]),
    });
    const first = await WsClient.open(`${api.wsUrl}${PATH}`, { headers: { 'x-api-key': 'key-ada' } });
    const refused = await WsClient.open(`${api.wsUrl}${PATH}`, { headers: { 'x-api-key': 'key-ada' } }).then(
      () => null,
      (error: { status: number; body: string }) => error,
    );
    expect(refused?.status).toBe(429);
    expect(JSON.parse(refused?.body ?? '{}')).toMatchObject({ error: { code: 'rate_limited', details: { scope: 'principal' } } });
    first.close();
  });

  it('answers a hello over its caller\'s connection rate with rate_limited, then closes with 4029', async () => {
    const api = await startTestApi(limits('ws_connect', { per_principal: { rate: SLOW, burst: 1 } }));
    const first = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme', ref: 'h1' });
    expect(first.frames[0]).toMatchObject({ type: 'welcome' });
    const second = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme', ref: 'h2' });
    expect(second.frames[0]).toMatchObject({ type: 'error', code: 'rate_limited', ref: 'h2', details: { transport: 'ws_connect', scope: 'principal' } });
    expect(await second.closed).toEqual({ code: 4029, reason: 'rate limited' });
    const other = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'bob', tenant: 'acme' });
    expect(other.frames[0]).toMatchObject({ type: 'welcome' });
    first.close();
    other.close();
  });
});
