/**
 * End-to-end limits of `/api/v1/ws`: a slow consumer is closed with 4008 while a fast one receives everything,
 * a client that does not answer pings is closed with 4002, connections beyond `max_connections` are refused with
 * 503, a frame over `server.max_body_size` closes with 1009, and `hub.close()` closes with 1001.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import { eventually } from '../agent/support.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { WsClient, type Frame } from './ws-client.js';

const PATH = '/api/v1/ws';

async function session(api: TestApi, userId = 'ada', tenant = 'acme'): Promise<string> {
  return (await api.pool.create({ tenant, userId, options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
}

/** Resolves once `client` has seen `count` TurnCompleted events of `session`. */
const turnsCompleted = (client: WsClient, session: string, count: number): Promise<unknown> =>
  client.next(() => client.events(session).filter((frame: Frame) => frame['eventType'] === 'TurnCompleted').length >= count, 10_000);

const socketOf = (client: WsClient) => (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;

describe('websocket limits', () => {
  it('closes a slow consumer with 4008 while a fast subscriber receives every event', async () => {
    const api = await startTestApi();
    const id = await session(api);
    const fast = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    const slow = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    for (const client of [fast, slow]) client.send({ type: 'subscribe', session: id, fromRevision: 0 });
    await fast.next((frame) => frame.type === 'subscribed');
    await slow.next((frame) => frame.type === 'subscribed');
    socketOf(slow).pause();
    const big = 'x'.repeat(200_000);
    let turns = 0;
    const started = Date.now();
    while ((api.server.ws.status().dropped['slow_consumer'] ?? 0) === 0 && Date.now() - started < 20_000) {
      turns++;
      fast.send({ type: 'send', session: id, text: `${turns} ${big}`, clientMsgId: `m${turns}` });
      await turnsCompleted(fast, id, turns);
    }
    expect(api.server.ws.status().dropped['slow_consumer']).toBe(1);
    socketOf(slow).resume();
    const closed = await slow.closed;
    expect(closed).toEqual({ code: 4008, reason: 'slow consumer' });
    const stored = (await api.store.readStream(`session-${id}`))._unsafeUnwrap();
    await eventually(() => fast.events(id).length === stored.length, 5_000);
    expect(fast.events(id).map((frame) => frame['revision'])).toEqual(stored.map((event) => Number(event.revision)));
  }, 40_000);

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

  it('closes a connection that never says hello with 4001', async () => {
    const api = await startTestApi({ 'web_interface.websocket.ping_interval': '1s', 'web_interface.websocket.pong_timeout': '200ms' });
    const silent = await WsClient.open(`${api.wsUrl}${PATH}`);
    expect(await silent.closed).toEqual({ code: 4001, reason: 'hello timeout' });
    expect(api.server.ws.status().dropped).toEqual({ hello_timeout: 1 });
  });

  it('refuses connections beyond max_connections with 503 and the error envelope', async () => {
    const api = await startTestApi({ 'web_interface.websocket.max_connections': 2 });
    const first = await WsClient.open(`${api.wsUrl}${PATH}`);
    const second = await WsClient.open(`${api.wsUrl}${PATH}`);
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
