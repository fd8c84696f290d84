/**
 * One path for a session command, shared by the REST routes and the WebSocket handlers (STYLE.md, point 10). The
 * caller is already authenticated; this takes the one access decision (`session-access.ts`) on the snapshot of
 * the actor that the pool loads once for the command, runs the command on that actor, and answers a value or an
 * {@link ApiError} that the edge maps to an HTTP status or an error frame (one table: `HTTP_STATUS_OF`). A refused
 * command stores nothing and wakes no hibernated session. A session the pool has forgotten (terminated) is judged
 * from its replayed stream: readable by those who may see it, a `conflict` to act on.
 */
import { err, ok, type Result, type ResultAsync } from 'neverthrow';
import { isRefused, POOL_ERROR_KIND, type Admission, type DecidedApproval, type PoolError, type Refused, type SentMessage, type SessionSnapshot } from '../pool/index.js';
import type { ApiDeps } from './api-deps.js';
import type { AuditOrigin } from './audit-entry.js';
import { recordSessionDecision } from './audit-hooks.js';
import { budgetProblem } from './budget-errors.js';
import { interruptsAsOperator, type Identity } from './auth/index.js';
import { API_ERROR_CODES, apiError, type ApiError } from './errors.js';
import { poolErrorToApi } from './pool-errors.js';
import { actionOf, commandProblem, SESSION_COMMAND, sessionAccessProblem, sessionNotFound, tenantProblem, type SessionAction } from './session-access.js';
import { isSessionId, replayedSession, type FoundSession } from './session-lookup.js';

/** A command on one session, as REST and WebSocket both send it. */
export type SessionCommand =
  | { readonly kind: typeof SESSION_COMMAND.view }
  | { readonly kind: typeof SESSION_COMMAND.send; readonly text: string; readonly clientMsgId: string | null }
  | { readonly kind: typeof SESSION_COMMAND.interrupt }
  | { readonly kind: typeof SESSION_COMMAND.terminate }
  | { readonly kind: typeof SESSION_COMMAND.approve; readonly requestId: string; readonly decision: ApprovalAnswer };

/** A participant's answer to a pending tool approval, as REST and WebSocket both carry it. */
export interface ApprovalAnswer {
  readonly behavior: 'allow' | 'deny';
  readonly updatedInput?: Record<string, unknown>;
  readonly message?: string;
  readonly always?: boolean;
}

/** What each command answers when it runs. */
export interface SessionCommandOutcomes {
  readonly view: FoundSession;
  /** The acceptance (`duplicate` for a repeated `clientMsgId`). */
  readonly send: SentMessage;
  /** Whether a running turn was told to stop. */
  readonly interrupt: boolean;
  readonly terminate: true;
  /** The decision, as stored (`ToolApprovalDecided`). */
  readonly approve: DecidedApproval;
}

/** What the path needs of the API's dependencies. */
export type SessionCommandDeps = Pick<ApiDeps, 'pool' | 'store' | 'clock' | 'audit' | 'budgets'>;

/**
 * Runs `command` on session `sessionId` for `identity`: the same decision and answer whichever transport asks.
 * The decision goes to the audit log (refusals, terminations) with `origin`, the request or frame it came from.
 */
export async function runSessionCommand<C extends SessionCommand>(
  deps: SessionCommandDeps,
  identity: Identity,
  sessionId: string,
  command: C,
  origin?: AuditOrigin,
): Promise<Result<SessionCommandOutcomes[C['kind']], ApiError>> {
  const result = await decidedCommand(deps, identity, sessionId, command, origin);
  recordSessionDecision(deps.audit, identity, sessionId, command.kind, result, origin);
  return result;
}

async function decidedCommand<C extends SessionCommand>(
  deps: SessionCommandDeps,
  identity: Identity,
  sessionId: string,
  command: C,
  origin: AuditOrigin | undefined,
): Promise<Result<SessionCommandOutcomes[C['kind']], ApiError>> {
  const denied = commandProblem(identity, command.kind);
  if (denied !== null) return err(denied);
  if (!isSessionId(sessionId)) return err(sessionNotFound(sessionId));
  const action = actionOf(identity, command.kind);
  const acting = command.kind !== SESSION_COMMAND.view;
  const ran = await onPool(deps, identity, sessionId, command, admissionOf(identity, sessionId, action, acting), origin?.requestId);
  // Only a view can come back from a forgotten session with a value (the session, replayed).
  if (ran.isErr()) return settle(deps, identity, sessionId, action, acting, ran.error) as Promise<Result<SessionCommandOutcomes[C['kind']], ApiError>>;
  if (command.kind === SESSION_COMMAND.terminate && ran.value === false) return err(apiError(API_ERROR_CODES.conflict, `session ${sessionId} could not be terminated now`));
  return ok(ran.value as SessionCommandOutcomes[C['kind']]);
}

/**
 * The session for a caller who wants to do `action` with it, decided as {@link runSessionCommand} decides; with
 * `acting`, one that has ended is a `conflict`. For the participant routes, whose changes then go to the pool.
 */
export async function sessionFor(
  deps: SessionCommandDeps,
  identity: Identity,
  sessionId: string,
  action: SessionAction,
  acting: boolean,
  origin?: AuditOrigin,
): Promise<Result<FoundSession, ApiError>> {
  const found = await decidedSession(deps, identity, sessionId, action, acting);
  recordSessionDecision(deps.audit, identity, sessionId, action, found, origin);
  return found;
}

async function decidedSession(deps: SessionCommandDeps, identity: Identity, sessionId: string, action: SessionAction, acting: boolean): Promise<Result<FoundSession, ApiError>> {
  if (!isSessionId(sessionId)) return err(sessionNotFound(sessionId));
  const current = await deps.pool.current(sessionId, admissionOf(identity, sessionId, action, acting));
  if (current.isErr()) return settle(deps, identity, sessionId, action, acting, current.error);
  const { snapshot, revision } = current.value;
  return ok({ value: snapshot.value, context: snapshot.context, revision, live: true });
}

/** The decision, as the pool applies it to the loaded snapshot: the caller's access, then (when acting) whether the session still takes requests. */
function admissionOf(identity: Identity, sessionId: string, action: SessionAction, acting: boolean): Admission<ApiError> {
  const admission = ({ value, context }: SessionSnapshot): ApiError | null =>
    sessionAccessProblem(identity, context, action) ?? (acting && value === 'terminated' ? ended(context.sessionId, value) : null);
  return Object.assign(admission, { beforeLoad: ({ tenant }: { readonly tenant: string }) => tenantProblem(identity, tenant, sessionId) });
}

/**
 * `admission`, then the session's tenant's budget (one projection lookup): a turn needs its spending limits, and
 * waking a hibernated session its live-session limit too.
 */
function withinBudget(deps: SessionCommandDeps, admission: Admission<ApiError>): Admission<ApiError> {
  const judged = (snapshot: SessionSnapshot): ApiError | null =>
    admission(snapshot) ?? budgetProblem(deps.budgets, snapshot.context.tenant, snapshot.value === 'hibernated', deps.clock.now());
  return admission.beforeLoad === undefined ? judged : Object.assign(judged, { beforeLoad: admission.beforeLoad });
}

/**
 * The command, on the actor the pool loads once and lets `admission` judge; `requestId` (the request's, or the
 * WebSocket connection's and frame's) becomes the stored event's `metadata.correlationId`.
 */
function onPool(
  deps: SessionCommandDeps,
  identity: Identity,
  sessionId: string,
  command: SessionCommand,
  admission: Admission<ApiError>,
  requestId: string | undefined,
): ResultAsync<unknown, PoolError | Refused<ApiError>> {
  const { pool } = deps;
  switch (command.kind) {
    case SESSION_COMMAND.view:
      return pool.current(sessionId, admission).map(({ snapshot, revision }): FoundSession => ({ value: snapshot.value, context: snapshot.context, revision, live: true }));
    case SESSION_COMMAND.send:
      return pool.send(sessionId, { userId: identity.userId, text: command.text, clientMsgId: command.clientMsgId, correlationId: requestId }, withinBudget(deps, admission));
    case SESSION_COMMAND.interrupt:
      return pool.interrupt(sessionId, identity.userId, { asOperator: interruptsAsOperator(identity), admission, correlationId: requestId });
    case SESSION_COMMAND.terminate:
      return pool.terminate(sessionId, `terminated by ${identity.userId}`, admission, { correlationId: requestId });
    case SESSION_COMMAND.approve:
      return pool.decideApproval(sessionId, command.requestId, { userId: identity.userId, ...command.decision }, admission);
  }
}

/** The answer to a failed pool call: the refusal as decided, or the pool's error; a session the pool forgot is judged from its stream. */
async function settle(
  deps: SessionCommandDeps,
  identity: Identity,
  sessionId: string,
  action: SessionAction,
  acting: boolean,
  error: PoolError | Refused<ApiError>,
): Promise<Result<FoundSession, ApiError>> {
  if (isRefused<ApiError>(error)) return err(error.refusal);
  if (error.kind !== POOL_ERROR_KIND.SessionNotFound) return err(poolErrorToApi(error, deps.clock.now()));
  const found = await replayedSession(deps, sessionId, (tenant) => tenantProblem(identity, tenant, sessionId));
  if (found.isErr()) return found;
  const problem = sessionAccessProblem(identity, found.value.context, action);
  if (problem !== null) return err(problem);
  return acting ? err(ended(sessionId, found.value.value)) : found;
}

/** A session that has ended takes no more requests: `conflict`, naming its state. */
function ended(sessionId: string, state: string): ApiError {
  return poolErrorToApi({ kind: POOL_ERROR_KIND.SessionClosed, sessionId, state });
}
