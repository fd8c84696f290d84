/**
 * The authorisation matrix (issue #13): every REST route the server documents (its OpenAPI document, so a new route
 * without a row fails here) × server role (admin, operator, user, viewer) × the caller's relation to the session
 * (owner, editor, viewer, none, removed participant, another tenant), plus a revoked API key on every route; and the
 * WebSocket actions (hello, subscribe, presence, send, interrupt, approve, unsubscribe) × the same callers. The expected
 * answers come from the small rule table below, written from docs/security.md, not from the implementation.
 * One server; every caller has its own sessions, so callers run in parallel and each one's steps in order.
 */
import { describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith, testJwt } from '../support/auth-api.js';
import { waitForState } from '../pool/support.js';
import { WsClient, type Frame } from '../ws/ws-client.js';

const ROLES = ['admin', 'operator', 'user', 'viewer'] as const;
const RELATIONS = ['owner', 'editor', 'viewer', 'none', 'removed', 'other-tenant'] as const;
type Role = (typeof ROLES)[number];
type Relation = (typeof RELATIONS)[number];

/** A caller: server role and relation to its sessions (its own `main` and `side` sessions, owned by ada of acme unless it owns them). */
interface Caller {
  readonly role: Role;
  readonly relation: Relation;
  readonly user: string;
  readonly tenant: string;
}

// ---------------------------------------------------------------------------------------------------------------
// The rules (docs/security.md, "Authentication and roles" and "Who may do what with a session").

const isStaff = (role: Role): boolean => role === 'admin' || role === 'operator';
/** Whether the caller sees the session at all (else 404, as for one that does not exist). */
const sees = ({ role, relation }: Caller): boolean =>
  role === 'admin' || (relation === 'other-tenant' ? false : role === 'operator' || ['owner', 'editor', 'viewer'].includes(relation));
const takesPart = ({ relation }: Caller): boolean => ['owner', 'editor', 'viewer'].includes(relation);

/** Session actions: the permission the server role must hold first (403 whatever the session), then what the session role allows. */
type Action = 'read' | 'send' | 'interrupt' | 'terminate' | 'manage' | 'remove' | 'leave' | 'fork';
function sessionRule(caller: Caller, action: Action): 'ok' | 403 | 404 | 409 {
  const { role, relation } = caller;
  const needsUse = action === 'send' || action === 'interrupt' || action === 'terminate' || action === 'manage' || action === 'fork';
  if (needsUse && role === 'viewer') return 403;
  if (!sees(caller)) return 404;
  // Removing someone else: the route is open to readers (anyone may leave), so the role is judged once the session is seen.
  if (action === 'remove' && role === 'viewer') return 403;
  switch (action) {
    case 'read':
    // Forking takes creating sessions (above) and reading this one: any participant, an operator of its tenant, an admin.
    case 'fork':
      return 'ok';
    case 'send':
      return relation === 'owner' || relation === 'editor' ? 'ok' : 403;
    case 'interrupt':
      return relation === 'owner' || relation === 'editor' || isStaff(role) ? 'ok' : 403;
    case 'terminate':
    case 'manage':
    case 'remove':
      return relation === 'owner' || isStaff(role) ? 'ok' : 403;
    case 'leave':
      // Anyone taking part may leave; the owner cannot; one not taking part is not a participant.
      return relation === 'owner' ? 409 : takesPart(caller) ? 'ok' : 404;
  }
}

/** Routes that name no session: who may call them. */
const serverRule: Record<string, (role: Role) => boolean> = {
  everyone: () => true,
  users: (role) => role !== 'viewer',
  staff: isStaff,
  admin: (role) => role === 'admin',
};

// ---------------------------------------------------------------------------------------------------------------
// The rows: one per documented route. `session` rows run on the caller's sessions in `step` order.

interface ServerRow {
  readonly kind: 'server';
  readonly who: keyof typeof serverRule | 'public';
  readonly path: string;
  readonly body?: unknown;
  /** Success status (default 200). */
  readonly ok?: number;
  /** `path` is from the server's root, not under `/api/v1`. */
  readonly root?: true;
}
interface SessionRow {
  readonly kind: 'session';
  readonly action: Action;
  readonly path: (id: string, caller: Caller) => string;
  readonly body?: unknown;
  readonly ok: number;
  readonly step: number;
  /** The caller's `side` session (for a step that changes who takes part). */
  readonly side?: true;
}
type Row = ServerRow | SessionRow;

const ROWS: Record<string, Row> = {
  'GET /api/v1/openapi.json': { kind: 'server', who: 'public', path: '/openapi.json' },
  'GET /api/v1/sessions': { kind: 'server', who: 'everyone', path: '/sessions' },
  'GET /api/v1/me': { kind: 'server', who: 'everyone', path: '/me' },
  'POST /api/v1/sessions': { kind: 'server', who: 'users', path: '/sessions', body: {}, ok: 201 },
  'GET /api/v1/session-pool/status': { kind: 'server', who: 'staff', path: '/session-pool/status' },
  'GET /api/v1/websocket/status': { kind: 'server', who: 'staff', path: '/websocket/status' },
  'GET /api/v1/breakers': { kind: 'server', who: 'staff', path: '/breakers' },
  'GET /api/v1/streams/{stream}/replay': { kind: 'server', who: 'staff', path: '/streams/pool-main/replay' },
  'GET /api/v1/metrics': { kind: 'server', who: 'staff', path: '/metrics' },
  'GET /metrics': { kind: 'server', who: 'staff', path: '/metrics', root: true },
  'GET /api/v1/audit': { kind: 'server', who: 'admin', path: '/audit' },
  'GET /api/v1/api-keys': { kind: 'server', who: 'admin', path: '/api-keys' },
  'POST /api/v1/api-keys': { kind: 'server', who: 'admin', path: '/api-keys', body: { name: 'matrix-bot', role: 'viewer', tenant: 'acme' }, ok: 201 },
  // An admin reaches the handler, which knows no such key.
  'DELETE /api/v1/api-keys/{id}': { kind: 'server', who: 'admin', path: '/api-keys/key_nope', ok: 404 },
  // Every caller here is of acme: a member reads its own tenant's usage (another tenant's is 404, test/api/budgets.test.ts).
  'GET /api/v1/tenants/{tenant}/usage': { kind: 'server', who: 'everyone', path: '/tenants/acme/usage' },
  'PUT /api/v1/tenants/{tenant}/budget': { kind: 'server', who: 'admin', path: '/tenants/acme/budget', body: { maxLiveSessions: 1000 } },
  'GET /api/v1/sessions/{id}': { kind: 'session', action: 'read', path: (id) => `/sessions/${id}`, ok: 200, step: 0 },
  'GET /api/v1/sessions/{id}/events': { kind: 'session', action: 'read', path: (id) => `/sessions/${id}/events`, ok: 200, step: 0 },
  'GET /api/v1/sessions/{id}/state': { kind: 'session', action: 'read', path: (id) => `/sessions/${id}/state`, ok: 200, step: 0 },
  'POST /api/v1/sessions/{id}/fork': { kind: 'session', action: 'fork', path: (id) => `/sessions/${id}/fork`, body: { atRevision: 0 }, ok: 201, step: 0 },
  'POST /api/v1/sessions/{id}/messages': { kind: 'session', action: 'send', path: (id) => `/sessions/${id}/messages`, body: { text: 'hi' }, ok: 202, step: 1 },
  'POST /api/v1/sessions/{id}/interrupt': { kind: 'session', action: 'interrupt', path: (id) => `/sessions/${id}/interrupt`, ok: 202, step: 2 },
  // Answering a tool approval is writing; allowed callers reach the session, which has no such request pending: 409.
  'POST /api/v1/sessions/{id}/approvals/{requestId}': { kind: 'session', action: 'send', path: (id) => `/sessions/${id}/approvals/req-none`, body: { behavior: 'allow' }, ok: 409, step: 2 },
  // zed, a viewer from the start, becomes an editor, then is removed.
  'POST /api/v1/sessions/{id}/participants': { kind: 'session', action: 'manage', path: (id) => `/sessions/${id}/participants`, body: { userId: 'zed', role: 'editor' }, ok: 200, step: 3 },
  'DELETE /api/v1/sessions/{id}/participants/{userId}': { kind: 'session', action: 'remove', path: (id) => `/sessions/${id}/participants/zed`, ok: 200, step: 4 },
  'DELETE /api/v1/sessions/{id}': { kind: 'session', action: 'terminate', path: (id) => `/sessions/${id}`, ok: 200, step: 5 },
};
/** A second use of a route. (Health is not in the document: the binary mounts it beside the API, this server has none.) */
const EXTRA_ROWS: Record<string, Row> = {
  'DELETE /api/v1/sessions/{id}/participants/{userId} (self)': { kind: 'session', action: 'leave', path: (id, caller) => `/sessions/${id}/participants/${caller.user}`, ok: 200, step: 6, side: true },
};

const ALL_ROWS: Record<string, Row> = { ...ROWS, ...EXTRA_ROWS };

/** Cells where the server breaks the rules today, each with its own failing case below; left out of the matrix. */
const KNOWN_BUGS = new Set<string>([]);

// ---------------------------------------------------------------------------------------------------------------

const ADA = (): Promise<Record<string, string>> => bearerOf('ada', 'acme', 'user');
const credentialsOf = (caller: Caller): Promise<Record<string, string>> => bearerOf(caller.user, caller.tenant, caller.role);

async function newSession(api: TestApi, owner: Record<string, string>): Promise<string> {
  const created = await callWith(api, 'POST', '/sessions', owner, {});
  expect(created.status).toBe(201);
  return created.body.session.id as string;
}

/** A session in which `caller` has its relation (and zed is a viewer). */
async function sessionFor(api: TestApi, caller: Caller): Promise<string> {
  const ada = await ADA();
  const id = await newSession(api, caller.relation === 'owner' ? await bearerOf(caller.user, 'acme', 'user') : ada);
  const owner = caller.relation === 'owner' ? await bearerOf(caller.user, 'acme', 'user') : ada;
  await waitForState(api.pool, id, 'ready');
  const add = async (userId: string, role: string): Promise<void> => expect((await callWith(api, 'POST', `/sessions/${id}/participants`, owner, { userId, role })).status).toBe(200);
  await add('zed', 'viewer');
  if (caller.relation === 'editor' || caller.relation === 'viewer') await add(caller.user, caller.relation);
  if (caller.relation === 'removed') {
    await add(caller.user, 'editor');
    expect((await callWith(api, 'DELETE', `/sessions/${id}/participants/${caller.user}`, owner)).status).toBe(200);
  }
  return id;
}

const CALLERS: Caller[] = ROLES.flatMap((role) =>
  RELATIONS.map((relation) => ({ role, relation, user: `c-${role}-${relation}`, tenant: relation === 'other-tenant' ? 'globex' : 'acme' })),
);

/** The status of `row`'s call (its body may not be JSON: metrics). */
async function callRow(api: TestApi, method: string, row: ServerRow, credentials: Record<string, string>): Promise<number> {
  const headers = { ...credentials, ...(row.body === undefined ? {} : { 'content-type': 'application/json' }) };
  const response = await fetch(`${api.url}${row.root === true ? '' : '/api/v1'}${row.path}`, { method, headers, ...(row.body === undefined ? {} : { body: JSON.stringify(row.body) }) });
  await response.text();
  return response.status;
}

const expectedStatus = (rule: 'ok' | 403 | 404 | 409, ok: number): number => (rule === 'ok' ? ok : rule);

/** A WebSocket frame's expected answer type, or error code. */
const wsExpected = (rule: 'ok' | 403 | 404 | 409, ok: string): string => (rule === 'ok' ? ok : rule === 403 ? 'error:forbidden' : rule === 404 ? 'error:not_found' : 'error:conflict');
const answerOf = (frame: Frame): string => (frame.type === 'error' ? `error:${String(frame['code'])}` : frame.type);

describe('authorisation matrix', () => {
  it('answers every route and WebSocket action as the rules say, for every role and relation', async () => {
    // Room for every caller's two sessions and their forks; no rate limit (the matrix is one burst from one address).
    const api = await startTestApi({ ...AUTH_ON, 'session_pool.max_size': 100, 'security.rate_limits.enabled': false });
    const documented = Object.entries((await callWith(api, 'GET', '/openapi.json', {})).body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    // A route without a row (or a row without a route) fails here: add it to ROWS with its rule.
    expect(Object.keys(ROWS).sort()).toEqual(documented);

    // A revoked API key, made by an admin.
    const admin = await bearerOf('root', 'acme', 'admin');
    const made = await callWith(api, 'POST', '/api-keys', admin, { name: 'gone', role: 'admin', tenant: 'acme' });
    expect((await callWith(api, 'DELETE', `/api-keys/${made.body.apiKey.id as string}`, admin)).status).toBe(200);
    const revoked = { 'x-api-key': made.body.key as string };

    const sessions = new Map<Caller, { main: string; side: string }>();
    await Promise.all(CALLERS.map(async (caller) => sessions.set(caller, { main: await sessionFor(api, caller), side: await sessionFor(api, caller) })));

    const got: string[] = [];
    const want: string[] = [];
    const record = (label: string, status: number | string, expected: number | string): void => {
      if (KNOWN_BUGS.has(label)) return;
      got.push(`${label} → ${status}`);
      want.push(`${label} → ${expected}`);
    };

    // WebSocket, on each caller's side session: subscribe, presence, send, interrupt, unsubscribe.
    await Promise.all(CALLERS.map(async (caller) => {
      const id = sessions.get(caller)!.side;
      const label = `WS ${caller.role}/${caller.relation}`;
      const client = await WsClient.hello(`${api.wsUrl}/api/v1/ws`, { token: await testJwt(caller.user, caller.tenant, caller.role) });
      record(`${label} hello`, client.frames[0]!.type, 'welcome');
      const ask = async (frame: Record<string, unknown>): Promise<Frame> => {
        const ref = `r-${String(frame['type'])}`;
        client.send({ ...frame, ref });
        return client.next((answer) => answer['ref'] === ref && answer.type !== 'event');
      };
      const subscribed = await ask({ type: 'subscribe', session: id });
      record(`${label} subscribe`, answerOf(subscribed), wsExpected(sessionRule(caller, 'read'), 'subscribed'));
      if (subscribed.type === 'subscribed') {
        client.send({ type: 'presence', session: id, status: 'typing', ref: 'r-presence' });
      }
      record(`${label} send`, answerOf(await ask({ type: 'send', session: id, text: 'hi', clientMsgId: `m-${caller.user}` })), wsExpected(sessionRule(caller, 'send'), 'ack'));
      record(`${label} interrupt`, answerOf(await ask({ type: 'interrupt', session: id })), wsExpected(sessionRule(caller, 'interrupt'), 'interrupted'));
      // No approval is pending: a caller allowed to answer gets conflict, the others are refused as for a send.
      const approveRule = sessionRule(caller, 'send');
      record(`${label} approve`, answerOf(await ask({ type: 'approve', session: id, requestId: 'req-none', behavior: 'deny' })), approveRule === 'ok' ? 'error:conflict' : wsExpected(approveRule, 'approved'));
      if (subscribed.type === 'subscribed') {
        const left = await ask({ type: 'unsubscribe', session: id });
        record(`${label} unsubscribe`, answerOf(left), 'unsubscribed');
        // Presence from a subscriber is never refused.
        record(`${label} presence`, client.frames.some((frame) => frame['ref'] === 'r-presence' && frame.type === 'error') ? 'refused' : 'accepted', 'accepted');
      }
      client.close();
    }));

    // REST, session routes: each caller's steps in order, callers in parallel.
    const sessionRows = Object.entries(ALL_ROWS).filter((entry): entry is [string, SessionRow] => entry[1].kind === 'session');
    const steps = [...new Set(sessionRows.map(([, row]) => row.step))].sort((a, b) => a - b);
    await Promise.all(CALLERS.map(async (caller) => {
      const credentials = await credentialsOf(caller);
      for (const step of steps) {
        await Promise.all(sessionRows.filter(([, row]) => row.step === step).map(async ([name, row]) => {
          const { main, side } = sessions.get(caller)!;
          const reply = await callWith(api, name.split(' ')[0]!, row.path(row.side ? side : main, caller), credentials, row.body);
          record(`${name} ${caller.role}/${caller.relation}`, reply.status, expectedStatus(sessionRule(caller, row.action), row.ok));
        }));
      }
    }));

    // REST, routes naming no session: every role, and the revoked key on every route.
    const serverRows = Object.entries(ALL_ROWS).filter((entry): entry is [string, ServerRow] => entry[1].kind === 'server');
    await Promise.all(ROLES.flatMap((role) => serverRows.map(async ([name, row]) => {
      const status = await callRow(api, name.split(' ')[0]!, row, await bearerOf(`s-${role}`, 'acme', role));
      const allowed = row.who === 'public' || serverRule[row.who]!(role);
      record(`${name} ${role}`, status, allowed ? (row.ok ?? 200) : 403);
    })));
    const someSession = sessions.get(CALLERS[0]!)!.side;
    await Promise.all(Object.entries(ALL_ROWS).map(async ([name, row]) => {
      const method = name.split(' ')[0]!;
      const status = row.kind === 'session' ? (await callWith(api, method, row.path(someSession, CALLERS[0]!), revoked, row.body)).status : await callRow(api, method, row, revoked);
      record(`${name} revoked key`, status, row.kind === 'server' && row.who === 'public' ? 200 : 401);
    }));

    expect(got.sort()).toEqual(want.sort());
  }, 30_000);

  it('an owner whose server role is viewer cannot remove another participant (the route takes sessions:read for leaving; removing someone else takes sessions:use, as adding does)', async () => {
    const api = await startTestApi(AUTH_ON);
    const id = await newSession(api, await bearerOf('vee', 'acme', 'user'));
    await waitForState(api.pool, id, 'ready');
    expect((await callWith(api, 'POST', `/sessions/${id}/participants`, await bearerOf('vee', 'acme', 'user'), { userId: 'zed', role: 'viewer' })).status).toBe(200);
    const asViewer = await bearerOf('vee', 'acme', 'viewer');
    expect((await callWith(api, 'POST', `/sessions/${id}/participants`, asViewer, { userId: 'zed', role: 'editor' })).status).toBe(403);
    expect((await callWith(api, 'DELETE', `/sessions/${id}/participants/zed`, asViewer)).status).toBe(403);
  });
});
