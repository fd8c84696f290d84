/**
 * `/api/v1/api-keys` end to end: an admin creates a key (shown once), it works at once over REST and WebSocket, it
 * is listed by its last four characters; revoking it refuses it over REST from the answer on and closes the
 * WebSocket connections it opened (4001 `api key revoked`). Non-admins are refused (403); errors are typed.
 */
import { describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { AUTH_WITH_KEYS, callWith, TEST_API_KEYS, type AuthReply } from '../support/auth-api.js';
import { WsClient } from '../ws/ws-client.js';

const { admin: ADMIN_KEY, operator: OPERATOR_KEY } = TEST_API_KEYS;

const call = (api: TestApi, key: string, method: string, path: string, body?: unknown): Promise<AuthReply> => callWith(api, method, path, { 'x-api-key': key }, body);

describe('api keys over REST', () => {
  it('create, use, list, revoke: the revoked key is refused at once and its WebSocket is closed', async () => {
    const api = await startTestApi(AUTH_WITH_KEYS);
    const created = await call(api, ADMIN_KEY, 'POST', '/api-keys', { name: 'ci-bot', role: 'user', tenant: 'acme' });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^aik_[A-Za-z0-9_-]{43}$/);
    expect(created.body.apiKey).toMatchObject({ name: 'ci-bot', role: 'user', tenant: 'acme', prefix: 'aik_', last4: key.slice(-4), createdBy: 'root', revoked: false, revokedAt: null });
    const id: string = created.body.apiKey.id;

    // The new key works at once, as the user it names.
    const session = await call(api, key, 'POST', '/sessions', {});
    expect(session.status).toBe(201);
    expect(session.body.session).toMatchObject({ owner: 'ci-bot', tenant: 'acme' });

    const listed = await call(api, ADMIN_KEY, 'GET', '/api-keys');
    expect(listed.status).toBe(200);
    expect(listed.body.apiKeys).toEqual([created.body.apiKey]);
    expect(JSON.stringify(listed.body)).not.toContain(key);

    const ws = await WsClient.hello(`${api.wsUrl}/api/v1/ws`, { token: key });
    expect(ws.frames[0]).toMatchObject({ type: 'welcome' });
    const bystander = await WsClient.hello(`${api.wsUrl}/api/v1/ws`, { token: OPERATOR_KEY });

    const revoked = await call(api, ADMIN_KEY, 'DELETE', `/api-keys/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.apiKey).toMatchObject({ id, revoked: true, revokedAt: expect.any(Number) });
    expect(await call(api, key, 'GET', `/sessions/${session.body.session.id}`)).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: 'this API key has been revoked' } } });
    expect(await ws.closed).toEqual({ code: 4001, reason: 'api key revoked' });
    expect(api.server.ws.status().dropped).toMatchObject({ api_key_revoked: 1 });
    expect(bystander.socket.readyState).toBe(bystander.socket.OPEN);
    bystander.close();
    await expect(WsClient.open(`${api.wsUrl}/api/v1/ws?token=${key}`)).rejects.toMatchObject({ status: 401 });

    expect((await call(api, ADMIN_KEY, 'DELETE', `/api-keys/${id}`)).body.error).toMatchObject({ code: 'conflict', message: `API key ${id} is already revoked` });
    expect((await call(api, ADMIN_KEY, 'GET', '/api-keys')).body.apiKeys[0]).toMatchObject({ id, revoked: true });
  });

  it('is for admins only (403), answers 404 for unknown keys and 400 for bad requests', async () => {
    const api = await startTestApi(AUTH_WITH_KEYS);
    for (const [method, path] of [['GET', '/api-keys'], ['POST', '/api-keys'], ['DELETE', '/api-keys/key_x']] as const) {
      const reply = await call(api, OPERATOR_KEY, method, path, method === 'POST' ? { name: 'x', role: 'admin' } : undefined);
      expect(reply.status, `${method} ${path}`).toBe(403);
      expect(reply.body.error.code).toBe('forbidden');
    }
    expect((await call(api, 'aik_unknown', 'GET', '/api-keys')).status).toBe(401);
    expect((await call(api, ADMIN_KEY, 'DELETE', '/api-keys/key_nope')).body).toEqual({ error: { code: 'not_found', message: 'no API key key_nope' } });
    const badRole = await call(api, ADMIN_KEY, 'POST', '/api-keys', { name: 'x', role: 'root' });
    expect(badRole.status).toBe(400);
    expect(badRole.body.error.code).toBe('validation_failed');
    expect((await call(api, ADMIN_KEY, 'POST', '/api-keys', { name: '../x', role: 'user' })).status).toBe(400);
    expect((await call(api, ADMIN_KEY, 'POST', '/api-keys', { name: 'x', role: 'user', extra: 1 })).status).toBe(400);
  });
});
