/**
 * The one access decision for a session command, the same over REST and WebSocket (docs/security.md, "Who may do what with a session").
 * First the caller's server role must hold the command's permission (`forbidden` otherwise, whatever the session:
 * this says nothing about it). Then the session: a caller sees one they take part in, or any of their tenant's
 * with `sessions:manage` (operators), or any at all as an admin; one they may not see is `not_found`, exactly as
 * one that does not exist, so its existence never leaks. Writing (messages, interrupts) takes an owner or editor
 * (the session machine's own rule, `mayWrite`); managing (terminating, participants) the owner or
 * `sessions:manage`; an authenticated operator interrupts as a manager.
 */
import { mayWrite, roleOf, SESSION_PERSISTED_NAME, type ParticipantLeftEvent, type SessionContext } from '../../machines/index.js';
import { can, interruptsAsOperator, PERMISSION, permissionProblem, seesTenant, type Identity, type Permission } from './auth/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from './errors.js';
import { policyProblem, type PolicyRequest, type SessionPolicy } from './session-policy.js';

/** What a caller wants to do with a session. */
export const SESSION_ACTION = { view: 'view', write: 'write', manage: 'manage' } as const;

/** One of {@link SESSION_ACTION}'s values. */
export type SessionAction = (typeof SESSION_ACTION)[keyof typeof SESSION_ACTION];

/** The commands on one session that REST and WebSocket share. */
export const SESSION_COMMAND = { view: 'view', send: 'send', interrupt: 'interrupt', terminate: 'terminate', approve: 'approve' } as const;

/** One of {@link SESSION_COMMAND}'s values. */
export type SessionCommandKind = (typeof SESSION_COMMAND)[keyof typeof SESSION_COMMAND];

/** The server permission each command takes; the REST routes declare the same ones. */
export const COMMAND_PERMISSION: Readonly<Record<SessionCommandKind, Permission>> = {
  view: PERMISSION.readSessions,
  send: PERMISSION.useSessions,
  interrupt: PERMISSION.useSessions,
  terminate: PERMISSION.useSessions,
  approve: PERMISSION.useSessions,
};

/** The session action `command` is for `identity` (an authenticated operator interrupts as a manager). */
export function actionOf(identity: Identity, command: SessionCommandKind): SessionAction {
  switch (command) {
    case SESSION_COMMAND.view:
      return SESSION_ACTION.view;
    case SESSION_COMMAND.send:
      return SESSION_ACTION.write;
    case SESSION_COMMAND.interrupt:
      return interruptsAsOperator(identity) ? SESSION_ACTION.manage : SESSION_ACTION.write;
    case SESSION_COMMAND.terminate:
      return SESSION_ACTION.manage;
    case SESSION_COMMAND.approve:
      // Answering a tool approval is writing: owners and editors, as the session machine's own guard says.
      return SESSION_ACTION.write;
  }
}

/** The error of a session that does not exist, or that the caller may not know of. */
export function sessionNotFound(sessionId: string): ApiError {
  return apiError(API_ERROR_CODES.notFound, `session ${sessionId} does not exist`);
}

/**
 * Why `identity` may not have a session run with `options` (`policy_denied`, naming what was refused), or `null`: the
 * session policy for their server role, applied when they create a session or join one by sharing.
 */
export function sessionOptionsProblem(policy: SessionPolicy, identity: Identity, options: PolicyRequest): ApiError | null {
  return policyProblem(policy, identity.role, options);
}

/** Why `identity` may not run `command` at all, whatever the session (its role lacks the permission), or `null`. */
export function commandProblem(identity: Identity, command: SessionCommandKind): ApiError | null {
  return permissionProblem(identity, COMMAND_PERMISSION[command]);
}

/** How a reader loses sight of a session: removed by its owner or an operator, or having left it. */
export type SightLoss = 'removed' | 'left';

/**
 * Whether the stored session event `event` takes sight of the session from `identity`, who could see it before (a
 * live subscriber): a `ParticipantLeft` naming them, unless they see every session of the tenant anyway
 * (`sessions:manage`). The same rule as {@link sessionAccessProblem}, read off the event so the WebSocket feed can
 * apply it before the next event reaches anyone. Role changes keep sight (viewers read); sending is decided per send.
 */
export function sightLostBy(identity: Identity, event: { readonly type: string; readonly data: unknown }): SightLoss | null {
  if (event.type !== SESSION_PERSISTED_NAME.PARTICIPANT_LEFT) return null;
  const data = event.data as Partial<ParticipantLeftEvent> | null;
  if (data?.userId !== identity.userId || can(identity, PERMISSION.manageSessions)) return null;
  return data.removed === true ? 'removed' : 'left';
}

/** Stored session events that can take sight of a session from a reader (see {@link sightLostBy}). */
export const SIGHT_EVENTS: ReadonlySet<string> = new Set([SESSION_PERSISTED_NAME.PARTICIPANT_LEFT]);

/**
 * `not_found` when `identity` may not see sessions of `tenant` at all (another tenant's, unless an admin), or `null`.
 * Judged first, from what is known without reading the session's stream (the pool's index, the stream's first
 * event), so another tenant's history is never read on a caller's behalf.
 */
export function tenantProblem(identity: Identity, tenant: string, sessionId: string): ApiError | null {
  return seesTenant(identity, tenant) ? null : sessionNotFound(sessionId);
}

/** Why `identity` may not do `action` on the session with `context` (`not_found` or `forbidden`), or `null`. */
export function sessionAccessProblem(identity: Identity, context: SessionContext, action: SessionAction): ApiError | null {
  const role = roleOf(context, identity.userId);
  const manager = can(identity, PERMISSION.manageSessions);
  if (tenantProblem(identity, context.tenant, context.sessionId) !== null || (role === null && !manager)) return sessionNotFound(context.sessionId);
  switch (action) {
    case SESSION_ACTION.view:
      return null;
    case SESSION_ACTION.write:
      return mayWrite(context, identity.userId)
        ? null
        : apiError(API_ERROR_CODES.forbidden, `user ${identity.userId} is ${role ?? 'not a participant'} in session ${context.sessionId}; writing takes an owner or editor`);
    case SESSION_ACTION.manage:
      return role === 'owner' || manager
        ? null
        : apiError(API_ERROR_CODES.forbidden, `only the owner or an operator of tenant ${context.tenant} may manage session ${context.sessionId}`);
  }
}
