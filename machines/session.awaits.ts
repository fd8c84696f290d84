/**
 * What each session state waits for, as data: the deadlines it may arm and the external facts that
 * move it on. A `bounded` state always has a deadline armed, because the facts it waits for come from
 * the runtime and might never arrive (a process that never prints its init line); a `resting` state
 * waits for someone's decision (a message, the pool, an operator) and may also arm a deadline. The
 * runtime can use this to explain a session's status; the property tests assert that every reachable
 * snapshot obeys it, so no session can be stuck without a way forward.
 */
import { TIMER_ELAPSED } from './deadline.js';
import { SESSION_EVENT as E, type SessionEventType, type SessionTimerName } from './session.events.js';
import type { SessionStateValue } from './session.states.js';

/** What one state waits for. */
export interface StateAwaits {
  kind: 'bounded' | 'resting' | 'final';
  /** Deadlines `context.deadline` may name in this state. */
  deadlines: readonly SessionTimerName[];
  /** Events (other than `TIMER_ELAPSED` and the participant/terminate events every state takes) that move it on. */
  facts: readonly SessionEventType[];
}

/** The awaits table of the session machine: one row per state. */
export const SESSION_AWAITS: Readonly<Record<SessionStateValue, StateAwaits>> = {
  provisioning: { kind: 'bounded', deadlines: ['startTimeout'], facts: [E.AGENT_SPAWNED, E.AGENT_FAULT, E.HIBERNATE] },
  starting: { kind: 'bounded', deadlines: ['startTimeout'], facts: [E.AGENT_READY, E.AGENT_FAULT, E.HIBERNATE] },
  ready: { kind: 'resting', deadlines: ['idleTimeout'], facts: [E.MESSAGE_ACCEPTED, E.HIBERNATE, E.AGENT_FAULT] },
  busy: {
    kind: 'bounded',
    deadlines: ['turnTimeout', 'stallTimeout'],
    facts: [E.AGENT_OUTPUT, E.TURN_COMPLETED, E.INTERRUPT_REQUESTED, E.APPROVAL_REQUESTED, E.AGENT_FAULT, E.HIBERNATE],
  },
  awaitingApproval: {
    kind: 'bounded',
    deadlines: ['approvalTimeout'],
    facts: [E.APPROVAL_DECIDED, E.TURN_COMPLETED, E.INTERRUPT_REQUESTED, E.AGENT_FAULT, E.HIBERNATE],
  },
  interrupting: { kind: 'bounded', deadlines: ['interruptTimeout'], facts: [E.TURN_COMPLETED, E.AGENT_FAULT, E.HIBERNATE] },
  idle: { kind: 'resting', deadlines: ['idleTimeout'], facts: [E.MESSAGE_ACCEPTED, E.HIBERNATE, E.AGENT_FAULT] },
  hibernated: { kind: 'resting', deadlines: [], facts: [E.MESSAGE_ACCEPTED, E.WAKE] },
  resuming: { kind: 'bounded', deadlines: ['startTimeout'], facts: [E.AGENT_READY, E.AGENT_FAULT, E.HIBERNATE] },
  recovering: { kind: 'bounded', deadlines: ['recoveryTimeout'], facts: [E.RECOVERY_SUCCEEDED, E.RECOVERY_FAILED, E.HIBERNATE] },
  failed: { kind: 'resting', deadlines: [], facts: [E.TERMINATE] },
  terminated: { kind: 'final', deadlines: [], facts: [] },
};

/** Every event type a state reacts to: its facts, its timers, and what every live state takes. */
export function eventsAwaited(state: SessionStateValue): SessionEventType[] {
  const row = SESSION_AWAITS[state];
  if (row.kind === 'final') return [];
  const timers: SessionEventType[] = row.deadlines.length > 0 ? [TIMER_ELAPSED] : [];
  return [...row.facts, ...timers, E.PARTICIPANT_JOINED, E.PARTICIPANT_LEFT, E.ROLE_CHANGED, E.TERMINATE];
}
