import { describe, expect, it } from 'vitest';
import { err, ok } from 'neverthrow';
import type { Config } from '../../config/index.js';
import type { Authenticator, Identity } from '../auth/index.js';
import { createRateLimits, rateLimitedError } from './rate-limits.js';
import { limitedAuthenticator } from './limited-authenticator.js';

type Settings = Config['security']['rate_limits'];
const off = { rate: 0, burst: 1 };
const settings = (overrides: Partial<Settings> = {}): Settings => ({
  enabled: true,
  max_keys: 100,
  rest: { per_principal: { rate: 1, burst: 2 }, per_address: { rate: 10, burst: 3 } },
  ws_connect: { per_principal: off, per_address: off },
  ws_send: { per_principal: { rate: 1, burst: 1 }, per_address: { rate: 1, burst: 1 } },
  ...overrides,
});
const alice: Identity = { userId: 'alice', tenant: 't1', role: 'user', via: 'api_key' };
const aliceElsewhere: Identity = { ...alice, tenant: 't2' };

function manualClock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('createRateLimits', () => {
  it('limits each caller and each address apart, on the injected clock, and counts refusals', () => {
    const clock = manualClock();
    const refused: string[] = [];
    const limits = createRateLimits(settings(), clock, (transport, scope) => refused.push(`${transport}/${scope}`));
    expect(limits.rest.principal(alice)).toBeNull();
    expect(limits.rest.principal(alice)).toBeNull();
    expect(limits.rest.principal(alice)).toEqual({ transport: 'rest', scope: 'principal', retryAfterMs: 1_000 });
    // The same user id in another tenant is another caller.
    expect(limits.rest.principal(aliceElsewhere)).toBeNull();
    for (let i = 0; i < 3; i++) expect(limits.rest.address('10.0.0.1')).toBeNull();
    expect(limits.rest.address('10.0.0.1')).toMatchObject({ scope: 'address', retryAfterMs: 100 });
    expect(limits.rest.address('10.0.0.2')).toBeNull();
    clock.advance(1_000);
    expect(limits.rest.principal(alice)).toBeNull();
    expect(refused).toEqual(['rest/principal', 'rest/address']);
  });

  it('`both` checks the caller first, then the address', () => {
    const limits = createRateLimits(settings(), manualClock());
    expect(limits.ws_send.both(alice, 'a')).toBeNull();
    expect(limits.ws_send.both(alice, 'b')).toMatchObject({ transport: 'ws_send', scope: 'principal' });
    expect(limits.ws_send.both(aliceElsewhere, 'a')).toMatchObject({ transport: 'ws_send', scope: 'address' });
  });

  it('rate 0 turns a limit off; enabled: false turns them all off', () => {
    const unlimited = createRateLimits(settings(), manualClock());
    for (let i = 0; i < 1_000; i++) expect(unlimited.ws_connect.both(alice, 'a')).toBeNull();
    const disabled = createRateLimits(settings({ enabled: false }), manualClock());
    for (let i = 0; i < 1_000; i++) expect(disabled.rest.both(alice, 'a')).toBeNull();
  });
});

describe('rateLimitedError', () => {
  it('is a 429 rate_limited with retry-after in whole seconds (at least 1) and the wait in details', () => {
    expect(rateLimitedError({ transport: 'ws_send', scope: 'address', retryAfterMs: 1_200 })).toEqual({
      code: 'rate_limited',
      message: 'too many send frames from this address; retry in 2s',
      details: { transport: 'ws_send', scope: 'address', retryAfterMs: 1_200 },
      headers: { 'retry-after': '2' },
    });
    expect(rateLimitedError({ transport: 'rest', scope: 'principal', retryAfterMs: 5 }).headers).toEqual({ 'retry-after': '1' });
  });
});

describe('limitedAuthenticator', () => {
  it('refuses an authenticated caller over its limit, and passes failures through untouched', async () => {
    const inner: Authenticator = {
      enabled: true,
      fromHeaders: async (headers) => (headers['x-api-key'] === 'good' ? ok(alice) : err({ code: 'unauthorized', message: 'no' } as const)),
      fromToken: async () => ok(alice),
    };
    const auth = limitedAuthenticator(inner, createRateLimits(settings(), manualClock()).rest);
    expect((await auth.fromHeaders({ 'x-api-key': 'good' })).isOk()).toBe(true);
    expect((await auth.fromHeaders({ 'x-api-key': 'good' })).isOk()).toBe(true);
    expect((await auth.fromHeaders({ 'x-api-key': 'good' }))._unsafeUnwrapErr()).toMatchObject({ code: 'rate_limited', headers: { 'retry-after': '1' } });
    // Failed authentications are not the caller's: they count against the address (in the router) only.
    for (let i = 0; i < 5; i++) expect((await auth.fromHeaders({}))._unsafeUnwrapErr().code).toBe('unauthorized');
    // Tokens (WebSocket hello) are not REST requests.
    for (let i = 0; i < 5; i++) expect((await auth.fromToken('t')).isOk()).toBe(true);
  });

  it('passes the origin and the permission refusals on to the authenticator it wraps (the audit log hears of them there)', async () => {
    const origins: unknown[] = [];
    const denials: string[] = [];
    const inner: Authenticator = {
      enabled: true,
      fromHeaders: async (_headers, origin) => (origins.push(origin), ok(alice)),
      fromToken: async (_token, _open, origin) => (origins.push(origin), ok(alice)),
      denied: (identity, error) => void denials.push(`${identity.userId}:${error.code}`),
    };
    const auth = limitedAuthenticator(inner, createRateLimits(settings(), manualClock()).rest);
    await auth.fromHeaders({ 'x-api-key': 'good' }, { requestId: 'r1', remoteAddress: '10.0.0.1' });
    await auth.fromToken('t', undefined, { requestId: 'r2' });
    auth.denied?.(alice, { code: 'forbidden', message: 'no' });
    expect(origins).toEqual([{ requestId: 'r1', remoteAddress: '10.0.0.1' }, { requestId: 'r2' }]);
    expect(denials).toEqual([`${alice.userId}:forbidden`]);
  });
});
