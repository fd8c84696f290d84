/**
 * The rate limits of `security.rate_limits`: for REST requests, new WebSocket connections and WebSocket `send`
 * frames, one token bucket per caller (principal) and one per remote address. A check takes a token and answers
 * `null`, or says which limit refused and when to come back; the caller turns that into a 429 or an error frame
 * with {@link rateLimitedError}. Every refusal is counted through `onRefused` (`aicli_rate_limited_total`).
 */
import type { Config } from '../../config/index.js';
import type { RateLimitedScope, RateLimitedTransport } from '../../observability/metrics.js';
import type { Clock } from '../../runtime/index.js';
import type { Identity } from '../auth/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from '../errors.js';
import { TokenBuckets } from './token-buckets.js';

/** Which limit refused, and in how many ms a retry would pass it. */
export interface RateLimitRefusal {
  readonly transport: RateLimitedTransport;
  readonly scope: RateLimitedScope;
  readonly retryAfterMs: number;
}

/** The limits of one kind of traffic. Each check takes a token: `null` when it passes. */
export interface TransportLimits {
  /** Checks the caller's limit. */
  principal(identity: Identity): RateLimitRefusal | null;
  /** Checks the remote address's limit. */
  address(address: string): RateLimitRefusal | null;
  /** Checks the caller's limit, then (if it passed) the address's. */
  both(identity: Identity, address: string): RateLimitRefusal | null;
}

/** The limits of every kind of traffic. */
export interface RateLimits {
  readonly rest: TransportLimits;
  readonly ws_connect: TransportLimits;
  readonly ws_send: TransportLimits;
}

type Settings = Config['security']['rate_limits'];
type LimitSetting = Settings['rest']['per_address'];

// A connection keeps its identity object: its key is built (and hashed by the Map) once, not on every frame.
const principalKeys = new WeakMap<Identity, string>();

/** The bucket key of a caller: how it authenticated, its tenant and its id (an API key id or a JWT subject). */
export function principalKey(identity: Identity): string {
  let key = principalKeys.get(identity);
  if (key === undefined) {
    key = `${identity.via}\u0000${identity.tenant}\u0000${identity.userId}`;
    principalKeys.set(identity, key);
  }
  return key;
}

/** Builds the limits of `settings`, reading the time from `clock`; `onRefused` counts each refusal. */
export function createRateLimits(settings: Settings, clock: Clock, onRefused: (transport: RateLimitedTransport, scope: RateLimitedScope) => void = () => {}): RateLimits {
  const transport = (name: RateLimitedTransport): TransportLimits => {
    const limits = settings[name];
    const check = (scope: RateLimitedScope, limit: LimitSetting): ((key: string) => RateLimitRefusal | null) => {
      if (!settings.enabled || limit.rate === 0) return () => null;
      const buckets = new TokenBuckets({ ratePerSecond: limit.rate, burst: limit.burst, maxKeys: settings.max_keys }, clock.now());
      return (key) => {
        const retryAfterMs = buckets.take(key, clock.now());
        if (retryAfterMs === 0) return null;
        onRefused(name, scope);
        return { transport: name, scope, retryAfterMs };
      };
    };
    const byPrincipal = check('principal', limits.per_principal);
    const byAddress = check('address', limits.per_address);
    return {
      principal: (identity) => byPrincipal(principalKey(identity)),
      address: byAddress,
      both: (identity, address) => byPrincipal(principalKey(identity)) ?? byAddress(address),
    };
  };
  return { rest: transport('rest'), ws_connect: transport('ws_connect'), ws_send: transport('ws_send') };
}

const WHAT: Readonly<Record<RateLimitedTransport, string>> = { rest: 'requests', ws_connect: 'new connections', ws_send: 'send frames' };

/**
 * The `rate_limited` error of a refusal: `retry-after` in whole seconds (at least 1) as a header for HTTP, and
 * `retryAfterMs` with the transport and scope in `details` (what a WebSocket error frame carries).
 */
export function rateLimitedError(refusal: RateLimitRefusal): ApiError {
  const seconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
  const whose = refusal.scope === 'address' ? 'this address' : 'this caller';
  return apiError(
    API_ERROR_CODES.rateLimited,
    `too many ${WHAT[refusal.transport]} from ${whose}; retry in ${seconds}s`,
    { transport: refusal.transport, scope: refusal.scope, retryAfterMs: refusal.retryAfterMs },
    { 'retry-after': String(seconds) },
  );
}
