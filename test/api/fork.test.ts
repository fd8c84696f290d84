/**
 * `POST /sessions/:id/fork` end to end (real server on loopback, fake claude): a fork remembers exactly the parent's
 * conversation up to the revision (the fake claude's `::history` lists the user messages its transcript holds), the
 * parent goes on unaffected, a fork before any answer starts afresh, a fork that hibernates before its first turn
 * still remembers, and refusals are those of a read (404), of a bad body (400) and of a revision past the head (422).
 */
import { describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith } from '../support/auth-api.js';
import { until, waitForState } from '../pool/support.js';

interface StoredEventView {
  readonly revision: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

type Credentials = Record<string, string>;
const NO_AUTH: Credentials = { 'x-user-id': 'ada', 'x-tenant-id': 'acme' };

async function eventsOf(api: TestApi, id: string, as: Credentials = NO_AUTH): Promise<StoredEventView[]> {
  const page = await callWith(api, 'GET', `/sessions/${id}/events?limit=1000`, as);
  expect(page.status).toBe(200);
  return page.body.events as StoredEventView[];
}

/** Sends `text` and waits for its turn's result: the reply and the revision of its `TurnCompleted`. */
async function say(api: TestApi, id: string, text: string, as: Credentials = NO_AUTH): Promise<{ reply: string; revision: number }> {
  const sent = await callWith(api, 'POST', `/sessions/${id}/messages`, as, { text });
  expect(sent.status).toBe(202);
  let completed: StoredEventView | undefined;
  await until(`turn "${text}" completes`, async () => {
    completed = (await eventsOf(api, id, as)).find((event) => event.type === 'TurnCompleted' && event.data['turnId'] === sent.body.turnId);
    return completed !== undefined;
  }, 8_000);
  return { reply: String(completed!.data['result']), revision: completed!.revision };
}

async function fork(api: TestApi, id: string, body: unknown, as: Credentials = NO_AUTH): Promise<{ status: number; body: any }> {
  return callWith(api, 'POST', `/sessions/${id}/fork`, as, body);
}

async function newSession(api: TestApi, body: unknown = {}, as: Credentials = NO_AUTH): Promise<string> {
  const created = await callWith(api, 'POST', '/sessions', as, body);
  expect(created.status).toBe(201);
  const id = created.body.session.id as string;
  await waitForState(api.pool, id, 'ready');
  return id;
}

describe('forking a session at a revision', () => {
  it('the fork remembers exactly the conversation up to the revision; the parent goes on unaffected', async () => {
    const api = await startTestApi({ 'session_pool.max_size': 8 });
    const parent = await newSession(api, { model: 'sonnet', permissionMode: 'acceptEdits', allowedTools: ['Read'] });
    const one = await say(api, parent, 'one');
    const two = await say(api, parent, 'two');
    expect(two.reply).toBe('echo: two');
    await say(api, parent, 'three');
    // Mid-turn: the message of turn three is accepted, its answer not yet there.
    const threeAccepted = (await eventsOf(api, parent)).find((event) => event.type === 'MessageAccepted' && event.data['text'] === 'three')!.revision;
    const parentEvents = await eventsOf(api, parent);

    const cases = [
      { at: one.revision, history: 'one' },
      { at: two.revision, history: 'one | two' },
      { at: threeAccepted, history: 'one | two' },
    ];
    const forks: string[] = [];
    for (const { at, history } of cases) {
      const forked = await fork(api, parent, { atRevision: at, ...(at === one.revision ? { permissionMode: 'plan' } : {}) });
      expect(forked.status).toBe(201);
      const id = forked.body.session.id as string;
      forks.push(id);
      expect(forked.body.session).toMatchObject({ owner: 'ada', tenant: 'acme', forkedFrom: { sessionId: parent, revision: at } });
      expect(forked.body.session.options).toEqual({
        model: 'sonnet',
        cwd: '',
        permissionMode: at === one.revision ? 'plan' : 'acceptEdits',
        allowedTools: ['Read'],
        systemPrompt: null,
      });
      // Its first event names the parent and the revision.
      const first = (await eventsOf(api, id))[0]!;
      expect(first.type).toBe('SessionProvisioned');
      expect(first.data['forkedFrom']).toMatchObject({ sessionId: parent, revision: at, messageUuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      await waitForState(api.pool, id, 'ready');
      expect((await say(api, id, '::history')).reply).toBe(`history: ${history} | ::history`);
    }

    // The parent: untouched by the forks (same events before), and its conversation goes on with all of its history.
    expect((await eventsOf(api, parent)).slice(0, parentEvents.length)).toEqual(parentEvents);
    expect((await say(api, parent, '::history')).reply).toBe('history: one | two | three | ::history');

    // A fork of a fork, before it said anything of its own and after.
    const grandchild = await fork(api, forks[1]!, { atRevision: 0 });
    expect(grandchild.status).toBe(201);
    await waitForState(api.pool, grandchild.body.session.id, 'ready');
    expect((await say(api, grandchild.body.session.id, '::history')).reply).toBe('history: one | two | ::history');
    const head = (await eventsOf(api, forks[1]!)).at(-1)!.revision;
    const later = await fork(api, forks[1]!, { atRevision: head });
    await waitForState(api.pool, later.body.session.id, 'ready');
    expect((await say(api, later.body.session.id, '::history')).reply).toBe('history: one | two | ::history | ::history');
  }, 30_000);

  it('a fork before any answer starts a fresh conversation with the same options', async () => {
    const api = await startTestApi();
    const parent = await newSession(api, { model: 'haiku' });
    const forked = await fork(api, parent, { atRevision: 0 });
    expect(forked.status).toBe(201);
    const id = forked.body.session.id as string;
    expect(forked.body.session).toMatchObject({ forkedFrom: { sessionId: parent, revision: 0 }, options: { model: 'haiku' } });
    expect((await eventsOf(api, id))[0]!.data['forkedFrom']).toEqual({ sessionId: parent, revision: 0, claudeSessionId: null, messageUuid: null });
    await waitForState(api.pool, id, 'ready');
    expect((await say(api, id, '::history')).reply).toBe('history: ::history');
  });

  it('a fork that hibernates before its first turn still starts from the parent\'s conversation when woken', async () => {
    const api = await startTestApi();
    const parent = await newSession(api);
    const { revision } = await say(api, parent, 'kumquat');
    const id = (await fork(api, parent, { atRevision: revision })).body.session.id as string;
    await waitForState(api.pool, id, 'ready');
    expect((await api.pool.hibernate(id))._unsafeUnwrap()).toBe(true);
    await waitForState(api.pool, id, 'hibernated');
    expect((await say(api, id, '::history')).reply).toBe('history: kumquat | ::history');
    // And once it has a turn of its own, a restart resumes its own conversation.
    expect((await api.pool.hibernate(id))._unsafeUnwrap()).toBe(true);
    await waitForState(api.pool, id, 'hibernated');
    expect((await say(api, id, '::history')).reply).toBe('history: kumquat | ::history | ::history');
  });

  it('refuses a revision past the head (422), a bad body (400) and an unknown session (404)', async () => {
    const api = await startTestApi();
    const parent = await newSession(api);
    const head = (await eventsOf(api, parent)).at(-1)!.revision;
    const beyond = await fork(api, parent, { atRevision: head + 5 });
    expect(beyond.status).toBe(422);
    expect(beyond.body.error).toMatchObject({ code: 'revision_out_of_range', details: { last: head } });
    expect(beyond.body.error.message).toContain(`no revision ${head + 5}`);
    for (const body of [{}, { atRevision: -1 }, { atRevision: 1.5 }, { atRevision: '3' }, { atRevision: 0, cwd: 'elsewhere' }, { atRevision: 0, permissionMode: 'yolo' }]) {
      const bad = await fork(api, parent, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'validation_failed', message: expect.any(String) });
    }
    const notJson = await fetch(`${api.url}/api/v1/sessions/${parent}/fork`, { method: 'POST', headers: { ...NO_AUTH, 'content-type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    expect((await fork(api, '6f1d1c1e-0000-4000-8000-000000000000', { atRevision: 0 })).status).toBe(404);
    // Nothing was created by the refusals.
    expect(api.pool.status().sessions.total).toBe(1);
  });

  it('is refused like a read to those who may not see the session, and to those who may not create sessions', async () => {
    const api = await startTestApi({ ...AUTH_ON, 'session_pool.max_size': 6 });
    const ada = await bearerOf('ada', 'acme', 'user');
    const parent = await newSession(api, {}, ada);
    const { revision } = await say(api, parent, 'secret plan', ada);
    expect((await callWith(api, 'POST', `/sessions/${parent}/participants`, ada, { userId: 'val', role: 'viewer' })).status).toBe(200);

    // Not a participant, another tenant: as if the session did not exist.
    for (const stranger of [await bearerOf('bob', 'acme', 'user'), await bearerOf('eve', 'globex', 'user')]) {
      const refused = await fork(api, parent, { atRevision: revision }, stranger);
      expect(refused.status).toBe(404);
      expect(refused.body.error.code).toBe('not_found');
    }
    // A server role that may not create sessions.
    expect((await fork(api, parent, { atRevision: revision }, await bearerOf('val', 'acme', 'viewer'))).status).toBe(403);
    // A viewer of the session may read it, so may fork it: the fork is theirs.
    const val = await bearerOf('val', 'acme', 'user');
    const forked = await fork(api, parent, { atRevision: revision }, val);
    expect(forked.status).toBe(201);
    expect(forked.body.session).toMatchObject({ owner: 'val', tenant: 'acme', participants: [{ userId: 'val', role: 'owner' }] });
    await waitForState(api.pool, forked.body.session.id, 'ready');
    expect((await say(api, forked.body.session.id, '::history', val)).reply).toBe('history: secret plan | ::history');
    // Ada does not take part in val's fork.
    expect((await callWith(api, 'GET', `/sessions/${forked.body.session.id}`, ada)).status).toBe(404);
  });
});
