/**
 * End-to-end limits of `/api/v1/ws`: a client that does not answer pings is closed with 4002, connections beyond
 * `max_connections` are refused with 503, a frame over `server.max_body_size` closes with 1009, and `hub.close()`
 * closes with 1001. Slow consumers: slow-consumer.test.ts; connections without hello: hello-limits.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import { eventually } from '../agent/support.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { WsClient } from './ws-client.js';

const PATH = '/api/v1/ws';

async function session(api: TestApi, userId = 'ada', tenant = 'acme'): Promise<string> {
  return (await api.pool.create({ tenant, userId, options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
}

describe('websocket limits', () => {
  it('closes a client that does not answer pings with 4002 and keeps one that does', async () => {
    const api = await startTestApi({ 'web_interface.websocket.ping_interval': '1s', 'web_interface.websocket.pong_timeout': '200ms' });
    const mute = await WsClient.hello(`${api.wsUrl}${PATH}`, {}, { autoPong: false });
    const live = await WsClient.hello(`${api.wsUrl}${PATH}`);
    let pings = 0;
    mute.socket.on('ping', () => pings++);
    const started = Date.now();
    expect(await mute.closed).toEqual({ code: 4002, reason: 'pong timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(pings).toBe(1);
    expect(live.socket.readyState).toBe(live.socket.OPEN);
    expect(api.server.ws.status().dropped).toEqual({ pong_timeout: 1 });
    live.close();
  });

  it('refuses connections beyond max_connections with 503 and the error envelope once all have said hello', async () => {
    const api = await startTestApi({ 'web_interface.websocket.max_connections': 2 });
    const first = await WsClient.hello(`${api.wsUrl}${PATH}`);
    const second = await WsClient.hello(`${api.wsUrl}${PATH}`);
    const refused = await WsClient.open(`${api.wsUrl}${PATH}`).then(() => null, (error: { status: number; body: string }) => error);
    expect(refused?.status).toBe(503);
    expect(JSON.parse(refused?.body ?? '{}')).toMatchObject({ error: { code: 'service_unavailable' } });
    first.close();
    await first.closed;
    await eventually(() => api.server.ws.status().connections.open === 1);
    const third = await WsClient.open(`${api.wsUrl}${PATH}`);
    expect(api.server.ws.status()).toMatchObject({ connections: { open: 2, closed: 1, refused: 1 }, totalConnected: 3, maxConnections: 2 });
    second.close();
    third.close();
  });

  it('closes with 1009 on a frame larger than server.max_body_size', async () => {
    const api = await startTestApi({ 'server.max_body_size': '1KiB' });
    const client = await WsClient.hello(`${api.wsUrl}${PATH}`);
    client.send({ type: 'presence', session: 'x'.repeat(2_000), status: 'idle' });
    expect(await client.closed).toEqual({ code: 1009, reason: 'frame too large' });
    expect(api.server.ws.status().dropped).toEqual({ frame_too_large: 1 });
  });

  it('closes every connection with 1001 when the hub closes, and refuses new ones', async () => {
    const api = await startTestApi();
    const id = await session(api);
    const client = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    client.send({ type: 'subscribe', session: id });
    await client.next((frame) => frame.type === 'subscribed');
    api.server.ws.close();
    expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    const refused = await WsClient.open(`${api.wsUrl}${PATH}`).then(() => null, (error: { status: number }) => error);
    expect(refused?.status).toBe(503);
    expect(api.server.ws.status().dropped).toEqual({ shutdown: 1 });
  });
});
