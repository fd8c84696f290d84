/**
 * Sharing is consent (issue #13): `POST /sessions {"share":true}` joins only a session the caller may join — one
 * they take part in, or one its owner created `shareable` and did not remove them from. A private session is never
 * offered; a removed user cannot come back by `share` until invited again; leaving on one's own is not a removal.
 */
import { describe, expect, it } from 'vitest';
import { startTestApi as startApi, type TestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith, type AuthReply } from '../support/auth-api.js';
import { waitForState } from '../pool/support.js';

/** Users of tenant `acme` with the server role `user` (auth on: the open mode makes every caller an admin). */
const startTestApi = (): Promise<TestApi> => startApi(AUTH_ON);

async function call(api: TestApi, method: string, path: string, options: { user?: string; body?: unknown } = {}): Promise<AuthReply> {
  return callWith(api, method, path, await bearerOf(options.user ?? 'ada'), options.body);
}

async function created(api: TestApi, body: unknown, user = 'ada'): Promise<string> {
  const reply = await call(api, 'POST', '/sessions', { body, user });
  expect(reply.status).toBe(201);
  const id = reply.body.session.id as string;
  await waitForState(api.pool, id, 'ready');
  return id;
}

const participantsOf = async (api: TestApi, id: string): Promise<string[]> =>
  (await call(api, 'GET', `/sessions/${id}`)).body.participants.map((p: { userId: string }) => p.userId);

describe('sharing a session takes its owner\'s consent', () => {
  it('never joins another user\'s private session: share gives the caller a session of their own', async () => {
    const api = await startTestApi();
    const id = await created(api, {});
    const shared = await call(api, 'POST', '/sessions', { body: { share: true }, user: 'mallory' });
    expect(shared.status).toBe(201);
    expect(shared.body.session.id).not.toBe(id);
    expect(shared.body.session.owner).toBe('mallory');
    expect(await participantsOf(api, id)).toEqual(['ada']);
    expect((await call(api, 'GET', `/sessions/${id}/events`, { user: 'mallory' })).status).toBe(404);
    expect((await call(api, 'POST', `/sessions/${id}/messages`, { body: { text: 'hi' }, user: 'mallory' })).status).toBe(404);
    expect((await call(api, 'GET', `/sessions/${id}`)).body.shareable).toBe(false);
  });

  it('joins a session its owner made shareable, as an editor', async () => {
    const api = await startTestApi();
    const id = await created(api, { shareable: true });
    const shared = await call(api, 'POST', '/sessions', { body: { share: true }, user: 'bob' });
    expect(shared.status).toBe(200);
    expect(shared.body).toMatchObject({ lease: { source: 'existing' }, session: { id, shareable: true } });
    expect(shared.body.session.participants).toContainEqual({ userId: 'bob', role: 'editor' });
  });

  it('keeps a removed user out until they are invited again; leaving on one\'s own is not a removal', async () => {
    const api = await startTestApi();
    const id = await created(api, { shareable: true });
    expect((await call(api, 'POST', '/sessions', { body: { share: true }, user: 'bob' })).body.session.id).toBe(id);
    expect((await call(api, 'DELETE', `/sessions/${id}/participants/bob`)).status).toBe(200);

    const again = await call(api, 'POST', '/sessions', { body: { share: true }, user: 'bob' });
    expect(again.status).toBe(201);
    expect(again.body.session.id).not.toBe(id);
    expect(await participantsOf(api, id)).toEqual(['ada']);
    expect((await call(api, 'GET', `/sessions/${id}`, { user: 'bob' })).status).toBe(404);

    // Invited back by the owner, bob takes part again (and share finds the session he is in).
    expect((await call(api, 'POST', `/sessions/${id}/participants`, { body: { userId: 'bob', role: 'viewer' } })).status).toBe(200);
    expect(await participantsOf(api, id)).toEqual(['ada', 'bob']);

    // cy joins and leaves on her own: she may join by sharing again.
    expect((await call(api, 'POST', '/sessions', { body: { share: true }, user: 'cy' })).body.session.id).toBe(id);
    expect((await call(api, 'DELETE', `/sessions/${id}/participants/cy`, { user: 'cy' })).status).toBe(200);
    expect((await call(api, 'POST', '/sessions', { body: { share: true }, user: 'cy' })).body.session.id).toBe(id);
  });

  it('refuses a share join the session itself does not consent to, even if placement offered it', async () => {
    const api = await startTestApi();
    const id = await created(api, {});
    // The pool's own join on a user's behalf (`via: 'share'`) is refused by the session machine.
    const joined = await api.pool.join(id, 'mallory', 'editor', { via: 'share' });
    expect(joined.isErr()).toBe(true);
    expect(await participantsOf(api, id)).toEqual(['ada']);
  });
});
