import { afterAll, describe, expect, it } from 'vitest';
import { readJwtKeyMaterial, type Config } from '../../config/index.js';
import { createTestKeys, signTestToken, tamperedTestToken, unsignedTestToken } from '../../config/testing/jwt-key-files.js';
import { createJwtVerifier } from './jwt-verifier.js';

const keys = createTestKeys();
afterAll(() => keys.remove());

type Jwt = Config['auth']['jwt'];
const SECRET = 'a-verifier-test-secret-of-enough-bytes';
const hmac = new TextEncoder().encode(SECRET);
const settings = (overrides: Partial<Jwt>): Jwt => ({ algorithm: 'HS256', secret: '', public_key_file: '', jwks_file: '', issuer: '', audience: '', max_lifetime: 3_600_000, ...overrides });
const verifier = async (overrides: Partial<Jwt>, now?: () => number) => {
  const jwt = settings(overrides);
  return createJwtVerifier(jwt, readJwtKeyMaterial(jwt)._unsafeUnwrap(), now);
};
const CLAIMS = { sub: 'ada' };

describe('JWT verifier', () => {
  it('HS256: accepts a good token, refuses expired, unexpiring, too long-lived, tampered, other-key, other-algorithm and unsigned ones', async () => {
    const verify = await verifier({ secret: SECRET });
    expect((await verify(await signTestToken(CLAIMS, { alg: 'HS256', key: hmac })))._unsafeUnwrap()).toMatchObject({ sub: 'ada' });
    const refusals: Array<[string, string]> = [
      [await signTestToken(CLAIMS, { alg: 'HS256', key: hmac, expiresIn: '-1m' }), 'the token has expired'],
      [await signTestToken(CLAIMS, { alg: 'HS256', key: hmac, expiresIn: null }), 'the token has no "exp" claim (tokens must expire)'],
      [await signTestToken(CLAIMS, { alg: 'HS256', key: hmac, expiresIn: '61m' }), 'the token is valid for longer than this server accepts (at most 1h)'],
      [tamperedTestToken(await signTestToken(CLAIMS, { alg: 'HS256', key: hmac })), 'the token is not valid'],
      [await signTestToken(CLAIMS, { alg: 'HS256', key: new TextEncoder().encode('another-secret-of-enough-bytes-too') }), 'the token is not valid'],
      [await signTestToken(CLAIMS, { alg: 'HS512', key: new TextEncoder().encode(SECRET.repeat(2)) }), 'the token is not signed with HS256, the one algorithm this server accepts'],
      [await signTestToken(CLAIMS, { alg: 'RS256', key: keys.rs256.privateKey }), 'the token is not signed with HS256, the one algorithm this server accepts'],
      [unsignedTestToken(CLAIMS), 'the token is not signed with HS256, the one algorithm this server accepts'],
      ['not-a-jwt', 'the token is not valid'],
    ];
    for (const [token, reason] of refusals) expect((await verify(token))._unsafeUnwrapErr(), reason).toBe(reason);
  });

  it('judges the lifetime by exp − iat, or by exp − now when iat is missing or in the future', async () => {
    const now = Date.now();
    const seconds = Math.floor(now / 1000);
    const verify = await verifier({ secret: SECRET, max_lifetime: 600_000 }, () => now);
    const token = (exp: number, iat?: number) => signTestToken({ ...CLAIMS, exp, ...(iat === undefined ? {} : { iat }) }, { alg: 'HS256', key: hmac, expiresIn: null });
    expect((await verify(await token(seconds + 600))).isOk()).toBe(true);
    expect((await verify(await token(seconds + 300, seconds - 300))).isOk()).toBe(true);
    // Issued 20 minutes ago for 25 minutes: only 5 left, but its lifetime is longer than 10 minutes.
    expect((await verify(await token(seconds + 300, seconds - 1200)))._unsafeUnwrapErr()).toContain('valid for longer');
    expect((await verify(await token(seconds + 601)))._unsafeUnwrapErr()).toContain('valid for longer');
    // A future iat cannot shorten what is left.
    expect((await verify(await token(seconds + 3600, seconds + 3300)))._unsafeUnwrapErr()).toContain('valid for longer');
  });

  it('checks iss and aud when configured', async () => {
    const verify = await verifier({ secret: SECRET, issuer: 'https://idp.example', audience: 'aicli' });
    const sign = (issuer?: string, audience?: string) => signTestToken(CLAIMS, { alg: 'HS256', key: hmac, ...(issuer === undefined ? {} : { issuer }), ...(audience === undefined ? {} : { audience }) });
    expect((await verify(await sign('https://idp.example', 'aicli'))).isOk()).toBe(true);
    expect((await verify(await sign('https://evil.example', 'aicli')))._unsafeUnwrapErr()).toBe('the token\'s claims are not accepted (iss)');
    expect((await verify(await sign('https://idp.example', 'other-service')))._unsafeUnwrapErr()).toBe('the token\'s claims are not accepted (aud)');
    expect((await verify(await sign(undefined, 'aicli')))._unsafeUnwrapErr()).toBe('the token has no "iss" claim');
    expect((await verify(await sign('https://idp.example')))._unsafeUnwrapErr()).toBe('the token has no "aud" claim');
  });

  it('RS256 with a PEM key: accepts its tokens, refuses the key-confusion HS256 token signed with the public key, alg none and ES256', async () => {
    const verify = await verifier({ algorithm: 'RS256', public_key_file: keys.rs256.pemFile });
    expect((await verify(await signTestToken(CLAIMS, { alg: 'RS256', key: keys.rs256.privateKey })))._unsafeUnwrap()).toMatchObject({ sub: 'ada' });
    const publicPem = new TextEncoder().encode(keys.rs256.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const wrongAlgorithm = 'the token is not signed with RS256, the one algorithm this server accepts';
    expect((await verify(await signTestToken(CLAIMS, { alg: 'HS256', key: publicPem })))._unsafeUnwrapErr()).toBe(wrongAlgorithm);
    expect((await verify(unsignedTestToken(CLAIMS)))._unsafeUnwrapErr()).toBe(wrongAlgorithm);
    expect((await verify(await signTestToken(CLAIMS, { alg: 'ES256', key: keys.es256.privateKey })))._unsafeUnwrapErr()).toBe(wrongAlgorithm);
    expect((await verify(tamperedTestToken(await signTestToken(CLAIMS, { alg: 'RS256', key: keys.rs256.privateKey }))))._unsafeUnwrapErr()).toBe('the token is not valid');
    expect((await verify(await signTestToken(CLAIMS, { alg: 'RS256', key: keys.rs256.privateKey, expiresIn: null })))._unsafeUnwrapErr()).toBe('the token has no "exp" claim (tokens must expire)');
  });

  it('ES256 with a JWKS file: picks the key by kid, refuses unknown kids and other algorithms', async () => {
    const verify = await verifier({ algorithm: 'ES256', jwks_file: keys.es256.jwksFile });
    expect((await verify(await signTestToken(CLAIMS, { alg: 'ES256', key: keys.es256.privateKey, kid: keys.es256.kid })))._unsafeUnwrap()).toMatchObject({ sub: 'ada' });
    expect((await verify(await signTestToken(CLAIMS, { alg: 'ES256', key: keys.es256.privateKey })))._unsafeUnwrap()).toMatchObject({ sub: 'ada' });
    expect((await verify(await signTestToken(CLAIMS, { alg: 'ES256', key: keys.es256.privateKey, kid: 'other' })))._unsafeUnwrapErr()).toBe('no key of the server\'s key set matches the token');
    expect((await verify(await signTestToken(CLAIMS, { alg: 'RS256', key: keys.rs256.privateKey, kid: keys.es256.kid })))._unsafeUnwrapErr()).toBe('the token is not signed with ES256, the one algorithm this server accepts');
    expect((await verify(unsignedTestToken(CLAIMS)))._unsafeUnwrapErr()).toBe('the token is not signed with ES256, the one algorithm this server accepts');
  });

  it('with no key configured, refuses every JWT', async () => {
    const verify = await verifier({});
    expect((await verify(await signTestToken(CLAIMS, { alg: 'HS256', key: hmac })))._unsafeUnwrapErr()).toBe('JWTs are not accepted by this server (no auth.jwt key is configured)');
  });
});
