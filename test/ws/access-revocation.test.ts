/**
 * Removal ends live access (issue #13): a participant removed with `DELETE …/participants/:user` stops receiving the
 * session's events on an open subscription at once, told by `unsubscribed {reason: "removed"}`, and cannot subscribe
 * again; a demoted editor keeps reading but can no longer send (decided at each send); an operator, who sees every
 * session of the tenant, reads on. Auth is on: on an open server every caller is an admin and sees everything.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../agent/support.js';
import { startTestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith, testJwt } from '../support/auth-api.js';
import { waitForState } from '../pool/support.js';
import { WsClient, type Frame } from './ws-client.js';

const PATH = '/api/v1/ws';
const completed = (client: WsClient, session: string, count: number): Promise<unknown> =>
  client.next(() => client.events(session).filter((frame: Frame) => frame['eventType'] === 'TurnCompleted').length >= count, 10_000);

async function sessionWith(api: Awaited<ReturnType<typeof startTestApi>>, participants: Record<string, 'editor' | 'viewer'>): Promise<string> {
  const ada = await bearerOf('ada');
  const created = await callWith(api, 'POST', '/sessions', ada, {});
  expect(created.status).toBe(201);
  const id = created.body.session.id as string;
  for (const [userId, role] of Object.entries(participants)) expect((await callWith(api, 'POST', `/sessions/${id}/participants`, ada, { userId, role })).status).toBe(200);
  await waitForState(api.pool, id, 'ready');
  return id;
}

const connect = async (api: { wsUrl: string }, userId: string, role = 'user'): Promise<WsClient> =>
  WsClient.hello(`${api.wsUrl}${PATH}`, { token: await testJwt(userId, 'acme', role) });

describe('removal ends live access', () => {
  it('ends a removed participant\'s subscription before the next event, and refuses to subscribe them again', async () => {
    const api = await startTestApi(AUTH_ON);
    const id = await sessionWith(api, { bob: 'editor' });
    const ada = await connect(api, 'ada');
    const bob = await connect(api, 'bob');
    const operator = await connect(api, 'ops', 'operator');
    for (const client of [ada, bob, operator]) {
      client.send({ type: 'subscribe', session: id });
      await client.next((frame) => frame.type === 'subscribed');
    }
    ada.send({ type: 'send', session: id, text: 'before', clientMsgId: 'a-1' });
    await completed(bob, id, 1);

    expect((await callWith(api, 'DELETE', `/sessions/${id}/participants/bob`, await bearerOf('ada'))).status).toBe(200);
    expect(await bob.next((frame) => frame.type === 'unsubscribed')).toEqual({ type: 'unsubscribed', session: id, reason: 'removed' });
    const seenAtRemoval = bob.events(id).length;
    expect(bob.events(id).some((frame) => frame['eventType'] === 'ParticipantLeft')).toBe(false);

    ada.send({ type: 'send', session: id, text: 'after', clientMsgId: 'a-2' });
    await completed(ada, id, 2);
    await completed(operator, id, 2);
    expect(bob.events(id).length).toBe(seenAtRemoval);
    await eventually(() => api.server.ws.status().bySession[id] === 2);

    bob.send({ type: 'subscribe', session: id, ref: 'again' });
    expect(await bob.next((frame) => frame['ref'] === 'again')).toMatchObject({ type: 'error', code: 'not_found' });
    bob.send({ type: 'send', session: id, text: 'still here?', clientMsgId: 'b-1', ref: 'send' });
    expect(await bob.next((frame) => frame['ref'] === 'send')).toMatchObject({ type: 'error', code: 'not_found' });
  });

  it('ends the subscriptions of one who leaves on every connection, with reason "left"', async () => {
    const api = await startTestApi(AUTH_ON);
    const id = await sessionWith(api, { bob: 'viewer' });
    const first = await connect(api, 'bob');
    const second = await connect(api, 'bob');
    for (const client of [first, second]) {
      client.send({ type: 'subscribe', session: id });
      await client.next((frame) => frame.type === 'subscribed');
    }
    expect((await callWith(api, 'DELETE', `/sessions/${id}/participants/bob`, await bearerOf('bob'))).status).toBe(200);
    for (const client of [first, second]) expect(await client.next((frame) => frame.type === 'unsubscribed')).toMatchObject({ session: id, reason: 'left' });
  });

  it('keeps a demoted editor reading but refuses their next send, over WebSocket as over REST', async () => {
    const api = await startTestApi(AUTH_ON);
    const id = await sessionWith(api, { bob: 'editor' });
    const bob = await connect(api, 'bob');
    bob.send({ type: 'subscribe', session: id });
    await bob.next((frame) => frame.type === 'subscribed');
    bob.send({ type: 'send', session: id, text: 'as editor', clientMsgId: 'b-1', ref: 'one' });
    expect(await bob.next((frame) => frame['ref'] === 'one')).toMatchObject({ type: 'ack' });
    await completed(bob, id, 1);

    expect((await callWith(api, 'POST', `/sessions/${id}/participants`, await bearerOf('ada'), { userId: 'bob', role: 'viewer' })).status).toBe(200);
    await bob.next((frame) => frame['eventType'] === 'ParticipantRoleChanged');
    bob.send({ type: 'send', session: id, text: 'as viewer', clientMsgId: 'b-2', ref: 'two' });
    expect(await bob.next((frame) => frame['ref'] === 'two')).toMatchObject({ type: 'error', code: 'forbidden' });
    expect((await callWith(api, 'POST', `/sessions/${id}/messages`, await bearerOf('bob'), { text: 'as viewer' })).status).toBe(403);

    const ada = await connect(api, 'ada');
    ada.send({ type: 'send', session: id, text: 'still read by bob', clientMsgId: 'a-1' });
    await completed(bob, id, 2);
    expect(bob.frames.some((frame) => frame.type === 'unsubscribed')).toBe(false);
  });
});
