/**
 * End-to-end rate limits of REST requests (`security.rate_limits.rest`) on a real server on loopback: per remote
 * address before anything else (429 `rate_limited` with `retry-after`, the connection kept), per caller once
 * authenticated; health and metrics stay reachable; refusals are counted; the defaults leave ordinary use alone.
 * Rates are tiny (one token per 100 s), so the outcome does not depend on how fast the test runs.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiServer, type ApiServer } from '../../src/server/api.js';
import { healthRoutes } from '../../src/server/routes/health.js';
import { startTestApi } from '../support/api-server.js';
import { callApi } from '../support/rest.js';

const SLOW = 0.01;
const OFF = { rate: 0, burst: 1 };
const limits = (rest: Record<string, { rate: number; burst: number }>) => ({
  'security.rate_limits.rest': JSON.stringify({ per_principal: OFF, per_address: OFF, ...rest }),
});
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const servers: ApiServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.ws.close();
    await server.http.close();
  }
});

/** A server as `serve` builds it (with the health route) over a test API's dependencies, configured by `overrides`. */
async function startWithHealth(overrides: Record<string, string | number | boolean>): Promise<{ url: string }> {
  const api = await startTestApi(overrides);
  const server = createApiServer(api.deps, healthRoutes({ version: '9.9.9', profile: 'basic', startedAt: new Date(), probes: [] }));
  servers.push(server);
  return { url: (await server.http.listen())._unsafeUnwrap().url };
}

describe('REST rate limits', () => {
  it('refuses an address over its limit with 429 rate_limited and retry-after, while health and metrics still answer', async () => {
    const api = await startWithHealth(limits({ per_address: { rate: SLOW, burst: 3 } }));
    for (let i = 0; i < 3; i++) expect((await callApi(api, 'GET', '/sessions')).status).toBe(200);
    const refused = await fetch(`${api.url}/api/v1/sessions`, { headers: { 'x-user-id': 'ada' } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('100');
    expect(await refused.json()).toEqual({
      error: {
        code: 'rate_limited',
        message: 'too many requests from this address; retry in 100s',
        details: { transport: 'rest', scope: 'address', retryAfterMs: expect.any(Number) },
      },
    });
    // Unknown routes and preflights are requests too.
    expect((await callApi(api, 'GET', '/nowhere')).body.error.code).toBe('rate_limited');
    // Operators' probes are exempt from the per-address limit.
    for (let i = 0; i < 5; i++) expect((await fetch(`${api.url}/api/v1/health`)).status).toBe(200);
    const metrics = await fetch(`${api.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/aicli_rate_limited_total\{transport="rest",scope="address"\} 2/);
  });

  it('limits each authenticated caller apart; failed authentications count against the address only', async () => {
    const api = await startTestApi({
      ...limits({ per_principal: { rate: SLOW, burst: 2 } }),
      'auth.enabled': true,
      'auth.api_keys': JSON.stringify([
        { id: 'ops-a', key_sha256: sha256('key-a'), role: 'operator', tenant: 'acme' },
        { id: 'ops-b', key_sha256: sha256('key-b'), role: 'operator', tenant: 'acme' },
      ]),
    });
    const get = (headers: Record<string, string>) => fetch(`${api.url}/api/v1/session-pool/status`, { headers });
    expect((await get({ 'x-api-key': 'key-a' })).status).toBe(200);
    expect((await get({ 'x-api-key': 'key-a' })).status).toBe(200);
    const refused = await get({ 'x-api-key': 'key-a' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('100');
    expect(((await refused.json()) as { error: unknown }).error).toMatchObject({ code: 'rate_limited', details: { scope: 'principal' } });
    expect((await get({ 'x-api-key': 'key-b' })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await get({ 'x-api-key': 'wrong' })).status).toBe(401);
    // The scraper's key is a caller like any other: its metrics scrape is limited per caller, not per address.
    expect((await fetch(`${api.url}/metrics`, { headers: { 'x-api-key': 'key-a' } })).status).toBe(429);
    const metrics = await fetch(`${api.url}/metrics`, { headers: { 'x-api-key': 'key-b' } });
    expect(await metrics.text()).toMatch(/aicli_rate_limited_total\{transport="rest",scope="principal"\} 2/);
  });

  it('the defaults let a busy client through: 300 requests in a burst, none refused', async () => {
    const api = await startTestApi();
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      statuses.push(...(await Promise.all(Array.from({ length: 30 }, () => callApi(api, 'GET', '/sessions')))).map((reply) => reply.status));
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });
});
