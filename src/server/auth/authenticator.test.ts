import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../config/index.js';
import { openAuthenticator } from './authenticator.js';
import { can, PERMISSION, seesTenant } from './identity.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const KEY = 'ak_test_0123456789';
const auth = (overrides: Partial<Config['auth']> = {}): Config['auth'] => ({
  enabled: true,
  jwt: { algorithm: 'HS256', secret: SECRET, public_key_file: '', jwks_file: '', issuer: 'aicli-test', audience: 'aicli', max_lifetime: 3_600_000 },
  api_keys: [{ id: 'ci-bot', key_sha256: createHash('sha256').update(KEY).digest('hex'), role: 'operator', tenant: 'acme' }],
  ...overrides,
});
const jwt = (claims: Record<string, unknown>, options: { issuer?: string; expires?: string | null; secret?: string } = {}) => {
  const token = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(options.issuer ?? 'aicli-test').setAudience('aicli');
  if (options.expires !== null) token.setExpirationTime(options.expires ?? '1h');
  return token.sign(new TextEncoder().encode(options.secret ?? SECRET));
};
const createAuthenticator = async (config: Config['auth']) => (await openAuthenticator(config))._unsafeUnwrap();

describe('authenticator', () => {
  it('with auth off, callers name themselves and are admins of their tenant', async () => {
    const open = await createAuthenticator(auth({ enabled: false }));
    expect((await open.fromHeaders({}))._unsafeUnwrap()).toEqual({ userId: 'anonymous', tenant: 'default', role: 'admin', via: 'open' });
    expect((await open.fromHeaders({ 'x-user-id': 'ada', 'x-tenant-id': 'acme' }))._unsafeUnwrap()).toMatchObject({ userId: 'ada', tenant: 'acme' });
    expect((await open.fromHeaders({ 'x-tenant-id': '../etc' }))._unsafeUnwrapErr()).toMatchObject({ code: 'bad_request' });
  });

  it('accepts a configured API key and refuses unknown ones', async () => {
    const authenticator = await createAuthenticator(auth());
    expect((await authenticator.fromHeaders({ 'x-api-key': KEY }))._unsafeUnwrap()).toEqual({ userId: 'ci-bot', tenant: 'acme', role: 'operator', via: 'api_key' });
    expect((await authenticator.fromHeaders({ 'x-api-key': 'nope' }))._unsafeUnwrapErr()).toMatchObject({ code: 'unauthorized', message: 'unknown API key' });
    expect((await authenticator.fromToken(KEY))._unsafeUnwrap().userId).toBe('ci-bot');
  });

  it('accepts a valid HS256 JWT with its sub, tenant and role, and refuses bad ones with a reason', async () => {
    const authenticator = await createAuthenticator(auth());
    const good = await jwt({ sub: 'ada', tenant: 'acme', role: 'user' });
    expect((await authenticator.fromHeaders({ authorization: `Bearer ${good}` }))._unsafeUnwrap()).toEqual({ userId: 'ada', tenant: 'acme', role: 'user', via: 'jwt' });
    expect((await authenticator.fromToken(good))._unsafeUnwrap().userId).toBe('ada');
    const cases: Array<[Promise<string>, string]> = [
      [jwt({ sub: 'ada' }, { expires: '-1m' }), 'the token has expired'],
      [jwt({ sub: 'ada' }, { issuer: 'someone-else' }), 'the token\'s claims are not accepted (iss)'],
      [jwt({ sub: 'ada' }, { secret: 'another-secret-another-secret-another' }), 'the token is not valid'],
      [jwt({ sub: 'ada', role: 'root' }), 'the token\'s "role" claim is not admin, operator, user or viewer'],
      [jwt({ tenant: 'acme' }), 'the token has no valid "sub" claim'],
      // Regression: a token without exp used to be accepted for ever.
      [jwt({ sub: 'ada' }, { expires: null }), 'the token has no "exp" claim (tokens must expire)'],
      [jwt({ sub: 'ada' }, { expires: '2h' }), 'the token is valid for longer than this server accepts (at most 1h)'],
    ];
    for (const [token, message] of cases) {
      expect((await authenticator.fromHeaders({ authorization: `Bearer ${await token}` }))._unsafeUnwrapErr()).toEqual({ code: 'unauthorized', message });
    }
    expect((await authenticator.fromHeaders({}))._unsafeUnwrapErr()).toMatchObject({ code: 'unauthorized' });
  });

  it('grants permissions by role and isolates tenants', () => {
    const user = { userId: 'u', tenant: 'acme', role: 'user', via: 'jwt' } as const;
    expect(can(user, PERMISSION.useSessions)).toBe(true);
    expect(can(user, PERMISSION.manageSessions)).toBe(false);
    expect(can({ ...user, role: 'viewer' }, PERMISSION.useSessions)).toBe(false);
    expect(can({ ...user, role: 'operator' }, PERMISSION.readStatus)).toBe(true);
    expect(seesTenant(user, 'acme')).toBe(true);
    expect(seesTenant(user, 'globex')).toBe(false);
    expect(seesTenant({ ...user, role: 'admin' }, 'globex')).toBe(true);
  });
});
