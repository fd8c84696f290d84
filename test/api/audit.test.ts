/**
 * The audit log end to end: what callers do (sessions created and terminated, participants changed, history and
 * state read, API keys created and revoked, credentials refused, permissions refused) lands in `audit-<day>`
 * streams with who, what, outcome, request id and address, never a credential; admins read it back through
 * `GET /api/v1/audit` with filters and a cursor, everyone else gets 403.
 */
import { describe, expect, it } from 'vitest';
import { AUDIT_STREAM_PREFIX } from '../../machines/index.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { AUTH_WITH_KEYS, callWith, TEST_API_KEYS, type AuthReply } from '../support/auth-api.js';

const { admin: ADMIN_KEY, operator: OPERATOR_KEY, user: USER_KEY } = TEST_API_KEYS;

const call = (api: TestApi, key: string, method: string, path: string, body?: unknown, requestId?: string): Promise<AuthReply> =>
  callWith(api, method, path, { 'x-api-key': key, ...(requestId === undefined ? {} : { 'x-request-id': requestId }) }, body);

/** Every audit event stored so far (after flushing the writer), oldest first. */
async function stored(api: TestApi): Promise<any[]> {
  await api.deps.audit.flush();
  const streams = (await api.store.listStreams({ prefix: AUDIT_STREAM_PREFIX }))._unsafeUnwrap();
  const events = await Promise.all(streams.map(async ({ stream }) => (await api.store.readStream(stream))._unsafeUnwrap()));
  return events.flat().map((event) => ({ type: event.type, ...(event.data as object) }));
}

describe('audit log', () => {
  it('records the decisions that matter, with who, what, outcome and request id, and never a secret', async () => {
    const api = await startTestApi(AUTH_WITH_KEYS);
    const created = await call(api, USER_KEY, 'POST', '/sessions', {}, 'req-create-1');
    expect(created.status).toBe(201);
    const id: string = created.body.session.id;
    expect((await call(api, USER_KEY, 'POST', `/sessions/${id}/participants`, { userId: 'bob', role: 'viewer' })).status).toBe(200);
    expect((await call(api, USER_KEY, 'POST', `/sessions/${id}/participants`, { userId: 'bob', role: 'editor' })).status).toBe(200);
    expect((await call(api, USER_KEY, 'DELETE', `/sessions/${id}/participants/bob`)).status).toBe(200);
    expect((await call(api, OPERATOR_KEY, 'GET', `/sessions/${id}/events`)).status).toBe(200);
    expect((await call(api, USER_KEY, 'GET', `/sessions/${id}/events`)).status).toBe(200); // a participant's own read: not audited
    expect((await call(api, USER_KEY, 'GET', `/sessions/${id}/state?at=0`)).status).toBe(200);
    expect((await call(api, USER_KEY, 'POST', `/sessions/${id}/messages`, { text: 'top secret message' })).status).toBe(202);
    const key = await call(api, ADMIN_KEY, 'POST', '/api-keys', { name: 'ci-bot', role: 'user', tenant: 'acme' });
    expect(key.status).toBe(201);
    expect((await call(api, ADMIN_KEY, 'DELETE', `/api-keys/${key.body.apiKey.id}`)).status).toBe(200);
    for (let attempt = 0; attempt < 3; attempt++) expect((await call(api, 'aik_wrong_secret_guess', 'GET', '/sessions')).status).toBe(401);
    expect((await call(api, USER_KEY, 'GET', '/audit')).status).toBe(403);
    expect((await call(api, OPERATOR_KEY, 'DELETE', '/sessions/no-such-session')).status).toBe(404);
    expect((await call(api, USER_KEY, 'DELETE', `/sessions/${id}`)).status).toBe(200);

    const events = await stored(api);
    const ada = { userId: 'ada', tenant: 'acme', role: 'user', via: 'api_key', keyId: null, address: expect.stringMatching(/127\.0\.0\.1/) };
    expect(events.map((event) => event.action)).toEqual([
      'session.created',
      'participant.added',
      'participant.role_changed',
      'participant.removed',
      'session.history_read',
      'session.state_read',
      'api_key.created',
      'api_key.revoked',
      'access.denied',
      'access.denied',
      'session.terminated',
      'auth.failed',
    ]);
    expect(events[0]).toMatchObject({ type: 'SessionCreated', outcome: 'allowed', actor: ada, target: { sessionId: id }, requestId: 'req-create-1', count: 1 });
    expect(events[2]).toMatchObject({ actor: ada, target: { sessionId: id, userId: 'bob', role: 'editor' } });
    expect(events[4]).toMatchObject({ actor: { userId: 'ops', role: 'operator' }, target: { sessionId: id, revision: 0 } });
    expect(events[5]).toMatchObject({ actor: ada, target: { sessionId: id, revision: 0 } });
    expect(events[6]).toMatchObject({ actor: { userId: 'root', role: 'admin' }, target: { keyId: key.body.apiKey.id, userId: 'ci-bot', role: 'user', tenant: 'acme' } });
    expect(events[8]).toMatchObject({ outcome: 'denied', reason: 'forbidden', actor: ada, target: { route: 'GET /api/v1/audit' } });
    expect(events[9]).toMatchObject({ outcome: 'denied', reason: 'not_found', actor: { userId: 'ops' }, target: { sessionId: 'no-such-session', command: 'terminate' } });
    // Three identical failures from one address within a second: one event with a count; the address, not the key.
    expect(events[11]).toMatchObject({
      type: 'AuthenticationFailed',
      outcome: 'denied',
      reason: 'unauthorized',
      detail: 'unknown API key',
      count: 3,
      actor: { userId: null, address: expect.stringMatching(/127\.0\.0\.1/) },
      requestId: expect.any(String),
    });
    const text = JSON.stringify(events);
    for (const secret of [ADMIN_KEY, OPERATOR_KEY, USER_KEY, 'aik_wrong_secret_guess', key.body.key, 'top secret message']) expect(text).not.toContain(secret);
    expect(api.deps.audit.dropped()).toEqual({ overflow: 0, store_failed: 0 });
    const metrics = await fetch(`${api.url}/metrics`, { headers: { 'x-api-key': ADMIN_KEY } });
    expect(await metrics.text()).toContain('aicli_audit_dropped_total{reason="overflow"} 0');
  });

  it('admins query it with filters and a cursor; others get 403; bad filters are typed 400s', async () => {
    const api = await startTestApi(AUTH_WITH_KEYS);
    for (let index = 0; index < 3; index++) expect((await call(api, USER_KEY, 'POST', '/sessions', {})).status).toBe(201);
    expect((await call(api, OPERATOR_KEY, 'POST', '/sessions', {})).status).toBe(201);
    await stored(api);

    const all = await call(api, ADMIN_KEY, 'GET', '/audit');
    expect(all.status).toBe(200);
    expect(all.body.events.map((event: any) => event.actor.userId)).toEqual(['ada', 'ada', 'ada', 'ops']);
    expect(all.body.events[0]).toMatchObject({ action: 'session.created', stream: expect.stringMatching(/^audit-\d{4}-\d{2}-\d{2}$/), revision: 0 });
    expect(all.body.nextCursor).toBeNull();

    const byActor = await call(api, ADMIN_KEY, 'GET', '/audit?actor=ops&action=session.created&tenant=acme');
    expect(byActor.body.events.map((event: any) => event.actor.userId)).toEqual(['ops']);
    expect((await call(api, ADMIN_KEY, 'GET', '/audit?tenant=globex')).body.events).toEqual([]);
    const earlier = await call(api, ADMIN_KEY, "GET", `/audit?to=${Date.now() - 3_600_000}&from=1d`);
    expect(earlier.body).toEqual({ events: [], nextCursor: null });

    const first = await call(api, ADMIN_KEY, 'GET', '/audit?limit=3&action=session.created');
    expect(first.body.events).toHaveLength(3);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call(api, ADMIN_KEY, 'GET', `/audit?limit=3&action=session.created&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.events.map((event: any) => event.actor.userId)).toEqual(['ops']);

    // The admin's own reads were recorded.
    await stored(api);
    expect((await call(api, ADMIN_KEY, 'GET', '/audit?action=audit.read')).body.events.length).toBeGreaterThanOrEqual(5);

    for (const key of [OPERATOR_KEY, USER_KEY]) expect((await call(api, key, 'GET', '/audit')).body.error.code).toBe('forbidden');
    const refused = async (query: string) => (await call(api, ADMIN_KEY, 'GET', `/audit?${query}`)).body;
    expect(await refused('from=yesterday')).toMatchObject({ error: { code: 'validation_failed', details: { field: 'from' } } });
    expect(await refused('from=1h&to=2h')).toMatchObject({ error: { code: 'validation_failed', details: { field: 'to' } } });
    expect(await refused('cursor=abc')).toMatchObject({ error: { code: 'validation_failed', details: { field: 'cursor' } } });
    expect(await refused('action=session.exploded')).toMatchObject({ error: { code: 'validation_failed', details: { field: 'action' } } });
    expect(await refused('limit=0')).toMatchObject({ error: { code: 'validation_failed', details: { field: 'limit' } } });
    expect(await refused('limit=501')).toMatchObject({ error: { code: 'validation_failed', details: { field: 'limit' } } });
    expect(await refused('colour=red')).toMatchObject({ error: { code: 'validation_failed' } });
  });
});
