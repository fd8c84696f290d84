/**
 * End-to-end: an exception thrown in any WebSocket handler (upgrade, open, message, close, a frame handler, an
 * asynchronous answer) never reaches the process. A frame's exception is an `error` frame `internal_error` with the
 * frame's `ref`; an upgrade's is HTTP 500 with the envelope; an `open` that fails closes with 1011 `internal error`.
 * Each is counted in `aicli_internal_errors_total{transport="ws"}` and the server keeps serving.
 */
import { ResultAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import type { Clock } from '../../src/runtime/index.js';
import { handleFrame } from '../../src/server/ws/handlers.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { startHub } from './hub-harness.js';
import { WsClient } from './ws-client.js';

const PATH = '/api/v1/ws';

const boom = (): never => {
  throw new Error('boom: a bug in a handler');
};

/** `aicli_internal_errors_total{transport="ws"}` as the server exports it. */
async function wsInternalErrors(api: TestApi): Promise<number> {
  const { body } = await api.server.metrics.render();
  return Number(/aicli_internal_errors_total\{transport="ws"\} (\d+)/.exec(body)?.[1] ?? Number.NaN);
}

/** A client answers `unsubscribe` at once: proof that the connection still works. */
async function stillServes(client: WsClient, ref: string): Promise<void> {
  client.send({ type: 'unsubscribe', session: 'any', ref });
  expect(await client.next((frame) => frame['ref'] === ref)).toMatchObject({ type: 'unsubscribed' });
}

describe('websocket handler exceptions', () => {
  it('answers internal_error with the ref when the pool throws under send or subscribe, counts it, and keeps serving', async () => {
    const api = await startTestApi();
    const id = (await api.pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
    const client = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    const pool = api.pool as unknown as Record<string, unknown>;
    const realCurrent = pool['current'];
    pool['send'] = boom;
    client.send({ type: 'send', session: id, text: 'hi', clientMsgId: 'c1', ref: 's1' });
    expect(await client.next((frame) => frame['ref'] === 's1')).toMatchObject({ type: 'error', code: 'internal_error' });
    pool['current'] = () => new ResultAsync(Promise.reject(new Error('boom: a rejected promise')));
    client.send({ type: 'subscribe', session: id, ref: 'sub1' });
    expect(await client.next((frame) => frame['ref'] === 'sub1')).toMatchObject({ type: 'error', code: 'internal_error' });
    pool['current'] = realCurrent;
    await stillServes(client, 'u1');
    expect(await wsInternalErrors(api)).toBe(2);
    expect((await fetch(`${api.url}/api/v1/sessions/${id}`, { headers: { 'x-user-id': 'ada', 'x-tenant-id': 'acme' } })).status).toBe(200);
    client.close();
  });

  it('answers internal_error when a frame handler throws, and handles the next frame', async () => {
    const api = await startTestApi();
    const harness = await startHub(api, {
      onFrame: (hub, connection, text) => (text.includes('explode') ? boom() : handleFrame(hub, connection, text)),
    });
    const client = await WsClient.hello(`${harness.wsUrl}${PATH}`);
    client.send('explode');
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({ code: 'internal_error', message: 'internal error' });
    await stillServes(client, 'u1');
    expect(harness.internalErrors()).toBe(1);
    client.close();
  });

  it('answers internal_error to a hello whose check throws, then answers the frames held behind it', async () => {
    const api = await startTestApi();
    const harness = await startHub(api, { deps: { auth: { ...api.deps.auth, fromToken: () => Promise.reject(new Error('boom: auth')) } } });
    const client = await WsClient.open(`${harness.wsUrl}${PATH}`);
    client.send({ type: 'hello', userId: 'ada', ref: 'h1' });
    client.send({ type: 'unsubscribe', session: 'any', ref: 'held' });
    expect(await client.next((frame) => frame['ref'] === 'h1')).toMatchObject({ type: 'error', code: 'internal_error' });
    expect(await client.next((frame) => frame['ref'] === 'held')).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect(harness.internalErrors()).toBe(1);
    client.close();
  });

  it('answers an upgrade whose credential check throws or rejects with 500 internal_error', async () => {
    const api = await startTestApi({
      'auth.enabled': true,
      'auth.jwt.secret': 'a-websocket-test-secret-long-enough-for-hs256',
      'web_interface.websocket.max_connections': 1,
    });
    const harness = await startHub(api, { deps: { auth: { ...api.deps.auth, fromHeaders: boom, fromToken: () => Promise.reject(new Error('boom')) } } });
    for (const open of [
      () => WsClient.open(`${harness.wsUrl}${PATH}`, { headers: { 'x-api-key': 'k' } }),
      () => WsClient.open(`${harness.wsUrl}${PATH}?token=t`),
    ]) {
      const refused = await open().then(() => null, (error: { status: number; body: string }) => error);
      expect(refused?.status).toBe(500);
      expect(JSON.parse(refused?.body ?? '{}')).toMatchObject({ error: { code: 'internal_error' } });
    }
    expect(harness.internalErrors()).toBe(2);
    // The failed checks gave back the connection slots they had reserved.
    expect(harness.hub.status().connections).toMatchObject({ open: 0 });
    const anonymous = await WsClient.open(`${harness.wsUrl}${PATH}`);
    expect(anonymous.socket.readyState).toBe(anonymous.socket.OPEN);
    anonymous.close();
  });

  it('answers 500 internal_error to an upgrade when the clock throws (the connection rate reads it), and keeps serving', async () => {
    const api = await startTestApi();
    let broken = false;
    const clock: Clock = { ...api.deps.clock, now: () => (broken ? boom() : Date.now()) };
    const harness = await startHub(api, { deps: { clock } });
    broken = true;
    const refused = await WsClient.open(`${harness.wsUrl}${PATH}`).then(() => null, (error: { status: number; body: string }) => error);
    expect(refused?.status).toBe(500);
    expect(JSON.parse(refused?.body ?? '{}')).toMatchObject({ error: { code: 'internal_error' } });
    broken = false;
    const next = await WsClient.hello(`${harness.wsUrl}${PATH}`);
    expect(next.frames[0]).toMatchObject({ type: 'welcome' });
    next.close();
  });

  it('closes with 1011 when open throws, counts a throwing close, and accepts the next connection', async () => {
    // Without rate limits, the upgrade does not read the clock: `open` is the first handler to meet the broken clock.
    const api = await startTestApi({ 'security.rate_limits.enabled': false });
    let broken = false;
    const clock: Clock = { ...api.deps.clock, now: () => (broken ? boom() : Date.now()) };
    const harness = await startHub(api, { deps: { clock } });
    broken = true;
    const victim = await WsClient.open(`${harness.wsUrl}${PATH}`);
    expect(await victim.closed).toEqual({ code: 1011, reason: 'internal error' });
    broken = false;
    expect(harness.internalErrors()).toBe(2); // open, then the close handler's report
    const next = await WsClient.hello(`${harness.wsUrl}${PATH}`);
    expect(next.frames[0]).toMatchObject({ type: 'welcome' });
    next.close();
  });
});
