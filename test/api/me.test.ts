/** `GET /api/v1/me`: the caller as the server knows them, for the console's sign-in; no credentials, no answer. */
import { describe, expect, it } from 'vitest';
import { startTestApi } from '../support/api-server.js';
import { AUTH_ON, bearerOf, callWith } from '../support/auth-api.js';

describe('GET /api/v1/me', () => {
  it('says who the caller is, their tenant, role and its permissions', async () => {
    const api = await startTestApi(AUTH_ON);
    const me = await callWith(api, 'GET', '/me', await bearerOf('ada', 'acme', 'operator'));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ userId: 'ada', tenant: 'acme', role: 'operator', via: 'jwt', permissions: expect.arrayContaining(['sessions:read', 'status:read']) });
    expect(me.body.permissions).not.toContain('tenants:all');
    expect((await callWith(api, 'GET', '/me', {})).status).toBe(401);
    expect((await callWith(api, 'GET', '/me', { 'x-api-key': 'nope' })).body.error.code).toBe('unauthorized');
  });
});
