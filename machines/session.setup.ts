/**
 * The session machine's vocabulary: its types, its named side-effect actions with their params (no-ops
 * here; the runtime provides real ones with `sessionMachine.provide({ actions })`), the `assign`
 * actions that update context, and its guards. `session.machine.ts` arranges them into states.
 */
import { assign, setup } from 'xstate';
import { allowedAfter, beginApproval, pendingApprovalOf, resumeTurn, type AnswerApprovalParams, type CloseApprovalParams } from './session.approvals.js';
import { isDue, TIMER_ELAPSED } from './deadline.js';
import { isNonOwnerParticipant, mayAccept, mayChangeRole, mayJoin, mayWrite, removedFrom } from './session.access.js';
import {
  beginQueuedTurn,
  completeTurn,
  enqueueAndBegin,
  deadlineAfter,
  enqueue,
  faultOf,
  recordFailedRecovery,
  recordFault,
  timerLimit,
  touchTurn,
  type SessionContext,
} from './session.context.js';
import { SESSION_EVENT, type SessionEvent, type SessionTimerName } from './session.events.js';
import type { AgentOptions, SessionInput } from './session.options.js';

const E = SESSION_EVENT;

/** Params of `spawnAgent`: start a new agent with `--session-id sessionId`. */
export interface SpawnAgentParams {
  sessionId: string;
  options: AgentOptions;
}

/** Params of `resumeAgent`: start the agent with `--resume claudeSessionId` (a fresh one when `null`). */
export interface ResumeAgentParams {
  sessionId: string;
  claudeSessionId: string | null;
  options: AgentOptions;
}

/** Params of `sendToAgent`: write the user message of turn `turnId` to the agent's stdin. */
export interface SendToAgentParams {
  sessionId: string;
  turnId: string;
  userId: string;
  text: string;
}

/** Params of `interruptAgent`: ask the agent to stop turn `turnId`. */
export interface InterruptAgentParams {
  sessionId: string;
  turnId: string;
}

/** Params of `stopAgent` (graceful) and `killAgent` (at once): end process `pid` if it still runs. */
export interface StopAgentParams {
  sessionId: string;
  pid: number | null;
  reason: string;
}

/** Params of `abortTurns`: tell clients these turns will never complete. */
export interface AbortTurnsParams {
  sessionId: string;
  turnIds: string[];
  reason: string;
}

/** `spawnAgent` params for the session in `context`. */
export function spawnParams(context: SessionContext): SpawnAgentParams {
  return { sessionId: context.sessionId, options: context.options };
}

/** `resumeAgent` params for the session in `context`. */
export function resumeParams(context: SessionContext): ResumeAgentParams {
  return { sessionId: context.sessionId, claudeSessionId: context.claudeSessionId, options: context.options };
}

/** `interruptAgent` params for the running turn; only called while a turn runs, so none is a bug. */
export function interruptParams(context: SessionContext): InterruptAgentParams {
  if (context.currentTurn === null) throw new Error('session: interrupt without a running turn');
  return { sessionId: context.sessionId, turnId: context.currentTurn.turnId };
}

/** `stopAgent`/`killAgent` params for the session's tracked process. */
export function processParams(context: SessionContext, reason: string): StopAgentParams {
  return { sessionId: context.sessionId, pid: context.agent.pid, reason };
}

/** The session machine's types, named actions (side effects as no-ops, plus context updates) and guards. */
export const sessionSetup = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
  },
  actions: {
    // Side effects: no-ops here, provided by the runtime; the second parameter types each one's params.
    spawnAgent: (_, _params: SpawnAgentParams) => {},
    resumeAgent: (_, _params: ResumeAgentParams) => {},
    sendToAgent: (_, _params: SendToAgentParams) => {},
    interruptAgent: (_, _params: InterruptAgentParams) => {},
    stopAgent: (_, _params: StopAgentParams) => {},
    killAgent: (_, _params: StopAgentParams) => {},
    abortTurns: (_, _params: AbortTurnsParams) => {},
    answerApproval: (_, _params: AnswerApprovalParams) => {},
    // Recorded as a `ToolApprovalExpired`/`ToolApprovalCancelled` outcome, never performed (see session.outcomes.ts).
    closeApproval: (_, _params: CloseApprovalParams) => {},
    requestApproval: assign(({ context, event }) => (event.type === E.APPROVAL_REQUESTED ? beginApproval(context, event) : {})),
    resumeTurn: assign(({ context, event }) => resumeTurn(context, event.at)),
    allowAlways: assign(({ context, event }) => (event.type === E.APPROVAL_DECIDED && event.always === true ? { alwaysAllowed: allowedAfter(context, event) } : {})),
    enqueueMessage: assign({
      queuedMessages: ({ context, event }) =>
        event.type === E.MESSAGE_ACCEPTED ? enqueue(context, event) : context.queuedMessages,
    }),
    beginQueuedTurn: assign(({ context, event }) => beginQueuedTurn(context, event.at)),
    enqueueAndBegin: assign(({ context, event }) => (event.type === E.MESSAGE_ACCEPTED ? enqueueAndBegin(context, event) : {})),
    touchTurn: assign(({ context, event }) => touchTurn(context, event.at)),
    touch: assign({ lastActivityAt: ({ event }) => event.at }),
    completeTurn: assign(({ context, event }) => (event.type === E.TURN_COMPLETED ? completeTurn(context, event) : {})),
    markInterrupted: assign({
      currentTurn: ({ context, event }) => context.currentTurn && { ...context.currentTurn, interruptedAt: event.at },
    }),
    arm: assign({
      deadline: ({ context, event }, params: { name: SessionTimerName }) =>
        deadlineAfter(params.name, event.at, timerLimit(context.limits, params.name)),
    }),
    disarm: assign({ deadline: null }),
    agentReady: assign(({ context, event }) =>
      event.type === E.AGENT_READY
        ? {
            claudeSessionId: event.claudeSessionId,
            agent: { ...context.agent, model: event.model ?? null, tools: event.tools ?? [] },
            lastActivityAt: event.at,
          }
        : {},
    ),
    agentSpawned: assign({
      agent: ({ context, event }) => (event.type === E.AGENT_SPAWNED ? { ...context.agent, pid: event.pid } : context.agent),
    }),
    recovered: assign(({ context, event }) =>
      event.type === E.RECOVERY_SUCCEEDED
        ? {
            claudeSessionId: event.claudeSessionId ?? context.claudeSessionId,
            agent: { ...context.agent, pid: event.pid ?? context.agent.pid },
            lastActivityAt: event.at,
          }
        : {},
    ),
    forgetProcess: assign({ agent: ({ context }) => ({ ...context.agent, pid: null }) }),
    recordFault: assign(({ context, event }) => {
      const fault = event.type === E.AGENT_FAULT || event.type === TIMER_ELAPSED ? faultOf(event) : null;
      return fault === null ? {} : recordFault(context, fault);
    }),
    recordFailedRecovery: assign(({ context }) => recordFailedRecovery(context)),
    addParticipant: assign(({ context, event }) =>
      event.type === E.PARTICIPANT_JOINED
        ? {
            participants: [...context.participants, { userId: event.userId, role: event.role, joinedAt: event.at }],
            // An invitation lifts an earlier removal.
            removed: removedFrom(context).filter((userId) => userId !== event.userId),
          }
        : {},
    ),
    removeParticipant: assign(({ context, event }) =>
      event.type === E.PARTICIPANT_LEFT
        ? {
            participants: context.participants.filter((p) => p.userId !== event.userId),
            removed: event.removed === true ? [...removedFrom(context).filter((userId) => userId !== event.userId), event.userId] : [...removedFrom(context)],
          }
        : {},
    ),
    changeRole: assign({
      participants: ({ context, event }) =>
        event.type === E.ROLE_CHANGED
          ? context.participants.map((p) => (p.userId === event.userId ? { ...p, role: event.role } : p))
          : context.participants,
    }),
    clearTurns: assign({ currentTurn: null, queuedMessages: [] }),
    clearCurrentTurn: assign({ currentTurn: null }),
    end: assign({ endReason: ({ event }) => (event.type === E.TERMINATE ? event.reason : null), deadline: null }),
  },
  guards: {
    mayStartTurn: ({ context, event }) => event.type === E.MESSAGE_ACCEPTED && mayAccept(context, event, false),
    mayQueue: ({ context, event }) => event.type === E.MESSAGE_ACCEPTED && mayAccept(context, event, true),
    mayInterrupt: ({ context, event }) => event.type === E.INTERRUPT_REQUESTED && (event.asOperator === true || mayWrite(context, event.userId)),
    isCurrentTurn: ({ context, event }) =>
      (event.type === E.AGENT_OUTPUT || event.type === E.TURN_COMPLETED) && event.turnId === context.currentTurn?.turnId,
    isApprovalOfTurn: ({ context, event }) => event.type === E.APPROVAL_REQUESTED && event.turnId === context.currentTurn?.turnId,
    isPolicyDecision: ({ context, event }) =>
      event.type === E.APPROVAL_DECIDED && event.decidedBy === 'policy' && event.turnId === context.currentTurn?.turnId && event.requestId !== pendingApprovalOf(context)?.requestId,
    // The first answer wins: only the pending request, answered by someone who may write (an owner or editor).
    answersPending: ({ context, event }) =>
      event.type === E.APPROVAL_DECIDED &&
      event.decidedBy === 'human' &&
      event.requestId === pendingApprovalOf(context)?.requestId &&
      event.userId !== undefined &&
      mayWrite(context, event.userId),
    hasQueued: ({ context }) => context.queuedMessages.length > 0,
    due: ({ context, event }, params: { name: SessionTimerName }) =>
      event.type === TIMER_ELAPSED && isDue(context.deadline, event, params.name),
    failuresExhausted: ({ context }) => context.failures.consecutive + 1 > context.limits.maxConsecutiveFailures,
    mayJoin: ({ context, event }) => event.type === E.PARTICIPANT_JOINED && mayJoin(context, event.userId, event.role, event.via),
    mayLeave: ({ context, event }) => event.type === E.PARTICIPANT_LEFT && isNonOwnerParticipant(context, event.userId),
    mayChangeRole: ({ context, event }) => event.type === E.ROLE_CHANGED && mayChangeRole(context, event.userId, event.role),
  },
});
