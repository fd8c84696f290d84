/**
 * Session-level rights of an API caller, as pure checks over the session's context. A caller sees a session
 * they take part in, or any of their tenant's when they hold `sessions:manage`, or any at all as an admin;
 * a session they may not see is `not_found`, exactly as one that does not exist, so its existence never
 * leaks. Writing (messages, interrupts) takes an owner or editor; managing (terminating, participants) takes
 * the owner or `sessions:manage`.
 */
import { roleOf, type SessionContext } from '../../../machines/index.js';
import { can, PERMISSION, seesTenant, type Identity } from '../auth/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from '../errors.js';

/** What a caller wants to do with a session. */
export const SESSION_ACTION = { view: 'view', write: 'write', manage: 'manage' } as const;

/** One of {@link SESSION_ACTION}'s values. */
export type SessionAction = (typeof SESSION_ACTION)[keyof typeof SESSION_ACTION];

/** The error of a session that does not exist, or that the caller may not know of. */
export function sessionNotFound(sessionId: string): ApiError {
  return apiError(API_ERROR_CODES.notFound, `session ${sessionId} does not exist`);
}

/** Why `identity` may not do `action` on the session with `context` (`not_found` or `forbidden`), or `null`. */
export function sessionAccessProblem(identity: Identity, context: SessionContext, action: SessionAction): ApiError | null {
  const role = roleOf(context, identity.userId);
  const manager = can(identity, PERMISSION.manageSessions);
  if (!seesTenant(identity, context.tenant) || (role === null && !manager)) return sessionNotFound(context.sessionId);
  switch (action) {
    case SESSION_ACTION.view:
      return null;
    case SESSION_ACTION.write:
      return role === 'owner' || role === 'editor'
        ? null
        : apiError(API_ERROR_CODES.forbidden, `user ${identity.userId} is ${role ?? 'not a participant'} in session ${context.sessionId}; writing takes an owner or editor`);
    case SESSION_ACTION.manage:
      return role === 'owner' || manager
        ? null
        : apiError(API_ERROR_CODES.forbidden, `only the owner or an operator of tenant ${context.tenant} may manage session ${context.sessionId}`);
  }
}
