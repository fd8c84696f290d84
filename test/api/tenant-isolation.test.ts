/**
 * Tenant isolation (issue #13): a caller of another tenant — even one with the same user id, even an operator —
 * gets `404 not_found`, word for word as for a session that does not exist, on every route and frame that names a
 * session (view, history, state at a revision, messages, interrupt, terminate, participants; WebSocket subscribe,
 * send, interrupt), whether the session is live, hibernated or ended. And the tenant is decided before the
 * session's stream is read: such a caller makes the server read at most the stream's first event.
 */
import { describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith, testJwt } from '../support/auth-api.js';
import { waitForState } from '../pool/support.js';
import { WsClient } from '../ws/ws-client.js';

const GHOST = '00000000-0000-4000-8000-000000000000';

/** REST routes naming session `id`: method, path, body. */
const routes = (id: string): Array<[string, string, unknown?]> => [
  ['GET', `/sessions/${id}`],
  ['GET', `/sessions/${id}/events`],
  ['GET', `/sessions/${id}/events?from=0&limit=5`],
  ['GET', `/sessions/${id}/state`],
  ['GET', `/sessions/${id}/state?at=0`],
  ['POST', `/sessions/${id}/messages`, { text: 'hi', clientMsgId: 'x-1' }],
  ['POST', `/sessions/${id}/interrupt`],
  ['DELETE', `/sessions/${id}`],
  ['POST', `/sessions/${id}/participants`, { userId: 'ada', role: 'editor' }],
  ['DELETE', `/sessions/${id}/participants/ada`],
  ['DELETE', `/sessions/${id}/participants/bob`],
];

/** Counts the store reads of `ids`' streams other than a first-event read (`maxCount: 1`, forwards). */
function watchReads(api: TestApi, ids: readonly string[]): { deep: string[] } {
  const deep: string[] = [];
  const store = api.store as { readStream: TestApi['store']['readStream'] };
  const original = store.readStream.bind(api.store);
  store.readStream = (stream, options) => {
    const named = ids.some((id) => stream.endsWith(id));
    if (named && !(options?.maxCount === 1 && (options.direction ?? 'forwards') === 'forwards')) deep.push(`${stream} ${JSON.stringify(options ?? {}, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    return original(stream, options);
  };
  return { deep };
}

async function sessionsOfAcme(api: TestApi): Promise<Record<'live' | 'hibernated' | 'ended', string>> {
  const ada = await bearerOf('ada', 'acme');
  const make = async (): Promise<string> => {
    const created = await callWith(api, 'POST', '/sessions', ada, {});
    expect(created.status).toBe(201);
    const id = created.body.session.id as string;
    await waitForState(api.pool, id, 'ready');
    return id;
  };
  const [live, hibernated, ended] = [await make(), await make(), await make()];
  expect((await callWith(api, 'POST', `/sessions/${live}/participants`, ada, { userId: 'bob', role: 'viewer' })).status).toBe(200);
  (await api.pool.hibernate(hibernated))._unsafeUnwrap();
  await waitForState(api.pool, hibernated, 'hibernated');
  expect((await callWith(api, 'DELETE', `/sessions/${ended}`, ada)).status).toBe(200);
  return { live, hibernated, ended };
}

describe('tenant isolation', () => {
  it('answers another tenant 404 on every REST route, exactly as for a session that does not exist, reading no history', async () => {
    const api = await startTestApi(AUTH_ON);
    const sessions = await sessionsOfAcme(api);
    const reads = watchReads(api, Object.values(sessions));
    const callers = { 'same user id': await bearerOf('ada', 'globex'), operator: await bearerOf('op', 'globex', 'operator') };
    for (const [who, credentials] of Object.entries(callers)) {
      for (const [kind, id] of Object.entries(sessions)) {
        for (const [method, path, body] of routes(id)) {
          const answer = await callWith(api, method, path, credentials, body);
          const ghost = await callWith(api, method, path.replace(id, GHOST), credentials, body);
          expect({ who, kind, method, path, status: answer.status }).toEqual({ who, kind, method, path, status: 404 });
          expect(answer.body).toEqual(JSON.parse(JSON.stringify(ghost.body).replaceAll(GHOST, id)));
        }
      }
    }
    expect(reads.deep).toEqual([]);
    // The owner still sees them all.
    for (const id of Object.values(sessions)) expect((await callWith(api, 'GET', `/sessions/${id}`, await bearerOf('ada', 'acme'))).status).toBe(200);
  });

  it('answers another tenant not_found on every WebSocket frame that names a session, reading no history', async () => {
    const api = await startTestApi(AUTH_ON);
    const sessions = await sessionsOfAcme(api);
    const reads = watchReads(api, Object.values(sessions));
    const client = await WsClient.hello(`${api.wsUrl}/api/v1/ws`, { token: await testJwt('ada', 'globex', 'operator') });
    let n = 0;
    for (const id of [...Object.values(sessions), GHOST]) {
      for (const frame of [
        { type: 'subscribe', session: id, fromRevision: 0 },
        { type: 'subscribe', session: id },
        { type: 'send', session: id, text: 'hi', clientMsgId: `c-${n}` },
        { type: 'interrupt', session: id },
      ]) {
        const ref = `r${n++}`;
        client.send({ ...frame, ref });
        expect(await client.next((answer) => answer['ref'] === ref)).toEqual({ type: 'error', code: 'not_found', message: `session ${id} does not exist`, ref });
      }
    }
    expect(client.events(sessions.live)).toEqual([]);
    expect(reads.deep).toEqual([]);
  });
});
