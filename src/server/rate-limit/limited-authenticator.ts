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
  return {
    enabled: auth.enabled,
    fromToken: (token, open) => auth.fromToken(token, open),
    async fromHeaders(headers) {
      const identity = await auth.fromHeaders(headers);
      if (identity.isErr()) return identity;
      const refused = limits.principal(identity.value);
      return refused === null ? identity : err(rateLimitedError(refused));
    },
  };
}
