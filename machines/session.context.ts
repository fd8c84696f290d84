/**
 * The session's context and the pure updates the machine's `assign` actions apply to it: turns and
 * the message queue, usage totals, fault counters, deadlines. Plain JSON throughout (absent values
 * are `null`, never `undefined`), so a snapshot survives `JSON.stringify` unchanged.
 */
import { earliest, type Deadline, type TimerElapsedEvent } from './deadline.js';
import {
  SESSION_EVENT,
  type AgentFaultEvent,
  type FaultKind,
  type MessageAcceptedEvent,
  type ParticipantRole,
  type SessionTimerName,
  type ToolUseRequest,
  type TurnCompletedEvent,
} from './session.events.js';
import type { ForkOrigin } from './session.fork.js';
import { DEFAULT_SESSION_LIMITS, type AgentOptions, type ApprovalRule, type SessionInput, type SessionLimits } from './session.options.js';

/** A user in the session and what they may do. */
export interface Participant {
  userId: string;
  role: ParticipantRole;
  joinedAt: number;
}

/** The turn the agent is working on. */
export interface CurrentTurn {
  turnId: string;
  userId: string;
  clientMsgId: string | null;
  startedAt: number;
  /** When the turn is interrupted for running too long. */
  timeoutAt: number;
  /** When the turn counts as stalled unless the agent produces output first. */
  stallAt: number;
  /** When an interrupt was sent, if one was. */
  interruptedAt: number | null;
}

/** A message accepted while the agent could not take it yet. */
export interface QueuedMessage {
  turnId: string;
  userId: string;
  text: string;
  clientMsgId: string | null;
  acceptedAt: number;
}

/** Running totals over completed turns. */
export interface SessionUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  costUsd: number;
  turns: number;
}

/** Faults per kind (ever), failed recoveries (ever), and failures since the last successful turn. */
export interface FailureCounts {
  crashes: number;
  hangs: number;
  stalls: number;
  garbage: number;
  exits: number;
  failedRecoveries: number;
  consecutive: number;
}

/** The most recent fault, for operators. */
export interface FaultRecord {
  kind: FaultKind;
  at: number;
  exitCode: number | null;
  detail: string | null;
}

/** What is known about the running agent process. */
export interface AgentInfo {
  pid: number | null;
  model: string | null;
  tools: string[];
}

/** A tool use waiting for a human's decision (the session is `awaitingApproval`). */
export interface PendingApproval extends ToolUseRequest {
  turnId: string;
  requestedAt: number;
  /** When it is denied unanswered (the `approvalTimeout` deadline). */
  expiresAt: number;
}

/** Everything a session remembers. */
export interface SessionContext {
  sessionId: string;
  /** As reported by the agent's init line; what `--resume` takes. */
  claudeSessionId: string | null;
  tenant: string;
  owner: string;
  participants: Participant[];
  /** Whether users of the tenant may join on their own (the owner's consent, given at creation). */
  shareable: boolean;
  /** Users removed by someone else and not invited since: they cannot join by sharing. */
  removed: string[];
  options: AgentOptions;
  limits: SessionLimits;
  agent: AgentInfo;
  currentTurn: CurrentTurn | null;
  queuedMessages: QueuedMessage[];
  usage: SessionUsage;
  failures: FailureCounts;
  lastFault: FaultRecord | null;
  createdAt: number;
  lastActivityAt: number;
  /** The one deadline the current state waits for, or `null` (see `SESSION_AWAITS`). */
  deadline: Deadline<SessionTimerName> | null;
  /** Why the session ended, once terminated. */
  endReason: string | null;
  /** The session this one was forked from (its `SessionInput.forkedFrom`); `null` for one created afresh. */
  forkedFrom: ForkOrigin | null;
  /** The tool use waiting for a human, while `awaitingApproval` (absent in snapshots stored before approvals). */
  pendingApproval?: PendingApproval | null;
  /** Tools a participant allowed for the rest of the session ("always allow"). */
  alwaysAllowed?: string[];
  /** The session's own approval rules (from its input). */
  approvalRules?: ApprovalRule[];
}

const FAILURE_FIELD = {
  crash: 'crashes',
  hang: 'hangs',
  stall: 'stalls',
  garbage: 'garbage',
  exit: 'exits',
} as const satisfies Record<FaultKind, keyof FailureCounts>;

/** The fault a fired deadline stands for; deadlines not listed are not faults. */
export const TIMER_FAULT: Partial<Record<SessionTimerName, FaultKind>> = {
  startTimeout: 'hang',
  stallTimeout: 'stall',
  interruptTimeout: 'hang',
};

/** The limit that sets how far away deadline `name` is. */
export function timerLimit(limits: SessionLimits, name: SessionTimerName): number | null {
  const ms: Record<SessionTimerName, number | null> = {
    startTimeout: limits.startTimeoutMs,
    turnTimeout: limits.turnTimeoutMs,
    stallTimeout: limits.stallTimeoutMs,
    interruptTimeout: limits.interruptGraceMs,
    idleTimeout: limits.idleTimeoutMs,
    recoveryTimeout: limits.recoveryTimeoutMs,
    approvalTimeout: limits.approvalTimeoutMs,
  };
  return ms[name];
}

/** A deadline `ms` after `at`, or none when the limit is disabled. */
export function deadlineAfter(name: SessionTimerName, at: number, ms: number | null): Deadline<SessionTimerName> | null {
  return ms === null ? null : { name, at: at + ms };
}

/** The context of a session just provisioned: the owner is its only participant, the start deadline runs. */
export function initialSessionContext(input: SessionInput): SessionContext {
  const limits = { ...DEFAULT_SESSION_LIMITS, ...input.limits };
  return {
    sessionId: input.sessionId,
    claudeSessionId: null,
    tenant: input.tenant,
    owner: input.owner,
    participants: [{ userId: input.owner, role: 'owner', joinedAt: input.at }],
    shareable: input.shareable === true,
    removed: [],
    options: input.options,
    limits,
    agent: { pid: null, model: null, tools: [] },
    currentTurn: null,
    queuedMessages: [],
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, costUsd: 0, turns: 0 },
    failures: { crashes: 0, hangs: 0, stalls: 0, garbage: 0, exits: 0, failedRecoveries: 0, consecutive: 0 },
    lastFault: null,
    createdAt: input.at,
    lastActivityAt: input.at,
    deadline: deadlineAfter('startTimeout', input.at, limits.startTimeoutMs),
    endReason: null,
    forkedFrom: input.forkedFrom ?? null,
    pendingApproval: null,
    alwaysAllowed: [],
    approvalRules: input.approvalRules ?? [],
  };
}

/** The queue with one more message. */
export function enqueue(context: SessionContext, event: MessageAcceptedEvent): QueuedMessage[] {
  const { turnId, userId, text, clientMsgId, at } = event;
  return [...context.queuedMessages, { turnId, userId, text, clientMsgId: clientMsgId ?? null, acceptedAt: at }];
}

/** The head of the queue; callers guard on a non-empty queue, so an empty one is a bug. */
export function nextMessage(context: SessionContext): QueuedMessage {
  const next = context.queuedMessages[0];
  if (next === undefined) throw new Error('session: no queued message to dispatch');
  return next;
}

/**
 * The head of the queue becomes the current turn at `at`, with its turn and stall deadlines armed (the busy
 * deadline, see `turnDeadline`).
 */
export function beginQueuedTurn(context: SessionContext, at: number): Partial<SessionContext> {
  const { turnId, userId, clientMsgId } = nextMessage(context);
  const { turnTimeoutMs, stallTimeoutMs } = context.limits;
  const currentTurn: CurrentTurn = {
    turnId,
    userId,
    clientMsgId,
    startedAt: at,
    timeoutAt: at + turnTimeoutMs,
    stallAt: at + stallTimeoutMs,
    interruptedAt: null,
  };
  return { currentTurn, queuedMessages: context.queuedMessages.slice(1), lastActivityAt: at, deadline: turnDeadline(currentTurn) };
}

/** The message the agent gets next once `message` is queued: the head of the queue, or `message` when it is empty. */
export function nextAfterEnqueue(context: SessionContext, message: MessageAcceptedEvent): QueuedMessage {
  return context.queuedMessages[0] ?? { turnId: message.turnId, userId: message.userId, text: message.text, clientMsgId: message.clientMsgId ?? null, acceptedAt: message.at };
}

/** `message` queued and the head of the queue begun at once, in one update (`enqueue` then `beginQueuedTurn`). */
export function enqueueAndBegin(context: SessionContext, message: MessageAcceptedEvent): Partial<SessionContext> {
  return beginQueuedTurn({ ...context, queuedMessages: enqueue(context, message) }, message.at);
}

/** The busy deadline: whichever of the turn timeout and the stall timeout comes first. */
export function turnDeadline(turn: CurrentTurn | null): Deadline<SessionTimerName> | null {
  if (turn === null) return null;
  const timeout: Deadline<SessionTimerName> = { name: 'turnTimeout', at: turn.timeoutAt };
  return earliest(timeout, { name: 'stallTimeout', at: turn.stallAt });
}

/** Output at `at` proves the agent alive: the stall deadline moves to `at + stallTimeoutMs`. */
export function touchTurn(context: SessionContext, at: number): Partial<SessionContext> {
  if (context.currentTurn === null) return {};
  const { turnId, userId, clientMsgId, startedAt, timeoutAt, interruptedAt } = context.currentTurn;
  // Field by field, not `{ ...currentTurn, stallAt }`: this runs for every output chunk (see `withConsecutive`).
  const currentTurn: CurrentTurn = { turnId, userId, clientMsgId, startedAt, timeoutAt, stallAt: at + context.limits.stallTimeoutMs, interruptedAt };
  return { currentTurn, lastActivityAt: at, deadline: turnDeadline(currentTurn) };
}

/**
 * Usage and failure counters after the current turn's result, and the idle deadline armed: the agent rests unless
 * a queued turn begins next (which arms its own deadline).
 */
export function completeTurn(context: SessionContext, event: TurnCompletedEvent): Partial<SessionContext> {
  const { usage } = context;
  return {
    deadline: deadlineAfter('idleTimeout', event.at, context.limits.idleTimeoutMs),
    currentTurn: null,
    lastActivityAt: event.at,
    usage: {
      inputTokens: usage.inputTokens + event.usage.inputTokens,
      outputTokens: usage.outputTokens + event.usage.outputTokens,
      cacheReadTokens: usage.cacheReadTokens + event.usage.cacheReadTokens,
      cacheCreationTokens: usage.cacheCreationTokens + event.usage.cacheCreationTokens,
      costUsd: usage.costUsd + event.costUsd,
      turns: usage.turns + 1,
    },
    failures: event.isError || context.failures.consecutive === 0 ? context.failures : withConsecutive(context.failures, 0),
  };
}

/**
 * `failures` with another `consecutive` count, built field by field: in V8 spreading an object that was itself
 * made by a spread (as these counters are, turn after turn) is about ten times slower than a literal.
 */
function withConsecutive(failures: FailureCounts, consecutive: number): FailureCounts {
  const { crashes, hangs, stalls, garbage, exits, failedRecoveries } = failures;
  return { crashes, hangs, stalls, garbage, exits, failedRecoveries, consecutive };
}

/** The fault an event stands for: an `AGENT_FAULT`, or a fired deadline listed in `TIMER_FAULT`. */
export function faultOf(event: AgentFaultEvent | TimerElapsedEvent<SessionTimerName>): FaultRecord | null {
  if (event.type === SESSION_EVENT.AGENT_FAULT) {
    return { kind: event.fault, at: event.at, exitCode: event.exitCode ?? null, detail: event.detail ?? null };
  }
  const kind = TIMER_FAULT[event.name];
  return kind === undefined ? null : { kind, at: event.at, exitCode: null, detail: event.name };
}

/** Counters after one fault. */
export function recordFault(context: SessionContext, fault: FaultRecord): Partial<SessionContext> {
  const field = FAILURE_FIELD[fault.kind];
  const { failures } = context;
  return { failures: { ...failures, [field]: failures[field] + 1, consecutive: failures.consecutive + 1 }, lastFault: fault };
}

/** Counters after one failed recovery attempt. */
export function recordFailedRecovery(context: SessionContext): Partial<SessionContext> {
  const { failures } = context;
  return { failures: { ...failures, failedRecoveries: failures.failedRecoveries + 1, consecutive: failures.consecutive + 1 } };
}

/** Params for `abortTurns`: the running turn, or it and every queued one; `null` when there are none. */
export function abortedTurns(
  context: SessionContext,
  scope: 'current' | 'all',
  reason: string,
): { sessionId: string; turnIds: string[]; reason: string } | null {
  const current = context.currentTurn === null ? [] : [context.currentTurn.turnId];
  const queued = scope === 'all' ? context.queuedMessages.map((message) => message.turnId) : [];
  const turnIds = [...current, ...queued];
  return turnIds.length === 0 ? null : { sessionId: context.sessionId, turnIds, reason };
}
