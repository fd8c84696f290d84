/**
 * One decision per session command, whichever way it comes: the same callers (session owner, editor, viewer, a
 * stranger of the tenant, another tenant's user, an operator, an admin, a role without `sessions:use`) send,
 * interrupt, read and terminate over REST and over WebSocket against one real server, and get the same answer:
 * the same error code and message, and an HTTP status that is the code's status in the one table
 * (`HTTP_STATUS_OF`). Deciding access does not wake a hibernated session: a refused command (or a read) leaves
 * its state, the resident actors and the live processes as they were.
 */
import { SignJWT } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/pool/index.js';
import { HTTP_STATUS_OF, type ApiErrorCode } from '../../src/server/errors.js';
import { eventually } from '../agent/support.js';
import { streamTypes, waitForState } from '../pool/support.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { WsClient, type Frame } from '../ws/ws-client.js';

const SECRET = 'a-session-command-test-secret-for-hs256';
const AUTH_ON = { 'auth.enabled': true, 'auth.jwt.secret': SECRET, 'session_pool.max_size': 8 };
const WS_PATH = '/api/v1/ws';

/** A caller: user, tenant and server role. */
type Caller = readonly [userId: string, tenant: string, role: 'user' | 'viewer' | 'operator' | 'admin'];
const CALLERS = {
  owner: ['ada', 'acme', 'user'],
  editor: ['bob', 'acme', 'user'],
  viewer: ['vic', 'acme', 'user'],
  stranger: ['zed', 'acme', 'user'],
  otherTenant: ['eve', 'globex', 'user'],
  operator: ['ops', 'acme', 'operator'],
  admin: ['root', 'globex', 'admin'],
  // An editor of the session whose server role is `viewer` (no `sessions:use`).
  readOnlyRole: ['rita', 'acme', 'viewer'],
} as const satisfies Record<string, Caller>;
type CallerName = keyof typeof CALLERS;

/** The commands both transports have (terminate is REST only). */
const COMMANDS = ['read', 'send', 'interrupt'] as const;
type Command = (typeof COMMANDS)[number] | 'terminate';

/** What a caller is told: `ok`, or an error code. */
type Answer = 'ok' | ApiErrorCode;
/** An answer with the error message, to compare the two transports exactly. */
interface Reply {
  readonly answer: Answer;
  readonly message?: string;
}

const jwt = (caller: Caller): Promise<string> =>
  new SignJWT({ sub: caller[0], tenant: caller[1], role: caller[2] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

let api: TestApi;
const tokens = new Map<CallerName, string>();
const sockets = new Map<CallerName, WsClient>();
let refs = 0;

/** The REST answer of `command` by `caller` on `sessionId`; its status must be the code's status in the one table. */
async function overRest(caller: CallerName, command: Command, sessionId: string): Promise<Reply> {
  const path = `/api/v1/sessions/${sessionId}`;
  const requests: Record<Command, readonly [string, string, unknown]> = {
    read: ['GET', `${path}/events`, undefined],
    send: ['POST', `${path}/messages`, { text: 'hello', clientMsgId: `rest-${(refs += 1)}` }],
    interrupt: ['POST', `${path}/interrupt`, undefined],
    terminate: ['DELETE', path, undefined],
  };
  const [method, url, body] = requests[command];
  const headers: Record<string, string> = { authorization: `Bearer ${tokens.get(caller)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  const response = await fetch(`${api.url}${url}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const json = (await response.json()) as { error?: { code: ApiErrorCode; message: string } };
  if (response.status < 300) return { answer: 'ok' };
  expect(json.error, `${caller} ${command}: ${response.status} without an error`).toBeDefined();
  expect(response.status, `${caller} ${command}: status of ${json.error!.code}`).toBe(HTTP_STATUS_OF[json.error!.code]);
  return { answer: json.error!.code, message: json.error!.message };
}

const WS_FRAME = { read: 'subscribe', send: 'send', interrupt: 'interrupt' } as const;
const WS_SUCCESS = { read: 'subscribed', send: 'ack', interrupt: 'interrupted' } as const;

/** The WebSocket answer of `command` by `caller` on `sessionId`. */
async function overWs(caller: CallerName, command: (typeof COMMANDS)[number], sessionId: string): Promise<Reply> {
  const client = sockets.get(caller)!;
  const ref = `r${(refs += 1)}`;
  client.send({ type: WS_FRAME[command], session: sessionId, ref, ...(command === 'send' ? { text: 'hello', clientMsgId: `ws-${ref}` } : {}) });
  const frame: Frame = await client.next((candidate) => candidate['ref'] === ref && (candidate.type === 'error' || candidate.type === WS_SUCCESS[command]));
  if (frame.type !== 'error') {
    if (command === 'read') client.send({ type: 'unsubscribe', session: sessionId });
    return { answer: 'ok' };
  }
  return { answer: frame['code'] as ApiErrorCode, message: frame['message'] as string };
}

/** Where WS answered differently from REST (checked at the end of each test, so all of them are listed). */
let disagreements: string[] = [];

/** Asks over both transports, notes where they disagree, and returns the REST answer. */
async function decided(caller: CallerName, command: (typeof COMMANDS)[number], sessionId: string): Promise<Answer> {
  const rest = await overRest(caller, command, sessionId);
  const ws = await overWs(caller, command, sessionId);
  if (JSON.stringify(ws) !== JSON.stringify(rest)) disagreements.push(`${caller} ${command}: REST ${JSON.stringify(rest)}, WS ${JSON.stringify(ws)}`);
  return rest.answer;
}

async function newSession(): Promise<string> {
  const { sessionId } = (await api.pool.create({ tenant: 'acme', userId: 'ada', options: DEFAULT_AGENT_OPTIONS, limits: {}, metadata: {} }))._unsafeUnwrap();
  for (const [userId, role] of [['bob', 'editor'], ['vic', 'viewer'], ['rita', 'editor']] as const) (await api.pool.join(sessionId, userId, role))._unsafeUnwrap();
  await waitForState(api.pool, sessionId, 'ready');
  return sessionId;
}

beforeEach(() => {
  disagreements = [];
});

beforeAll(async () => {
  for (const [name, caller] of Object.entries(CALLERS) as [CallerName, Caller][]) tokens.set(name, await jwt(caller));
});

describe('a session command gets one decision over REST and WebSocket', () => {
  it('answers every caller the same on a live session, an unknown one and a terminated one', async () => {
    api = await startTestApi(AUTH_ON);
    for (const name of Object.keys(CALLERS) as CallerName[]) sockets.set(name, await WsClient.hello(`${api.wsUrl}${WS_PATH}`, { token: tokens.get(name) }));
    const live = await newSession();

    // caller: read, send, interrupt (live session)
    const expected: Record<CallerName, readonly [Answer, Answer, Answer]> = {
      owner: ['ok', 'ok', 'ok'],
      editor: ['ok', 'ok', 'ok'],
      viewer: ['ok', 'forbidden', 'forbidden'],
      stranger: ['not_found', 'not_found', 'not_found'],
      otherTenant: ['not_found', 'not_found', 'not_found'],
      operator: ['ok', 'forbidden', 'ok'],
      admin: ['ok', 'forbidden', 'ok'],
      readOnlyRole: ['ok', 'forbidden', 'forbidden'],
    };
    const answers: Record<string, Answer[]> = {};
    for (const name of Object.keys(CALLERS) as CallerName[]) {
      answers[name] = [];
      for (const command of COMMANDS) answers[name].push(await decided(name, command, live));
    }
    expect.soft(answers).toEqual(Object.fromEntries(Object.entries(expected).map(([name, row]) => [name, [...row]])));

    // An unknown session is not_found for everyone; only a role that may not do the thing at all is told so first.
    for (const name of Object.keys(CALLERS) as CallerName[]) {
      const row = [];
      for (const command of COMMANDS) row.push(await decided(name, command, 'no-such-session'));
      expect.soft(row, name).toEqual(name === 'readOnlyRole' ? ['not_found', 'forbidden', 'forbidden'] : ['not_found', 'not_found', 'not_found']);
    }

    // Terminating (REST only): the owner or a manager of the tenant; a stranger cannot tell the session exists.
    const terminateAnswers: Partial<Record<CallerName, Answer>> = {};
    for (const name of ['editor', 'viewer', 'stranger', 'otherTenant', 'readOnlyRole'] as const) terminateAnswers[name] = (await overRest(name, 'terminate', live)).answer;
    expect.soft(terminateAnswers).toEqual({ editor: 'forbidden', viewer: 'forbidden', stranger: 'not_found', otherTenant: 'not_found', readOnlyRole: 'forbidden' });
    for (const name of ['owner', 'operator', 'admin'] as const) {
      const id = name === 'owner' ? live : await newSession();
      expect.soft((await overRest(name, 'terminate', id)).answer, `${name} terminates`).toBe('ok');
    }

    // A terminated session stays readable by those who may see it; acting on it is a conflict, over both transports.
    const ended: Record<string, Answer[]> = {};
    for (const name of ['owner', 'stranger', 'operator'] as const) {
      ended[name] = [];
      for (const command of COMMANDS) ended[name].push(await decided(name, command, live));
    }
    expect.soft(disagreements).toEqual([]);
    expect.soft(ended).toEqual({ owner: ['ok', 'conflict', 'conflict'], stranger: ['not_found', 'not_found', 'not_found'], operator: ['ok', 'forbidden', 'conflict'] });
    for (const socket of sockets.values()) socket.close();
  }, 60_000);

  it('decides on a hibernated session without waking it', async () => {
    api = await startTestApi(AUTH_ON);
    for (const name of Object.keys(CALLERS) as CallerName[]) sockets.set(name, await WsClient.hello(`${api.wsUrl}${WS_PATH}`, { token: tokens.get(name) }));
    const id = await newSession();
    (await api.pool.hibernate(id))._unsafeUnwrap();
    expect(await eventually(() => api.pool.status().sessions.hibernated === 1 && api.pool.status().sessions.resident === 0 && api.pool.status().processes.live === 0, 3_000)).toBe(true);
    const before = api.pool.status();

    const refused: Record<string, Answer> = {};
    for (const [name, command] of [['viewer', 'send'], ['stranger', 'send'], ['otherTenant', 'interrupt'], ['operator', 'send'], ['readOnlyRole', 'interrupt'], ['stranger', 'read']] as const) {
      refused[`${name} ${command}`] = await decided(name, command, id);
    }
    refused['editor terminate'] = (await overRest('editor', 'terminate', id)).answer;
    expect.soft(disagreements).toEqual([]);
    expect.soft(refused).toEqual({
      'viewer send': 'forbidden',
      'stranger send': 'not_found',
      'otherTenant interrupt': 'not_found',
      'operator send': 'forbidden',
      'readOnlyRole interrupt': 'forbidden',
      'stranger read': 'not_found',
      'editor terminate': 'forbidden',
    });
    // Reading it, or interrupting it while no turn runs, is allowed and does not wake it either.
    expect(await decided('owner', 'read', id)).toBe('ok');
    expect(await decided('owner', 'interrupt', id)).toBe('ok');

    const after = api.pool.status();
    expect.soft(after.sessions).toMatchObject({ hibernated: 1, resident: before.sessions.resident });
    expect.soft(after.processes.live).toBe(before.processes.live);
    expect((await streamTypes(api.store, id)).at(-1)).toBe('SessionHibernated');
    for (const socket of sockets.values()) socket.close();
  }, 30_000);
});
