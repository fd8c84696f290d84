/**
 * End-to-end authentication and error paths of `/api/v1/ws`: with auth on, no token or a bad one is refused
 * (error frame and close 4001, or 401 on the upgrade when bad credentials come with it), an API key or JWT is
 * accepted in `hello`, the query or the headers; another tenant's session, and one of the tenant the user takes no
 * part in, is `not_found` (as over REST: its existence does not leak); malformed frames get `invalid_json` / `validation_failed`, frames before `hello` `unauthorized`.
 */
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { WsClient } from './ws-client.js';

const PATH = '/api/v1/ws';
const SECRET = 'a-websocket-test-secret-long-enough-for-hs256';
const KEY = 'ak_ws_test_0123456789';
const AUTH = {
  'auth.enabled': true,
  'auth.jwt.secret': SECRET,
  'auth.api_keys': JSON.stringify([{ id: 'ci-bot', key_sha256: createHash('sha256').update(KEY).digest('hex'), role: 'operator', tenant: 'acme' }]),
};
const jwt = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

async function session(api: TestApi, userId: string, tenant: string): Promise<string> {
  return (await api.pool.create({ tenant, userId, options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap().sessionId;
}

describe('websocket auth', () => {
  it('closes with 4001 after a hello without a token or with a bad one', async () => {
    const api = await startTestApi(AUTH);
    const none = await WsClient.hello(`${api.wsUrl}${PATH}`, { userId: 'ada' });
    expect(none.frames[0]).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect(await none.closed).toEqual({ code: 4001, reason: 'unauthorized' });
    const bad = await WsClient.hello(`${api.wsUrl}${PATH}`, { token: 'nope' });
    expect(bad.frames[0]).toMatchObject({ type: 'error', code: 'unauthorized', message: 'unknown API key' });
    expect(await bad.closed).toEqual({ code: 4001, reason: 'unauthorized' });
    expect(api.server.ws.status().dropped).toEqual({ unauthorized: 2 });
  });

  it('refuses the upgrade with 401 when it carries bad credentials', async () => {
    const api = await startTestApi(AUTH);
    const refused = await WsClient.open(`${api.wsUrl}${PATH}?token=nope`).then(() => null, (error: { status: number; body: string }) => error);
    expect(refused?.status).toBe(401);
    expect(JSON.parse(refused?.body ?? '{}')).toEqual({ error: { code: 'unauthorized', message: 'unknown API key' } });
    expect(api.server.ws.status().connections.refused).toBe(1);
  });

  it('accepts an API key in hello, in the query or in a header, and a JWT', async () => {
    const api = await startTestApi(AUTH);
    const byHello = await WsClient.hello(`${api.wsUrl}${PATH}`, { token: KEY });
    expect(byHello.frames[0]).toMatchObject({ type: 'welcome', userId: 'ci-bot', tenant: 'acme', role: 'operator' });
    const byQuery = await WsClient.hello(`${api.wsUrl}${PATH}?token=${KEY}`);
    expect(byQuery.frames[0]).toMatchObject({ type: 'welcome', userId: 'ci-bot' });
    const byHeader = await WsClient.hello(`${api.wsUrl}${PATH}`, {}, { headers: { 'x-api-key': KEY } });
    expect(byHeader.frames[0]).toMatchObject({ type: 'welcome', userId: 'ci-bot' });
    const token = await jwt({ sub: 'ada', tenant: 'acme', role: 'user' });
    const byJwt = await WsClient.hello(`${api.wsUrl}${PATH}`, {}, { headers: { authorization: `Bearer ${token}` } });
    expect(byJwt.frames[0]).toMatchObject({ type: 'welcome', userId: 'ada', tenant: 'acme', role: 'user', pingIntervalMs: 30_000, maxPayloadBytes: 1_048_576 });
    for (const client of [byHello, byQuery, byHeader, byJwt]) client.close();
  });

  it('hides other tenants\' sessions and those a user takes no part in, lets operators of the tenant follow', async () => {
    const api = await startTestApi(AUTH);
    const acme = await session(api, 'ada', 'acme');
    const globex = await session(api, 'gus', 'globex');
    const mallory = await WsClient.hello(`${api.wsUrl}${PATH}`, { token: await jwt({ sub: 'mallory', tenant: 'acme', role: 'user' }) });
    mallory.send({ type: 'subscribe', session: globex, ref: 'g' });
    expect(await mallory.next((frame) => frame['ref'] === 'g')).toMatchObject({ type: 'error', code: 'not_found' });
    mallory.send({ type: 'send', session: globex, text: 'hi', clientMsgId: 'c', ref: 'g2' });
    expect(await mallory.next((frame) => frame['ref'] === 'g2')).toMatchObject({ type: 'error', code: 'not_found' });
    mallory.send({ type: 'subscribe', session: acme, ref: 'a' });
    expect(await mallory.next((frame) => frame['ref'] === 'a')).toMatchObject({ type: 'error', code: 'not_found', message: `session ${acme} does not exist` });
    mallory.send({ type: 'send', session: acme, text: 'hi', clientMsgId: 'c', ref: 'a2' });
    expect(await mallory.next((frame) => frame['ref'] === 'a2')).toMatchObject({ type: 'error', code: 'not_found', message: `session ${acme} does not exist` });
    const operator = await WsClient.hello(`${api.wsUrl}${PATH}`, { token: KEY });
    operator.send({ type: 'subscribe', session: acme, fromRevision: 0, ref: 'o' });
    expect(await operator.next((frame) => frame['ref'] === 'o')).toMatchObject({ type: 'subscribed', session: acme, fromRevision: 0 });
    await operator.next((frame) => frame.type === 'event' && frame['eventType'] === 'SessionProvisioned');
    mallory.close();
    operator.close();
  });
});

describe('websocket error frames', () => {
  it('answers every malformed or premature frame with a coded error and keeps the connection', async () => {
    const api = await startTestApi();
    const client = await WsClient.open(`${api.wsUrl}${PATH}`);
    const answer = async (frame: Record<string, unknown> | string): Promise<Record<string, unknown>> => {
      const count = client.frames.length;
      client.send(frame);
      return client.next(() => client.frames.length > count).then(() => client.frames[count]!);
    };
    expect(await answer({ type: 'subscribe', session: 's', ref: 'early' })).toMatchObject({ type: 'error', code: 'unauthorized', ref: 'early' });
    expect(await answer('{not json')).toMatchObject({ type: 'error', code: 'invalid_json' });
    expect(await answer('[1,2]')).toMatchObject({ type: 'error', code: 'validation_failed' });
    expect(await answer({ type: 'dance', ref: 'r' })).toMatchObject({ type: 'error', code: 'validation_failed', ref: 'r' });
    expect(await answer({ type: 'hello', userId: 'ada', tenant: 'acme', ref: 'h' })).toMatchObject({ type: 'welcome', userId: 'ada', tenant: 'acme', role: 'admin', ref: 'h' });
    expect(await answer({ type: 'hello', userId: 'ada' })).toMatchObject({ type: 'error', code: 'bad_request' });
    expect(await answer({ type: 'send', session: 's', text: 'hi' })).toMatchObject({ type: 'error', code: 'validation_failed', message: expect.stringContaining('clientMsgId') });
    expect(await answer({ type: 'subscribe' })).toMatchObject({ type: 'error', code: 'validation_failed' });
    expect(await answer({ type: 'subscribe', session: 's', fromRevision: -1 })).toMatchObject({ type: 'error', code: 'validation_failed' });
    expect(await answer({ type: 'presence', session: 's', status: 'dancing' })).toMatchObject({ type: 'error', code: 'validation_failed' });
    expect(await answer({ type: 'subscribe', session: 'no-such-session', ref: 'n' })).toMatchObject({ type: 'error', code: 'not_found', ref: 'n' });
    expect(await answer({ type: 'send', session: 'no-such-session', text: 'hi', clientMsgId: 'c' })).toMatchObject({ type: 'error', code: 'not_found' });
    expect(await answer({ type: 'presence', session: 'no-such-session', status: 'typing' })).toMatchObject({ type: 'error', code: 'bad_request' });
    client.socket.send(Buffer.from([1, 2, 3]));
    expect(await client.next((frame) => frame['code'] === 'unsupported_media_type')).toMatchObject({ type: 'error' });
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    client.close();
  });

  it('queues frames sent right after hello until the identity is known', async () => {
    const api = await startTestApi();
    const id = await session(api, 'ada', 'acme');
    const client = await WsClient.open(`${api.wsUrl}${PATH}`);
    client.send({ type: 'hello', userId: 'ada', tenant: 'acme' });
    client.send({ type: 'subscribe', session: id, fromRevision: 0 });
    await client.next((frame) => frame.type === 'event');
    expect(client.frames.map((frame) => frame.type).slice(0, 3)).toEqual(['welcome', 'subscribed', 'presence']);
    client.close();
  });
});
