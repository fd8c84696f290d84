/**
 * End-to-end backpressure of `/api/v1/ws`: a subscriber that stops reading is closed with 4008 `slow consumer`
 * BEFORE its send buffer passes the bound (the frame about to be queued counts, and is not queued), while a live
 * subscriber of the same session receives every event. The hub's `send` is watched through a wrapped frame handler
 * so the test reads each connection's buffered bytes right after every frame sent to it; events reach followers by
 * uWS topic publish, not `send`, so every connection seen (captured from its own frames) is also read after each publish.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import { MAX_MESSAGE_CHARS } from '../../src/server/routes/schemas.js';
import { handleFrame } from '../../src/server/ws/handlers.js';
import type { Connection, FrameHandler } from '../../src/server/ws/hub.js';
import { eventually } from '../agent/support.js';
import { startTestApi } from '../support/api-server.js';
import { startHub } from './hub-harness.js';
import { WsClient, type Frame } from './ws-client.js';

const PATH = '/api/v1/ws';

const socketOf = (client: WsClient) => (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;

/** Resolves once `client` has seen `count` TurnCompleted events of `session`. */
const turnsCompleted = (client: WsClient, session: string, count: number): Promise<unknown> =>
  client.next(() => client.events(session).filter((frame: Frame) => frame['eventType'] === 'TurnCompleted').length >= count, 10_000);

describe('websocket slow consumers', () => {
  it('drops a subscriber that does not read before its buffer passes the bound; a live reader gets every event', async () => {
    const api = await startTestApi();
    const bound = api.deps.config.web_interface.websocket.max_buffered;
    const id = (await api.pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
    /** Highest buffered amount seen right after a frame was queued, per connection. */
    const highWater = new Map<string, number>();
    const watch = (connection: Connection): void => {
      if (connection.closed || connection.ws === null) return;
      highWater.set(connection.id, Math.max(highWater.get(connection.id) ?? 0, connection.ws.getBufferedAmount()));
    };
    const seen = new Map<string, Connection>();
    const onFrame: FrameHandler = (hub, connection, text) => {
      seen.set(connection.id, connection);
      return handleFrame({ ...hub, send: (target, frame) => { const sent = hub.send(target, frame); if (sent) watch(target); return sent; } }, connection, text);
    };
    const { wsUrl, hub } = await startHub(api, { onFrame, afterPublish: () => seen.forEach(watch) });
    const live = await WsClient.hello(`${wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    const slow = await WsClient.hello(`${wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    const slowId = String(slow.frames[0]?.['connectionId']);
    for (const client of [live, slow]) client.send({ type: 'subscribe', session: id, fromRevision: 0 });
    await live.next((frame) => frame.type === 'subscribed');
    await slow.next((frame) => frame.type === 'subscribed');
    socketOf(slow).pause();
    // Every frame stays under the bound (the agent's output line carries the text about twice): a frame larger than
    // the bound goes to a client whose buffer is empty, by design, and would leave more than the bound queued.
    const text = 'x'.repeat(Math.min(MAX_MESSAGE_CHARS - 10, Math.floor(bound / 5)));
    let turns = 0;
    while ((hub.status().dropped['slow_consumer'] ?? 0) === 0 && turns < 200) {
      turns++;
      live.send({ type: 'send', session: id, text: `${turns} ${text}`, clientMsgId: `m${turns}` });
      await turnsCompleted(live, id, turns);
    }
    expect(hub.status().dropped['slow_consumer']).toBe(1);
    expect(highWater.get(slowId)).toBeGreaterThan(0);
    expect(highWater.get(slowId)).toBeLessThanOrEqual(bound);
    socketOf(slow).resume();
    expect(await slow.closed).toEqual({ code: 4008, reason: 'slow consumer' });
    const stored = (await api.store.readStream(`session-${id}`))._unsafeUnwrap();
    await eventually(() => live.events(id).length === stored.length, 5_000);
    expect(live.events(id).map((frame) => frame['revision'])).toEqual(stored.map((event) => Number(event.revision)));
    live.close();
  }, 60_000);
});
