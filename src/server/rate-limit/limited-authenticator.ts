/**
 * The per-caller limit of REST requests, applied where the caller becomes known: an {@link Authenticator} whose
 * `fromHeaders` refuses an authenticated caller over its limit with `rate_limited`. Routes are built with it;
 * the WebSocket endpoint keeps the plain authenticator (its connections and frames have limits of their own).
 */
import { err } from 'neverthrow';
import type { Authenticator } from '../auth/index.js';
import { rateLimitedError, type TransportLimits } from './rate-limits.js';

/** `auth`, with each identity `fromHeaders` establishes checked against `limits.principal`. */
export function limitedAuthenticator(auth: Authenticator, limits: TransportLimits): Authenticator {
  // Every argument and the optional `denied` are passed on: the audit log hears of refusals through them.
  const limited: Authenticator = {
    enabled: auth.enabled,
    fromToken: (token, open, origin) => auth.fromToken(token, open, origin),
    async fromHeaders(headers, origin) {
      const identity = await auth.fromHeaders(headers, origin);
      if (identity.isErr()) return identity;
      const refused = limits.principal(identity.value);
      return refused === null ? identity : err(rateLimitedError(refused));
    },
  };
  const denied = auth.denied;
  return denied === undefined ? limited : { ...limited, denied: (identity, error, origin) => denied.call(auth, identity, error, origin) };
}
