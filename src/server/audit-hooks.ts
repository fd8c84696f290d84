/**
 * Which session decisions reach the audit log, shared by REST and WebSocket: refusals of access, terminations,
 * and reads of a session's history by operators. Each hook at a decision point is one call to these.
 */
import type { Result } from 'neverthrow';
import { AUDIT_ACTION } from '../../machines/index.js';
import type { AuditRecorder } from '../audit/index.js';
import { audited, deniedBy, type AuditOrigin } from './audit-entry.js';
import { can, PERMISSION, type Identity } from './auth/index.js';
import { API_ERROR_CODES, type ApiError } from './errors.js';
import { SESSION_COMMAND } from './session-access.js';

/** Error codes that are access decisions (as opposed to a session's state or the pool's health). */
const ACCESS_CODES: ReadonlySet<string> = new Set([API_ERROR_CODES.forbidden, API_ERROR_CODES.notFound]);

/**
 * Records a decision on a session: a refusal of access (`forbidden`, `not_found`) as `access.denied`, a
 * termination as `session.terminated`. Views, sends and interrupts that were allowed are not audited: they are
 * the traffic itself (history and state reads are recorded by their routes).
 */
export function recordSessionDecision(audit: AuditRecorder, identity: Identity, sessionId: string, command: string, result: Result<unknown, ApiError>, origin: AuditOrigin | undefined): void {
  if (result.isErr()) {
    if (ACCESS_CODES.has(result.error.code)) audit.record(audited(AUDIT_ACTION.accessDenied, identity, origin, { sessionId, command }, deniedBy(result.error)));
  } else if (command === SESSION_COMMAND.terminate) {
    audit.record(audited(AUDIT_ACTION.sessionTerminated, identity, origin, { sessionId }));
  }
}

/** Records a read of a session's history from `fromRevision` when the reader is an operator or admin (`sessions:manage`). */
export function recordHistoryRead(audit: AuditRecorder, identity: Identity, sessionId: string, fromRevision: number, origin: AuditOrigin | undefined): void {
  if (can(identity, PERMISSION.manageSessions)) audit.record(audited(AUDIT_ACTION.sessionHistoryRead, identity, origin, { sessionId, revision: fromRevision }));
}

