/**
 * Test fixtures for the session machine: a compact input and one builder per event type, so example
 * tests and properties read as histories (`msg(5, 't1')`, `fault(9, 'crash')`). Pure data; no test
 * framework.
 */
import type { SessionEvent, FaultKind, SessionTimerName, ParticipantRole } from '../session.events.js';
import { SESSION_EVENT as E } from '../session.events.js';
import type { SessionInput } from '../session.options.js';

/** A session owned by `alice` with short limits (two failures tolerated, two queued messages). */
export const testSessionInput: SessionInput = {
  sessionId: 'sess-1',
  tenant: 'acme',
  owner: 'alice',
  at: 0,
  options: { model: 'sonnet', cwd: '/work', permissionMode: 'default', allowedTools: ['Read'], systemPrompt: null },
  limits: {
    startTimeoutMs: 1_000,
    turnTimeoutMs: 10_000,
    stallTimeoutMs: 3_000,
    interruptGraceMs: 500,
    idleTimeoutMs: 60_000,
    recoveryTimeoutMs: 2_000,
    maxConsecutiveFailures: 2,
    maxQueuedMessages: 2,
    approvalTimeoutMs: 5_000,
  },
};

/** Event builders, one per input type, `at` first. */
export const ev = {
  spawned: (at: number, pid = 100): SessionEvent => ({ type: E.AGENT_SPAWNED, at, pid }),
  ready: (at: number, claudeSessionId = 'claude-1'): SessionEvent => ({ type: E.AGENT_READY, at, claudeSessionId, model: 'sonnet', tools: ['Read'] }),
  msg: (at: number, turnId: string, userId = 'alice'): SessionEvent => ({ type: E.MESSAGE_ACCEPTED, at, turnId, text: `text of ${turnId}`, userId }),
  output: (at: number, turnId: string): SessionEvent => ({ type: E.AGENT_OUTPUT, at, turnId, chunkType: 'assistant' }),
  done: (at: number, turnId: string, isError = false): SessionEvent => ({
    type: E.TURN_COMPLETED,
    at,
    turnId,
    usage: { inputTokens: 10, outputTokens: 20, cacheReadTokens: 3, cacheCreationTokens: 4 },
    costUsd: 0.25,
    isError,
  }),
  interrupt: (at: number, userId = 'alice'): SessionEvent => ({ type: E.INTERRUPT_REQUESTED, at, userId }),
  fault: (at: number, fault: FaultKind): SessionEvent => ({ type: E.AGENT_FAULT, at, fault, exitCode: fault === 'exit' ? 1 : null }),
  recovered: (at: number, pid = 200): SessionEvent => ({ type: E.RECOVERY_SUCCEEDED, at, pid }),
  recoveryFailed: (at: number): SessionEvent => ({ type: E.RECOVERY_FAILED, at, detail: 'resume failed' }),
  hibernate: (at: number): SessionEvent => ({ type: E.HIBERNATE, at, reason: 'pool' }),
  wake: (at: number): SessionEvent => ({ type: E.WAKE, at }),
  join: (at: number, userId: string, role: ParticipantRole): SessionEvent =>
    ({ type: E.PARTICIPANT_JOINED, at, userId, role }) as SessionEvent,
  leave: (at: number, userId: string): SessionEvent => ({ type: E.PARTICIPANT_LEFT, at, userId }),
  role: (at: number, userId: string, role: ParticipantRole): SessionEvent => ({ type: E.ROLE_CHANGED, at, userId, role }) as SessionEvent,
  terminate: (at: number, reason = 'done'): SessionEvent => ({ type: E.TERMINATE, at, reason }),
  timer: (at: number, name: SessionTimerName): SessionEvent => ({ type: E.TIMER_ELAPSED, at, name }),
  ask: (at: number, turnId: string, requestId: string, toolName = 'Bash'): SessionEvent => ({
    type: E.APPROVAL_REQUESTED,
    at,
    turnId,
    requestId,
    toolName,
    input: { command: 'ls' },
    toolUseId: `tu-${requestId}`,
    suggestions: [],
    reason: null,
  }),
  answer: (at: number, requestId: string, turnId: string, userId: string, behavior: 'allow' | 'deny', always = false): SessionEvent => ({
    type: E.APPROVAL_DECIDED,
    at,
    requestId,
    turnId,
    toolName: 'Bash',
    behavior,
    decidedBy: 'human',
    userId,
    ...(always ? { always } : {}),
  }),
  policy: (at: number, turnId: string, requestId: string, behavior: 'allow' | 'deny'): SessionEvent => ({
    type: E.APPROVAL_DECIDED,
    at,
    requestId,
    turnId,
    toolName: 'Read',
    behavior,
    decidedBy: 'policy',
    rule: `read:${behavior}`,
  }),
};
