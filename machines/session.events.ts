/**
 * Event types of the session machine: the input names it accepts, their TypeScript shapes, and the
 * past-tense names they are persisted under in a `session-<id>` stream. Every event carries `at`
 * (epoch ms): the machine has no clock of its own. Import these constants; never retype the strings.
 */
import { TIMER_ELAPSED, type TimerElapsedEvent } from './deadline.js';
import { invertNames } from './event-names.js';

/** Input event types of the session machine. */
export const SESSION_EVENT = {
  AGENT_SPAWNED: 'AGENT_SPAWNED',
  AGENT_READY: 'AGENT_READY',
  MESSAGE_ACCEPTED: 'MESSAGE_ACCEPTED',
  AGENT_OUTPUT: 'AGENT_OUTPUT',
  TURN_COMPLETED: 'TURN_COMPLETED',
  INTERRUPT_REQUESTED: 'INTERRUPT_REQUESTED',
  AGENT_FAULT: 'AGENT_FAULT',
  RECOVERY_SUCCEEDED: 'RECOVERY_SUCCEEDED',
  RECOVERY_FAILED: 'RECOVERY_FAILED',
  HIBERNATE: 'HIBERNATE',
  WAKE: 'WAKE',
  PARTICIPANT_JOINED: 'PARTICIPANT_JOINED',
  PARTICIPANT_LEFT: 'PARTICIPANT_LEFT',
  ROLE_CHANGED: 'ROLE_CHANGED',
  TERMINATE: 'TERMINATE',
  APPROVAL_REQUESTED: 'APPROVAL_REQUESTED',
  APPROVAL_DECIDED: 'APPROVAL_DECIDED',
  TIMER_ELAPSED,
} as const;

/** One of the session's input event type strings. */
export type SessionEventType = (typeof SESSION_EVENT)[keyof typeof SESSION_EVENT];

/** The deadlines a session can wait for (see `SESSION_AWAITS` for which state uses which). */
export type SessionTimerName =
  | 'startTimeout'
  | 'turnTimeout'
  | 'stallTimeout'
  | 'interruptTimeout'
  | 'idleTimeout'
  | 'recoveryTimeout'
  | 'approvalTimeout';

/** What went wrong with the agent process. */
export type FaultKind = 'crash' | 'hang' | 'stall' | 'garbage' | 'exit';

/** A participant's rights: owners and editors send and interrupt, viewers only watch. */
export type ParticipantRole = 'owner' | 'editor' | 'viewer';

/** Token counts of one turn, as the agent's result line reports them. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

/** The agent process exists (`pid`); its init line has not arrived yet. */
export interface AgentSpawnedEvent {
  type: typeof SESSION_EVENT.AGENT_SPAWNED;
  at: number;
  pid: number;
}

/** The agent printed its `system/init` line: it can take a turn. */
export interface AgentReadyEvent {
  type: typeof SESSION_EVENT.AGENT_READY;
  at: number;
  claudeSessionId: string;
  model?: string;
  tools?: string[];
}

/** A participant's message was accepted as turn `turnId` (idempotent on `turnId`). */
export interface MessageAcceptedEvent {
  type: typeof SESSION_EVENT.MESSAGE_ACCEPTED;
  at: number;
  turnId: string;
  text: string;
  userId: string;
  clientMsgId?: string;
}

/**
 * What the agent said, as stored for clients (history, streaming, reconnect): plain JSON the machine never
 * reads. `text` is the readable part when there is one (assistant text, a streamed delta).
 */
export interface AgentOutputContent {
  text?: string;
  [field: string]: unknown;
}

/** The agent produced output for `turnId`: proof of life that pushes the stall deadline. */
export interface AgentOutputEvent {
  type: typeof SESSION_EVENT.AGENT_OUTPUT;
  at: number;
  turnId: string;
  chunkType: string;
  /** The output itself, for clients; absent in tests that only model timing. */
  content?: AgentOutputContent;
  /**
   * The top-level `uuid` of an assistant line: its id in the CLI's transcript, what `--resume-session-at` takes when
   * the session is forked (kept beside `content`, so message processors cannot drop it, and stored in clear).
   */
  messageUuid?: string;
}

/** The agent's result line for `turnId`; `costUsd` is this turn's cost, not a running total. */
export interface TurnCompletedEvent {
  type: typeof SESSION_EVENT.TURN_COMPLETED;
  at: number;
  turnId: string;
  usage: TokenUsage;
  costUsd: number;
  isError: boolean;
  /** The result text the agent printed, for clients. */
  result?: string;
  /** The agent's error messages when `isError` (e.g. an API error). */
  errors?: string[];
}

/** A participant (or, with `asOperator`, an operator of the session's tenant) asked to stop the running turn. */
export interface InterruptRequestedEvent {
  type: typeof SESSION_EVENT.INTERRUPT_REQUESTED;
  at: number;
  userId: string;
  /** The runtime vouches that `userId` may act on any session of the tenant without taking part. */
  asOperator?: boolean;
}

/** The agent process misbehaved: crashed, hung, stalled, printed garbage or exited. */
export interface AgentFaultEvent {
  type: typeof SESSION_EVENT.AGENT_FAULT;
  at: number;
  fault: FaultKind;
  exitCode?: number | null;
  detail?: string;
}

/** The runtime restarted the agent (with `--resume`) and saw its init line. */
export interface RecoverySucceededEvent {
  type: typeof SESSION_EVENT.RECOVERY_SUCCEEDED;
  at: number;
  pid?: number;
  claudeSessionId?: string;
}

/** The runtime's recovery attempt failed. */
export interface RecoveryFailedEvent {
  type: typeof SESSION_EVENT.RECOVERY_FAILED;
  at: number;
  detail?: string;
}

/** The pool or an operator asks an idle session to stop its process and hibernate. */
export interface HibernateEvent {
  type: typeof SESSION_EVENT.HIBERNATE;
  at: number;
  reason?: string;
}

/** Someone asks a hibernated session to resume its process without sending a message. */
export interface WakeEvent {
  type: typeof SESSION_EVENT.WAKE;
  at: number;
  userId?: string;
}

/**
 * A user joined the session (ownership cannot be granted this way): invited by its owner or an operator, or (`via:
 * 'share'`) on their own, which only a shareable session from which they were not removed takes.
 */
export interface ParticipantJoinedEvent {
  type: typeof SESSION_EVENT.PARTICIPANT_JOINED;
  at: number;
  userId: string;
  role: Exclude<ParticipantRole, 'owner'>;
  /** Absent: invited (the only way before sharing took consent). */
  via?: 'share';
}

/**
 * A user left the session (the owner cannot leave; the session is terminated instead); with `removed`, someone else
 * removed them, and they cannot join again by sharing until invited.
 */
export interface ParticipantLeftEvent {
  type: typeof SESSION_EVENT.PARTICIPANT_LEFT;
  at: number;
  userId: string;
  removed?: true;
}

/** A participant's role changed between editor and viewer (the owner's role never changes). */
export interface RoleChangedEvent {
  type: typeof SESSION_EVENT.ROLE_CHANGED;
  at: number;
  userId: string;
  role: Exclude<ParticipantRole, 'owner'>;
}

/** End the session for good. */
export interface TerminateEvent {
  type: typeof SESSION_EVENT.TERMINATE;
  at: number;
  reason: string;
}

/** What a tool approval request asks: the agent wants to run `toolName` with `input` (as the CLI's `can_use_tool` says). */
export interface ToolUseRequest {
  /** The CLI's control request id: the answer goes back under it. */
  requestId: string;
  toolName: string;
  input: Record<string, unknown>;
  toolUseId: string | null;
  /** The CLI's `permission_suggestions`, passed on to clients as they came. */
  suggestions: unknown[];
  /** The CLI's `decision_reason` or `blocked_path`, when it gave them. */
  reason: string | null;
}

/** The agent asked to use a tool during `turnId` and no policy rule decided it: a human must (see docs/approvals.md). */
export interface ApprovalRequestedEvent extends ToolUseRequest {
  type: typeof SESSION_EVENT.APPROVAL_REQUESTED;
  at: number;
  turnId: string;
}

/** Whether a tool use may go ahead. */
export type ApprovalBehavior = 'allow' | 'deny';

/** Who decides a tool approval: a policy rule (without a human) or a participant. */
export type ApprovalDecider = 'policy' | 'human';

/**
 * A tool use request of `turnId` was decided: by the policy rule `rule` (the request was never pending), or by
 * participant `userId` (an owner or editor) answering the pending request `requestId`. The first answer wins.
 */
export interface ApprovalDecidedEvent {
  type: typeof SESSION_EVENT.APPROVAL_DECIDED;
  at: number;
  requestId: string;
  turnId: string;
  toolName: string;
  behavior: ApprovalBehavior;
  decidedBy: ApprovalDecider;
  /** The rule that decided (policy), by its name. */
  rule?: string;
  /** The participant who decided (human). */
  userId?: string;
  /** The input the tool runs with instead of the requested one (allow only). */
  updatedInput?: Record<string, unknown>;
  /** Why it was denied, for the agent. */
  message?: string;
  /** "Always allow this tool for the session": later requests for `toolName` are allowed without asking. */
  always?: boolean;
  /** The request itself, kept with a policy decision (a human decision follows its `ToolApprovalRequested`). */
  input?: Record<string, unknown>;
}

/** Every event the session machine accepts. */
export type SessionEvent =
  | AgentSpawnedEvent
  | AgentReadyEvent
  | MessageAcceptedEvent
  | AgentOutputEvent
  | TurnCompletedEvent
  | InterruptRequestedEvent
  | AgentFaultEvent
  | RecoverySucceededEvent
  | RecoveryFailedEvent
  | HibernateEvent
  | WakeEvent
  | ParticipantJoinedEvent
  | ParticipantLeftEvent
  | RoleChangedEvent
  | TerminateEvent
  | ApprovalRequestedEvent
  | ApprovalDecidedEvent
  | TimerElapsedEvent<SessionTimerName>;

/** Past-tense names under which accepted session events are persisted. */
export const SESSION_PERSISTED_NAME = {
  AGENT_SPAWNED: 'AgentSpawned',
  AGENT_READY: 'AgentInitialized',
  MESSAGE_ACCEPTED: 'MessageAccepted',
  AGENT_OUTPUT: 'AgentOutputReceived',
  TURN_COMPLETED: 'TurnCompleted',
  INTERRUPT_REQUESTED: 'InterruptRequested',
  AGENT_FAULT: 'AgentFaulted',
  RECOVERY_SUCCEEDED: 'RecoverySucceeded',
  RECOVERY_FAILED: 'RecoveryFailed',
  HIBERNATE: 'SessionHibernated',
  WAKE: 'SessionWoken',
  PARTICIPANT_JOINED: 'ParticipantJoined',
  PARTICIPANT_LEFT: 'ParticipantLeft',
  ROLE_CHANGED: 'ParticipantRoleChanged',
  TERMINATE: 'SessionTerminated',
  APPROVAL_REQUESTED: 'ToolApprovalRequested',
  APPROVAL_DECIDED: 'ToolApprovalDecided',
  TIMER_ELAPSED: 'TimerElapsed',
} as const satisfies Record<SessionEventType, string>;

/** Persisted name → input event type, for reading a `session-<id>` stream back. */
export const SESSION_EVENT_FROM_PERSISTED = invertNames(SESSION_PERSISTED_NAME);

/**
 * Persisted name of a stream's first event, whose data is the machine's `SessionInput`: the input is
 * not an event the machine receives, but the stream must hold it for `replay(machine, input, rest)`.
 */
export const SESSION_PROVISIONED = 'SessionProvisioned';

/**
 * Persisted names of the session's recorded outcomes: facts the runtime stores in the same append as the event
 * whose step produced them (see `session.outcomes.ts`). The machine never takes them as input; folding skips them.
 */
export const SESSION_OUTCOME_NAME = {
  TURN_ABORTED: 'TurnAborted',
  TOOL_APPROVAL_EXPIRED: 'ToolApprovalExpired',
  TOOL_APPROVAL_CANCELLED: 'ToolApprovalCancelled',
} as const;

/**
 * Why a turn was aborted: `agent-fault` (the process crashed, hung, stalled, printed garbage, exited, or died
 * with the server; the turn is not retried), `failed` (too many failures in a row), `terminated` (the session
 * ended), or the reason of the `HIBERNATE` that stopped a session mid-turn (`shutdown` on a clean stop).
 */
export type TurnAbortReason = 'agent-fault' | 'failed' | 'terminated' | 'shutdown' | (string & {});

/** Data of a stored `TurnAborted`: turn `turnId` will never complete. */
export interface TurnAbortedData {
  turnId: string;
  reason: TurnAbortReason;
  /** The `at` of the event whose step aborted it. */
  at: number;
}

/**
 * Why a pending tool approval ended without an answer: `timeout` (nobody answered before `agent.approval_timeout`:
 * the tool is denied, stored as `ToolApprovalExpired`), or, stored as `ToolApprovalCancelled`, `interrupted`,
 * `terminated`, `agent-fault` (the process died, also at a server restart), `turn-ended` (the agent ended the turn
 * itself), `failed`, or the reason of the `HIBERNATE` that stopped the session.
 */
export type ApprovalCloseReason = 'timeout' | 'interrupted' | 'terminated' | 'agent-fault' | 'turn-ended' | 'failed' | (string & {});

/** Data of a stored `ToolApprovalExpired` or `ToolApprovalCancelled`: request `requestId` of turn `turnId` was denied unanswered. */
export interface ToolApprovalClosedData {
  requestId: string;
  turnId: string;
  toolName: string;
  reason: ApprovalCloseReason;
  /** When it was requested, and the `at` of the event whose step closed it. */
  requestedAt: number;
  at: number;
}
