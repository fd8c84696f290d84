/**
 * Who may follow or act on a session over WebSocket, decided from the caller's {@link Identity} and the session's
 * context: its participants, or `sessions:manage` in its tenant (operators), or admins may follow it; another
 * tenant's session is `not_found` (its existence is never revealed); writing (messages, interrupts) needs owner/editor, as the pool enforces too.
 */
import { mayWrite, roleOf, type SessionContext } from '../../../machines/index.js';
import { can, interruptsAsOperator, PERMISSION, seesTenant, type Identity } from '../auth/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from '../errors.js';

/** The part of a session's context the checks read. */
export type SessionScope = Pick<SessionContext, 'sessionId' | 'tenant' | 'participants'>;

const notFound = (sessionId: string): ApiError => apiError(API_ERROR_CODES.notFound, `no session ${sessionId}`);

/** `null` when `identity` may follow the session's events, else the error to answer with. */
export function readRefusal(identity: Identity, scope: SessionScope): ApiError | null {
  if (!seesTenant(identity, scope.tenant) || !can(identity, PERMISSION.readSessions)) return notFound(scope.sessionId);
  if (roleOf(scope as SessionContext, identity.userId) !== null) return null;
  if (can(identity, PERMISSION.allTenants) || can(identity, PERMISSION.manageSessions)) return null;
  return apiError(API_ERROR_CODES.forbidden, `${identity.userId} is not a participant of session ${scope.sessionId}`);
}

/** `null` when `identity` may send messages (the pool then checks the session role), else the error. */
export function sendRefusal(identity: Identity, scope: SessionScope): ApiError | null {
  const read = readRefusal(identity, scope);
  if (read !== null && read.code === API_ERROR_CODES.notFound) return read;
  if (!can(identity, PERMISSION.useSessions)) return apiError(API_ERROR_CODES.forbidden, `role ${identity.role} may not send messages (needs ${PERMISSION.useSessions})`);
  return null;
}

/** `null` when `identity` may interrupt the session's turn (owner/editor, or an operator of its tenant), else the error. */
export function interruptRefusal(identity: Identity, scope: SessionScope): ApiError | null {
  const read = readRefusal(identity, scope);
  if (read !== null && read.code === API_ERROR_CODES.notFound) return read;
  if (mayWrite(scope as SessionContext, identity.userId) || interruptsAsOperator(identity)) return null;
  return apiError(API_ERROR_CODES.forbidden, `${identity.userId} may not interrupt session ${scope.sessionId} (owner, editor or operator only)`);
}
