/**
 * Tool approvals in the session's context, as pure functions: the pending request of `awaitingApproval` and its
 * deadline, how it is settled when the session leaves that state (answered, expired, or cancelled by whatever made it
 * leave), and the tools a participant allowed for the rest of the session. The machine's actions call these.
 */
import { deadlineAfter, turnDeadline, type PendingApproval, type SessionContext } from './session.context.js';
import {
  SESSION_EVENT as E,
  type ApprovalBehavior,
  type ApprovalCloseReason,
  type ApprovalDecidedEvent,
  type ApprovalRequestedEvent,
  type SessionEvent,
} from './session.events.js';

/** Who settled a tool approval, as metrics and the answer to the agent name it. */
export type ApprovalSettler = 'policy' | 'human' | 'timeout' | 'session';

/** Params of `answerApproval`: tell the agent whether request `requestId` may run (a side effect). */
export interface AnswerApprovalParams {
  sessionId: string;
  requestId: string;
  turnId: string;
  toolName: string;
  behavior: ApprovalBehavior;
  decidedBy: ApprovalSettler;
  updatedInput?: Record<string, unknown>;
  message?: string;
  /** When the request became pending (a human's, a timeout's or a cancellation's), for the time-to-decide metric. */
  requestedAt: number | null;
}

/** Params of `closeApproval`: a pending request ended unanswered (recorded as an outcome event, never performed). */
export interface CloseApprovalParams {
  requestId: string;
  turnId: string;
  toolName: string;
  reason: ApprovalCloseReason;
  requestedAt: number;
}

/** The pending request, if any (none in a snapshot stored before approvals existed). */
export function pendingApprovalOf(context: SessionContext): PendingApproval | null {
  return context.pendingApproval ?? null;
}

/** Tools allowed for the rest of the session. */
export function alwaysAllowedOf(context: SessionContext): readonly string[] {
  return context.alwaysAllowed ?? [];
}

/** The context once `event` is pending: the request kept, its deadline armed. */
export function beginApproval(context: SessionContext, event: ApprovalRequestedEvent): Partial<SessionContext> {
  const { requestId, toolName, input, toolUseId, suggestions, reason, turnId, at } = event;
  const deadline = deadlineAfter('approvalTimeout', at, context.limits.approvalTimeoutMs ?? null);
  const expiresAt = deadline?.at ?? Number.MAX_SAFE_INTEGER;
  return { pendingApproval: { requestId, toolName, input, toolUseId, suggestions, reason, turnId, requestedAt: at, expiresAt }, deadline };
}

/**
 * The running turn after a wait for a human that ended at `at`: its timeout moves by the time waited (waiting for a
 * person is not the agent running long); the busy deadline is re-armed by the caller.
 */
export function turnAfterWait(context: SessionContext, at: number): Partial<SessionContext> {
  const pending = pendingApprovalOf(context);
  const turn = context.currentTurn;
  if (pending === null || turn === null) return { pendingApproval: null };
  return { pendingApproval: null, currentTurn: { ...turn, timeoutAt: turn.timeoutAt + Math.max(0, at - pending.requestedAt) } };
}

/** The running turn picks up again at `at`: its stall deadline counts from now, the busy deadline re-armed. */
export function resumeTurn(context: SessionContext, at: number): Partial<SessionContext> {
  const turn = context.currentTurn;
  if (turn === null) return {};
  const currentTurn = { ...turn, stallAt: at + context.limits.stallTimeoutMs };
  return { currentTurn, deadline: turnDeadline(currentTurn) };
}

/** Why leaving `awaitingApproval` on `event` ends the pending request unanswered (`null`: `event` answered it). */
export function closeReasonOf(event: SessionEvent): ApprovalCloseReason | null {
  switch (event.type) {
    case E.APPROVAL_DECIDED:
      return null;
    case E.TIMER_ELAPSED:
      return 'timeout';
    case E.INTERRUPT_REQUESTED:
      return 'interrupted';
    case E.TERMINATE:
      return 'terminated';
    case E.HIBERNATE:
      return event.reason ?? 'hibernate';
    case E.TURN_COMPLETED:
      return 'turn-ended';
    default:
      return 'agent-fault';
  }
}

/** The answer for the agent when the pending request is settled by `event` (which made the session leave `awaitingApproval`). */
export function settledAnswer(context: SessionContext, pending: PendingApproval, event: SessionEvent): AnswerApprovalParams {
  const base = { sessionId: context.sessionId, requestId: pending.requestId, turnId: pending.turnId, toolName: pending.toolName, requestedAt: pending.requestedAt };
  if (event.type === E.APPROVAL_DECIDED) return { ...base, ...decisionOf(event), decidedBy: 'human' };
  const reason = closeReasonOf(event);
  return {
    ...base,
    behavior: 'deny',
    decidedBy: reason === 'timeout' ? 'timeout' : 'session',
    message: reason === 'timeout' ? 'No one approved this tool use in time.' : `The tool use was cancelled (${reason ?? 'cancelled'}).`,
  };
}

/** The behaviour, input and message of a decision, as the agent gets them. */
export function decisionOf(event: ApprovalDecidedEvent): Pick<AnswerApprovalParams, 'behavior' | 'updatedInput' | 'message'> {
  if (event.behavior === 'allow') return { behavior: 'allow', ...(event.updatedInput === undefined ? {} : { updatedInput: event.updatedInput }) };
  return { behavior: 'deny', message: event.message ?? (event.decidedBy === 'policy' ? `Denied by rule ${event.rule ?? 'policy'}.` : 'Denied by a participant.') };
}

/** The answer for a policy decision (the request was never pending). */
export function policyAnswer(context: SessionContext, event: ApprovalDecidedEvent): AnswerApprovalParams {
  return { sessionId: context.sessionId, requestId: event.requestId, turnId: event.turnId, toolName: event.toolName, requestedAt: null, ...decisionOf(event), decidedBy: 'policy' };
}

/** The tools allowed for the rest of the session after `event` (a human's "always allow"). */
export function allowedAfter(context: SessionContext, event: ApprovalDecidedEvent): string[] {
  const allowed = alwaysAllowedOf(context);
  return event.always === true && event.behavior === 'allow' && !allowed.includes(event.toolName) ? [...allowed, event.toolName] : [...allowed];
}
