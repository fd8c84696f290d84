/**
 * The session REST API with authentication on: API keys and HS256 JWTs, server roles, session roles and
 * tenant isolation.
 */
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { callWith, type AuthReply } from '../support/auth-api.js';
import { waitForState } from '../pool/support.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const OPERATOR_KEY = 'ak_test_operator_acme';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const AUTH_ON = {
  'auth.enabled': true,
  'auth.jwt.secret': SECRET,
  'auth.api_keys': JSON.stringify([{ id: 'ops-acme', key_sha256: sha256(OPERATOR_KEY), role: 'operator', tenant: 'acme' }]),
};

const jwt = (sub: string, tenant: string, role: string, secret = SECRET): Promise<string> =>
  new SignJWT({ sub, tenant, role }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(secret));

const call = (api: TestApi, method: string, path: string, credentials: Record<string, string>, body?: unknown): Promise<AuthReply> => callWith(api, method, path, credentials, body);

const bearer = async (sub: string, tenant: string, role: string): Promise<Record<string, string>> => ({ authorization: `Bearer ${await jwt(sub, tenant, role)}` });

describe('session API with auth on', () => {
  it('refuses missing and invalid credentials with 401', async () => {
    const api = await startTestApi(AUTH_ON);
    expect((await call(api, 'POST', '/sessions', {}, {})).status).toBe(401);
    expect((await call(api, 'GET', '/sessions/x', { 'x-api-key': 'ak_wrong' })).status).toBe(401);
    const forged = await call(api, 'GET', '/sessions/x', { authorization: `Bearer ${await jwt('ada', 'acme', 'user', 'another-secret-another-secret-another')}` });
    expect(forged.status).toBe(401);
    expect(forged.body.error).toEqual({ code: 'unauthorized', message: 'the token is not valid' });
    // Open-mode headers mean nothing once auth is on.
    expect((await call(api, 'GET', '/sessions/x', { 'x-user-id': 'ada' })).status).toBe(401);
  });

  it('lets a viewer role read but not create', async () => {
    const api = await startTestApi(AUTH_ON);
    const refused = await call(api, 'POST', '/sessions', await bearer('vic', 'acme', 'viewer'), {});
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
  });

  it('isolates tenants, hides sessions from non-participants, and lets an operator of the tenant interrupt and terminate', async () => {
    const api = await startTestApi(AUTH_ON);
    const ada = await bearer('ada', 'acme', 'user');
    const created = await call(api, 'POST', '/sessions', ada, {});
    expect(created.status).toBe(201);
    expect(created.body.session).toMatchObject({ tenant: 'acme', owner: 'ada' });
    const id = created.body.session.id as string;
    await waitForState(api.pool, id, 'ready');

    const eve = await bearer('eve', 'globex', 'user');
    for (const [method, path] of [['GET', `/sessions/${id}`], ['GET', `/sessions/${id}/events`], ['GET', `/sessions/${id}/state`], ['DELETE', `/sessions/${id}`], ['POST', `/sessions/${id}/interrupt`]] as const) {
      const hidden = await call(api, method, path, eve);
      expect(hidden.status, `${method} ${path}`).toBe(404);
      expect(hidden.body.error).toEqual({ code: 'not_found', message: `session ${id} does not exist` });
    }
    const eveAdmin = await bearer('eve', 'globex', 'admin');
    expect((await call(api, 'GET', `/sessions/${id}`, eveAdmin)).status).toBe(200);

    const bob = await bearer('bob', 'acme', 'user');
    expect((await call(api, 'GET', `/sessions/${id}`, bob)).status).toBe(404);
    expect((await call(api, 'POST', `/sessions/${id}/participants`, bob, { userId: 'bob', role: 'editor' })).status).toBe(404);
    expect((await call(api, 'POST', `/sessions/${id}/participants`, ada, { userId: 'bob', role: 'viewer' })).status).toBe(200);
    expect((await call(api, 'GET', `/sessions/${id}`, bob)).status).toBe(200);
    expect((await call(api, 'DELETE', `/sessions/${id}`, bob)).status).toBe(403);
    expect((await call(api, 'POST', `/sessions/${id}/participants`, bob, { userId: 'carl', role: 'editor' })).status).toBe(403);
    expect((await call(api, 'DELETE', `/sessions/${id}/participants/bob`, bob)).status).toBe(200);

    const operator = { 'x-api-key': OPERATOR_KEY };
    expect((await call(api, 'GET', `/sessions/${id}`, operator)).body.participants).toEqual([{ userId: 'ada', role: 'owner' }]);
    // An operator stops a runaway turn without taking part in the session.
    expect((await call(api, 'POST', `/sessions/${id}/messages`, ada, { text: '::slow 3000' })).status).toBe(202);
    await waitForState(api.pool, id, 'busy');
    expect((await call(api, 'POST', `/sessions/${id}/interrupt`, operator)).body).toEqual({ interrupted: true });
    await waitForState(api.pool, id, 'idle');
    const ended = await call(api, 'DELETE', `/sessions/${id}`, operator);
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ id, state: 'terminated' });
    expect((await call(api, 'GET', `/sessions/${id}`, ada)).body).toMatchObject({ state: 'terminated', endReason: 'terminated by ops-acme' });
  });
});
