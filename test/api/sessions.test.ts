/**
 * The session REST API end to end (auth off: callers name themselves with `x-user-id`): a real server over a
 * pool with the fake claude and the memory store.
 */
import { describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { until, waitForState } from '../pool/support.js';

/** Slow turns must not count as stalls: `::slow 3000` prints nothing for seconds. */
const SLOW_OK = { 'agent.stall_timeout': '20s', 'agent.turn_timeout': '20s' } as const;

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

/** Calls the API as `user` (tenant `acme` unless told). */
async function call(api: TestApi, method: string, path: string, options: { user?: string; tenant?: string; body?: unknown; raw?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'x-user-id': options.user ?? 'ada', 'x-tenant-id': options.tenant ?? 'acme' };
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${api.url}/api/v1${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

async function createReady(api: TestApi, body: unknown = {}, user = 'ada'): Promise<string> {
  const created = await call(api, 'POST', '/sessions', { body, user });
  expect(created.status).toBe(201);
  const id = created.body.session.id as string;
  await waitForState(api.pool, id, 'ready');
  return id;
}

async function eventsOf(api: TestApi, id: string, user = 'ada'): Promise<Array<{ revision: number; type: string; data: any; at: number }>> {
  const page = await call(api, 'GET', `/sessions/${id}/events?limit=1000`, { user });
  expect(page.status).toBe(200);
  return page.body.events;
}

describe('session lifecycle over REST', () => {
  it('creates, talks, keeps history, replays early states and terminates', async () => {
    const api = await startTestApi();
    const created = await call(api, 'POST', '/sessions', { body: { metadata: { team: 'core' }, allowedTools: ['Read'] } });
    expect(created.status).toBe(201);
    const id = created.body.session.id as string;
    expect(created.headers.get('location')).toBe(`/api/v1/sessions/${id}`);
    expect(created.body.lease).toEqual({ source: 'cold' });
    expect(created.body.session).toMatchObject({ tenant: 'acme', owner: 'ada', participants: [{ userId: 'ada', role: 'owner' }], options: { allowedTools: ['Read'], cwd: '' } });

    await until('the session is ready', async () => (await call(api, 'GET', `/sessions/${id}`)).body.state === 'ready', 8_000);
    const sent = await call(api, 'POST', `/sessions/${id}/messages`, { body: { text: 'hello there' } });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ duplicate: false, turnId: expect.any(String), revision: expect.any(Number) });

    await until('the turn completes', async () => (await eventsOf(api, id)).some((event) => event.type === 'TurnCompleted'), 8_000);
    const events = await eventsOf(api, id);
    expect(events[0]).toMatchObject({ revision: 0, type: 'SessionProvisioned', at: expect.any(Number) });
    expect(events.map((event) => event.revision)).toEqual(events.map((_, index) => index));
    const accepted = events.find((event) => event.type === 'MessageAccepted');
    expect(accepted?.revision).toBe(sent.body.revision);
    expect(accepted?.data).toMatchObject({ turnId: sent.body.turnId, text: 'hello there', userId: 'ada' });
    expect(JSON.stringify(events.filter((event) => event.type === 'AgentOutputReceived'))).toContain('echo: hello there');
    expect(events.some((event) => event.type.startsWith('Snapshot'))).toBe(false);

    const view = await call(api, 'GET', `/sessions/${id}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ id, usage: { turns: 1 }, currentTurn: null, queuedMessages: 0, lastFault: null, failures: { consecutive: 0 } });
    expect(view.body.revision).toBe((await eventsOf(api, id)).at(-1)?.revision);
    expect(view.body.claudeSessionId).toEqual(expect.any(String));

    const early = await call(api, 'GET', `/sessions/${id}/state?at=0`);
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ revision: 0, state: 'provisioning', context: { id, owner: 'ada', usage: { turns: 0 } } });
    expect(['provisioning', 'starting']).toContain((await call(api, 'GET', `/sessions/${id}/state?at=1`)).body.state);
    const latest = await call(api, 'GET', `/sessions/${id}/state`);
    expect(latest.body.revision).toBeGreaterThanOrEqual(view.body.revision);
    expect((await call(api, 'GET', `/sessions/${id}/state?at=100000`)).body.error).toMatchObject({ code: 'not_found' });

    const paged = await call(api, 'GET', `/sessions/${id}/events?from=1&limit=2`);
    expect(paged.body.events.map((event: { revision: number }) => event.revision)).toEqual([1, 2]);
    expect(paged.body.nextFrom).toBe(3);
    expect((await call(api, 'GET', `/sessions/${id}/events?from=100000`)).body).toEqual({ events: [], nextFrom: null });

    const ended = await call(api, 'DELETE', `/sessions/${id}`);
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ id, state: 'terminated' });
    expect((await call(api, 'DELETE', `/sessions/${id}`)).body.error).toMatchObject({ code: 'conflict', details: { state: 'terminated' } });
    const after = await call(api, 'GET', `/sessions/${id}`);
    expect(after.body).toMatchObject({ state: 'terminated', endReason: 'terminated by ada' });
    expect((await call(api, 'POST', `/sessions/${id}/messages`, { body: { text: 'too late' } })).status).toBe(409);
    expect((await eventsOf(api, id)).at(-1)?.type).toBe('SessionTerminated');
  });

  it('interrupts a slow turn, and says so when nothing runs', async () => {
    const api = await startTestApi(SLOW_OK);
    const id = await createReady(api);
    expect((await call(api, 'POST', `/sessions/${id}/interrupt`)).body).toEqual({ interrupted: false });
    expect((await call(api, 'POST', `/sessions/${id}/messages`, { body: { text: '::slow 3000' } })).status).toBe(202);
    await waitForState(api.pool, id, 'busy');
    const busy = await call(api, 'GET', `/sessions/${id}`);
    expect(busy.body).toMatchObject({ state: 'busy', currentTurn: { userId: 'ada', turnId: expect.any(String), startedAt: expect.any(Number) } });
    const interrupted = await call(api, 'POST', `/sessions/${id}/interrupt`);
    expect(interrupted.status).toBe(202);
    expect(interrupted.body).toEqual({ interrupted: true });
    await until('the interrupted turn ends', async () => (await eventsOf(api, id)).some((event) => event.type === 'TurnCompleted'), 8_000);
    const types = (await eventsOf(api, id)).map((event) => event.type);
    expect(types.indexOf('InterruptRequested')).toBeLessThan(types.indexOf('TurnCompleted'));
  });

  it('manages participants: viewers read but cannot write, editors write, the owner stays', async () => {
    const api = await startTestApi();
    const id = await createReady(api);
    const added = await call(api, 'POST', `/sessions/${id}/participants`, { body: { userId: 'bob', role: 'viewer' } });
    expect(added.status).toBe(200);
    expect(added.body.participants).toEqual([{ userId: 'ada', role: 'owner' }, { userId: 'bob', role: 'viewer' }]);
    expect((await call(api, 'GET', `/sessions/${id}`, { user: 'bob' })).status).toBe(200);
    const refused = await call(api, 'POST', `/sessions/${id}/messages`, { user: 'bob', body: { text: 'may I?' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect((await call(api, 'POST', `/sessions/${id}/interrupt`, { user: 'bob' })).status).toBe(403);

    const promoted = await call(api, 'POST', `/sessions/${id}/participants`, { body: { userId: 'bob', role: 'editor' } });
    expect(promoted.body.participants).toContainEqual({ userId: 'bob', role: 'editor' });
    expect((await call(api, 'POST', `/sessions/${id}/messages`, { user: 'bob', body: { text: 'now I may' } })).status).toBe(202);

    const asOwner = await call(api, 'POST', `/sessions/${id}/participants`, { body: { userId: 'carol', role: 'owner' } });
    expect(asOwner.status).toBe(400);
    expect(asOwner.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'role' } });
    expect((await call(api, 'POST', `/sessions/${id}/participants`, { body: { userId: 'ada', role: 'viewer' } })).status).toBe(409);
    expect((await call(api, 'DELETE', `/sessions/${id}/participants/ada`)).status).toBe(409);
    expect((await call(api, 'DELETE', `/sessions/${id}/participants/nobody`)).status).toBe(404);
    const removed = await call(api, 'DELETE', `/sessions/${id}/participants/bob`);
    expect(removed.status).toBe(200);
    expect(removed.body.participants).toEqual([{ userId: 'ada', role: 'owner' }]);
  });

  it('sends a message once per clientMsgId', async () => {
    const api = await startTestApi();
    const id = await createReady(api);
    const first = await call(api, 'POST', `/sessions/${id}/messages`, { body: { text: 'once', clientMsgId: 'c-1' } });
    const retry = await call(api, 'POST', `/sessions/${id}/messages`, { body: { text: 'once', clientMsgId: 'c-1' } });
    expect(first.body.duplicate).toBe(false);
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual({ turnId: first.body.turnId, revision: first.body.revision, duplicate: true });
    await until('the turn completes', async () => (await eventsOf(api, id)).some((event) => event.type === 'TurnCompleted'), 8_000);
    expect((await eventsOf(api, id)).filter((event) => event.type === 'MessageAccepted')).toHaveLength(1);
  });
});

describe('session API errors', () => {
  it('refuses bad input with the error envelope', async () => {
    const api = await startTestApi({ 'server.max_body_size': '2KiB' });
    const invalid = await call(api, 'POST', '/sessions', { raw: '{"model":' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('invalid_json');

    const unknown = await call(api, 'POST', '/sessions', { body: { model: 'sonnet', colour: 'blue' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'colour', problems: [{ field: 'colour', message: 'unknown field' }] } });
    const wrongType = await call(api, 'POST', '/sessions', { body: { metadata: { team: 7 } } });
    expect(wrongType.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'metadata.team' } });
    expect((await call(api, 'POST', '/sessions', { body: { cwd: '../escape' } })).body.error.details.field).toBe('cwd');
    expect((await call(api, 'POST', '/sessions', { body: { permissionMode: 'yolo' } })).body.error.details.field).toBe('permissionMode');

    const oversized = await call(api, 'POST', '/sessions', { body: { systemPrompt: 'x'.repeat(4000) } });
    expect(oversized.status).toBe(413);
    expect(oversized.body.error.code).toBe('payload_too_large');

    const wrongMethod = await call(api, 'PUT', '/sessions/abc');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, DELETE, HEAD, OPTIONS');

    for (const path of ['/sessions/0b5cfca0-0000-4000-8000-000000000000', '/sessions/no such id', '/sessions/nope/events', '/sessions/nope/state']) {
      const missing = await call(api, 'GET', path.replace(/ /g, '%20'));
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('not_found');
    }
    expect((await call(api, 'POST', '/sessions/nope/messages', { body: { text: 'hi' } })).status).toBe(404);
    expect((await call(api, 'DELETE', '/sessions/nope')).status).toBe(404);

    const id = await createReady(api);
    const noText = await call(api, 'POST', `/sessions/${id}/messages`);
    expect(noText.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'text' } });
    expect((await call(api, 'POST', `/sessions/${id}/messages`, { body: { text: '' } })).body.error.details.field).toBe('text');
    const badLimit = await call(api, 'GET', `/sessions/${id}/events?limit=5000`);
    expect(badLimit.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'limit' } });
    expect((await call(api, 'GET', `/sessions/${id}/events?from=x`)).body.error.details.field).toBe('from');
    expect((await call(api, 'GET', `/sessions/${id}/state?at=-1`)).status).toBe(400);
  });

  it('answers 429 with Retry-After when the pool is saturated', async () => {
    const api = await startTestApi({ ...SLOW_OK, 'session_pool.max_size': 1 });
    const id = await createReady(api);
    expect((await call(api, 'POST', `/sessions/${id}/messages`, { body: { text: '::slow 3000' } })).status).toBe(202);
    await waitForState(api.pool, id, 'busy');
    const refused = await call(api, 'POST', '/sessions', { body: {}, user: 'bob' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.error).toMatchObject({ code: 'too_many_requests', details: { cap: 1 } });
  });

  it('shares a session its owner made shareable with share: true', async () => {
    const api = await startTestApi();
    const id = await createReady(api, { shareable: true });
    const shared = await call(api, 'POST', '/sessions', { body: { share: true }, user: 'bob' });
    expect(shared.status).toBe(200);
    expect(shared.body.lease).toEqual({ source: 'existing' });
    expect(shared.body.session.id).toBe(id);
    expect(shared.body.session.participants).toContainEqual({ userId: 'bob', role: 'editor' });
  });
});
