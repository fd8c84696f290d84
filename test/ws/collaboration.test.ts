/**
 * End-to-end collaboration over `/api/v1/ws`: two users on one session both receive the same events in the same
 * order as the store holds them, presence lists both, acks come after durable appends (a repeated clientMsgId
 * is acknowledged as a duplicate and sends nothing), and a viewer's send is an error frame.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import { eventually } from '../agent/support.js';
import { startTestApi } from '../support/api-server.js';
import { WsClient, type Frame } from './ws-client.js';

const PATH = '/api/v1/ws';
const completed = (client: WsClient, session: string, count: number): Promise<unknown> =>
  client.next(() => client.events(session).filter((frame: Frame) => frame['eventType'] === 'TurnCompleted').length >= count, 10_000);

describe('websocket collaboration', () => {
  it('streams the same events to an owner and an editor, shows both present, and refuses a viewer', async () => {
    const api = await startTestApi();
    const id = (await api.pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
    (await api.pool.join(id, 'bob', 'editor'))._unsafeUnwrap();
    (await api.pool.join(id, 'eve', 'viewer'))._unsafeUnwrap();
    const ada = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    const bob = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'bob', tenant: 'acme', client: 'test' });
    ada.send({ type: 'subscribe', session: id, fromRevision: 0, ref: 'a1' });
    expect(await ada.next((frame) => frame.type === 'subscribed')).toMatchObject({ session: id, fromRevision: 0, ref: 'a1' });
    bob.send({ type: 'subscribe', session: id, ref: 'b1' });
    const subscribed = await bob.next((frame) => frame.type === 'subscribed');
    expect(subscribed['fromRevision']).toBe((subscribed['headRevision'] as number) + 1);

    const both = await ada.next((frame) => frame.type === 'presence' && (frame['users'] as unknown[]).length === 2);
    expect(both).toMatchObject({ session: id, users: [{ userId: 'ada', status: 'watching', connections: 1 }, { userId: 'bob', status: 'watching', connections: 1 }], change: { userId: 'bob', status: 'watching' } });
    bob.send({ type: 'presence', session: id, status: 'typing' });
    await ada.next((frame) => frame.type === 'presence' && (frame['change'] as Frame)['status'] === 'typing');

    bob.send({ type: 'send', session: id, text: 'hello from bob', clientMsgId: 'b-1', ref: 's1' });
    const ack = await bob.next((frame) => frame.type === 'ack');
    expect(ack).toMatchObject({ clientMsgId: 'b-1', duplicate: false, ref: 's1' });
    const accepted = (await api.store.readStream(`session-${id}`))._unsafeUnwrap().find((event) => Number(event.revision) === ack['revision']);
    expect(accepted?.type).toBe('MessageAccepted');
    await completed(ada, id, 1);
    await completed(bob, id, 1);
    const output = bob.events(id).find((frame) => frame['eventType'] === 'AgentOutputReceived' && (frame['data'] as { chunkType: string }).chunkType === 'assistant');
    expect((output?.['data'] as { content: { text: string } }).content.text).toBe('echo: hello from bob');

    bob.send({ type: 'send', session: id, text: 'hello from bob', clientMsgId: 'b-1', ref: 's2' });
    expect(await bob.next((frame) => frame.type === 'ack' && frame['ref'] === 's2')).toMatchObject({ turnId: ack['turnId'], revision: ack['revision'], duplicate: true });

    const eve = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'eve', tenant: 'acme' });
    eve.send({ type: 'send', session: id, text: 'let me in', clientMsgId: 'e-1', ref: 'e1' });
    expect(await eve.next((frame) => frame.type === 'error')).toMatchObject({ code: 'forbidden', ref: 'e1' });
    eve.send({ type: 'interrupt', session: id, ref: 'e2' });
    expect(await eve.next((frame) => frame.type === 'error' && frame['ref'] === 'e2')).toMatchObject({ code: 'forbidden' });

    const stored = (await api.store.readStream(`session-${id}`))._unsafeUnwrap();
    const seenBy = (client: WsClient) => client.events(id).map((frame) => [frame['revision'], frame['eventType']]);
    await eventually(() => ada.events(id).length === stored.length);
    expect(seenBy(ada)).toEqual(stored.map((event) => [Number(event.revision), event.type]));
    const bobFrom = subscribed['fromRevision'] as number;
    expect(seenBy(bob)).toEqual(seenBy(ada).filter(([revision]) => (revision as number) >= bobFrom));
    expect(api.server.ws.status().bySession).toEqual({ [id]: 2 });

    bob.close();
    expect(await ada.next((frame) => frame.type === 'presence' && (frame['change'] as Frame)['status'] === 'left')).toMatchObject({
      users: [{ userId: 'ada', status: 'watching', connections: 1 }],
      change: { userId: 'bob', status: 'left' },
    });
    ada.send({ type: 'unsubscribe', session: id, ref: 'u1' });
    expect(await ada.next((frame) => frame.type === 'unsubscribed')).toMatchObject({ session: id, ref: 'u1' });
    await eventually(() => Object.keys(api.server.ws.status().bySession).length === 0);
    ada.close();
    eve.close();
  }, 30_000);

  it('interrupts a running turn for an editor', async () => {
    const api = await startTestApi();
    const id = (await api.pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
    const ada = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada', tenant: 'acme' });
    ada.send({ type: 'subscribe', session: id });
    await ada.next((frame) => frame.type === 'subscribed');
    ada.send({ type: 'send', session: id, text: '::stall', clientMsgId: 'x' });
    await ada.next((frame) => frame.type === 'event' && frame['eventType'] === 'AgentOutputReceived' && (frame['data'] as { chunkType: string }).chunkType === 'assistant');
    ada.send({ type: 'interrupt', session: id, ref: 'i1' });
    expect(await ada.next((frame) => frame.type === 'interrupted')).toMatchObject({ session: id, accepted: true, ref: 'i1' });
    await ada.next((frame) => frame.type === 'event' && frame['eventType'] === 'InterruptRequested');
    ada.close();
  }, 20_000);
});
