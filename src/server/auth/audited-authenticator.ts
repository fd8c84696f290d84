/**
 * An {@link Authenticator} that reports to the audit log: every refused credential (`auth.failed`, with the
 * address and reason, never the credential; the writer coalesces a flood per address and second) and every
 * refusal for a missing permission (`access.denied`). It decides nothing itself.
 */
import type { Result } from 'neverthrow';
import { AUDIT_ACTION } from '../../../machines/index.js';
import type { AuditRecorder } from '../../audit/index.js';
import { audited, deniedBy } from '../audit-entry.js';
import type { ApiError } from '../errors.js';
import type { Authenticator, AuthOrigin } from './authenticator.js';
import type { Identity } from './identity.js';

const routeOf = (origin: AuthOrigin | undefined): { route?: string } => (origin?.path === undefined ? {} : { route: `${origin.method ?? ''} ${origin.path}`.trim() });

/** `auth`, with its refusals recorded to `audit`. */
export function auditedAuthenticator(auth: Authenticator, audit: AuditRecorder): Authenticator {
  const checked = async (decided: Promise<Result<Identity, ApiError>>, origin: AuthOrigin | undefined): Promise<Result<Identity, ApiError>> => {
    const result = await decided;
    if (result.isErr()) audit.record(audited(AUDIT_ACTION.authFailed, null, origin, {}, deniedBy(result.error)));
    return result;
  };
  return {
    enabled: auth.enabled,
    fromHeaders: (headers, origin) => checked(auth.fromHeaders(headers, origin), origin),
    fromToken: (token, open, origin) => checked(auth.fromToken(token, open, origin), origin),
    denied: (identity, error, origin) => audit.record(audited(AUDIT_ACTION.accessDenied, identity, origin, routeOf(origin), deniedBy(error))),
  };
}
