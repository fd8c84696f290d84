/**
 * Fan-out by uWS topics, end to end: a connection that unsubscribes leaves the session's event and presence topics
 * at once (nothing of the session reaches it after `unsubscribed`), while the others keep getting every event; and
 * a subscriber that catches up from revision 0 while another is live gets every event once, in order.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import { eventually } from '../agent/support.js';
import { startTestApi } from '../support/api-server.js';
import { WsClient, type Frame } from './ws-client.js';

const PATH = '/api/v1/ws';
const completed = (client: WsClient, session: string, count: number): Promise<unknown> =>
  client.next(() => client.events(session).filter((frame: Frame) => frame['eventType'] === 'TurnCompleted').length >= count, 10_000);

describe('websocket topics', () => {
  it('stops every frame of a session at unsubscribe; a late subscriber gets history then live events once, in order', async () => {
    const api = await startTestApi();
    const id = (await api.pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
    (await api.pool.join(id, 'bob', 'editor'))._unsafeUnwrap();
    const ada = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    const bob = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'bob', tenant: 'acme' });
    ada.send({ type: 'subscribe', session: id, fromRevision: 0 });
    bob.send({ type: 'subscribe', session: id, fromRevision: 0 });
    await ada.next((frame) => frame.type === 'presence' && (frame['users'] as unknown[]).length === 2);
    await bob.next((frame) => frame.type === 'presence' && (frame['users'] as unknown[]).length === 2);
    ada.send({ type: 'send', session: id, text: 'one', clientMsgId: 'a-1' });
    await completed(bob, id, 1);

    bob.send({ type: 'unsubscribe', session: id, ref: 'u1' });
    await bob.next((frame) => frame.type === 'unsubscribed');
    const seenAtUnsubscribe = bob.frames.length;
    await ada.next((frame) => frame.type === 'presence' && (frame['change'] as Frame)['status'] === 'left');
    // A late subscriber (same user as ada, a second connection) catches up while the turns below are published.
    const late = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    late.send({ type: 'subscribe', session: id, fromRevision: 0 });
    for (let turn = 2; turn <= 4; turn++) {
      ada.send({ type: 'send', session: id, text: `turn ${turn}`, clientMsgId: `a-${turn}` });
      await completed(ada, id, turn);
    }
    await completed(late, id, 4);

    const stored = (await api.store.readStream(`session-${id}`))._unsafeUnwrap().map((event) => Number(event.revision));
    await eventually(() => ada.events(id).length === stored.length && late.events(id).length === stored.length);
    expect(ada.events(id).map((frame) => frame['revision'])).toEqual(stored);
    expect(late.events(id).map((frame) => frame['revision'])).toEqual(stored);
    expect(bob.frames.slice(seenAtUnsubscribe).filter((frame) => frame['session'] === id)).toEqual([]);
    for (const client of [ada, bob, late]) client.close();
  }, 30_000);
});
