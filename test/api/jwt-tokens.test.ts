/**
 * JWT policy end to end, over REST and the WebSocket upgrade and `hello`: an RS256 server refuses expired tokens,
 * tokens without `exp` or valid for too long, the wrong audience or issuer, another algorithm, `alg: none`, a
 * tampered payload and an HS256 token signed with its own public key (key confusion), each with 401 `unauthorized`
 * and its reason; an ES256 server reads its keys from a JWKS file. An HS256 server refuses a token without `exp`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTestKeys, signTestToken, tamperedTestToken, unsignedTestToken } from '../../src/config/testing/jwt-key-files.js';
import { startTestApi, type TestApi } from '../support/api-server.js';
import { WsClient } from '../ws/ws-client.js';

const keys = createTestKeys();
afterAll(() => keys.remove());

const WS_PATH = '/api/v1/ws';
const ISSUER = 'https://idp.example';
const AUDIENCE = 'aicli';
const RS256 = {
  'auth.enabled': true,
  'auth.jwt.algorithm': 'RS256',
  'auth.jwt.public_key_file': keys.rs256.pemFile,
  'auth.jwt.issuer': ISSUER,
  'auth.jwt.audience': AUDIENCE,
  'auth.jwt.max_lifetime': '15m',
};
const CLAIMS = { sub: 'ada', tenant: 'acme', role: 'operator' };
const rs256 = (options: { expiresIn?: string | null; issuer?: string; audience?: string } = {}) =>
  signTestToken(CLAIMS, { alg: 'RS256', key: keys.rs256.privateKey, issuer: ISSUER, audience: AUDIENCE, ...options });

async function restStatus(api: TestApi, token: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${api.url}/api/v1/session-pool/status`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

const WRONG_ALGORITHM = 'the token is not signed with RS256, the one algorithm this server accepts';
const badTokens = async (): Promise<Array<[string, string]>> => {
  const publicPem = new TextEncoder().encode(keys.rs256.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  return [
    [await rs256({ expiresIn: '-1m' }), 'the token has expired'],
    [await rs256({ expiresIn: null }), 'the token has no "exp" claim (tokens must expire)'],
    [await rs256({ expiresIn: '16m' }), 'the token is valid for longer than this server accepts (at most 15m)'],
    [await rs256({ audience: 'another-service' }), 'the token\'s claims are not accepted (aud)'],
    [await rs256({ issuer: 'https://evil.example' }), 'the token\'s claims are not accepted (iss)'],
    [await signTestToken(CLAIMS, { alg: 'ES256', key: keys.es256.privateKey, issuer: ISSUER, audience: AUDIENCE }), WRONG_ALGORITHM],
    [unsignedTestToken({ ...CLAIMS, iss: ISSUER, aud: AUDIENCE }), WRONG_ALGORITHM],
    [await signTestToken(CLAIMS, { alg: 'HS256', key: publicPem, issuer: ISSUER, audience: AUDIENCE }), WRONG_ALGORITHM],
    [tamperedTestToken(await rs256()), 'the token is not valid'],
  ];
};

describe('JWT policy over REST', () => {
  it('an RS256 server accepts a good token and refuses every bad one with 401 and its reason', async () => {
    const api = await startTestApi(RS256);
    expect((await restStatus(api, await rs256())).status).toBe(200);
    for (const [token, message] of await badTokens()) {
      expect(await restStatus(api, token), message).toEqual({ status: 401, body: { error: { code: 'unauthorized', message } } });
    }
  });

  it('an ES256 server verifies with its JWKS file', async () => {
    const api = await startTestApi({ 'auth.enabled': true, 'auth.jwt.algorithm': 'ES256', 'auth.jwt.jwks_file': keys.es256.jwksFile });
    const good = await signTestToken(CLAIMS, { alg: 'ES256', key: keys.es256.privateKey, kid: keys.es256.kid });
    expect((await restStatus(api, good)).status).toBe(200);
    const unknownKid = await signTestToken(CLAIMS, { alg: 'ES256', key: keys.es256.privateKey, kid: 'retired' });
    expect(await restStatus(api, unknownKid)).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: 'no key of the server\'s key set matches the token' } } });
  });

  it('an HS256 server refuses a token without exp (regression: it was accepted for ever)', async () => {
    const secret = 'an-hs256-secret-long-enough-for-the-rule';
    const api = await startTestApi({ 'auth.enabled': true, 'auth.jwt.secret': secret });
    const forever = await signTestToken(CLAIMS, { alg: 'HS256', key: new TextEncoder().encode(secret), expiresIn: null });
    expect(await restStatus(api, forever)).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: 'the token has no "exp" claim (tokens must expire)' } } });
  });
});

describe('JWT policy over the WebSocket', () => {
  it('refuses bad tokens on the upgrade with 401 and in hello with error + 4001, and welcomes a good one', async () => {
    const api = await startTestApi(RS256);
    const good = await WsClient.hello(`${api.wsUrl}${WS_PATH}`, { token: await rs256() });
    expect(good.frames[0]).toMatchObject({ type: 'welcome', userId: 'ada', tenant: 'acme', role: 'operator' });
    good.close();
    for (const [token, message] of await badTokens()) {
      const refused = await WsClient.open(`${api.wsUrl}${WS_PATH}`, { headers: { authorization: `Bearer ${token}` } }).then(
        () => null,
        (error: { status: number; body: string }) => error,
      );
      expect(refused?.status, message).toBe(401);
      expect(JSON.parse(refused?.body ?? '{}')).toEqual({ error: { code: 'unauthorized', message } });
      const hello = await WsClient.hello(`${api.wsUrl}${WS_PATH}`, { token });
      expect(hello.frames[0], message).toMatchObject({ type: 'error', code: 'unauthorized', message });
      expect(await hello.closed).toEqual({ code: 4001, reason: 'unauthorized' });
    }
  });
});
