/**
 * The turn-end contract, checked on stored histories: every `MessageAccepted` is followed by exactly one terminal
 * event for its `turnId` — `TurnCompleted`, or `TurnAborted {turnId, reason}` (crash, hang, kill -9 of the server,
 * terminate, hibernation) — and no terminal event names a turn that was never accepted.
 */
import { SESSION_PERSISTED_NAME } from '../../../machines/index.js';
import type { HistoryEvent } from './api.js';

/**
 * The stored names of terminal events. `TurnAborted` is read from the event-name table when it is there (issue 11,
 * defect 5 adds it), else by its agreed name.
 */
export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  SESSION_PERSISTED_NAME.TURN_COMPLETED,
  (SESSION_PERSISTED_NAME as Readonly<Record<string, string>>)['TURN_ABORTED'] ?? 'TurnAborted',
]);

/** A turn whose ending breaks the contract. */
export interface TurnEndViolation {
  readonly sessionId: string;
  readonly turnId: string;
  /** Terminal events stored for it after its acceptance (want exactly 1). */
  readonly terminals: number;
  readonly problem: 'no terminal event' | 'more than one terminal event' | 'terminal event before acceptance' | 'terminal event for an unknown turn';
  /** The session's event types from the acceptance on (the first 12), to see what happened instead. */
  readonly trail: string;
}

/** The violations of the turn-end contract in `histories` (session id → its events in revision order). */
export function checkTurnEnds(histories: ReadonlyMap<string, readonly HistoryEvent[]>): TurnEndViolation[] {
  const violations: TurnEndViolation[] = [];
  for (const [sessionId, events] of histories) {
    const accepted = new Map<string, number>();
    const terminals = new Map<string, number[]>();
    events.forEach((event, index) => {
      const turnId = event.data['turnId'];
      if (typeof turnId !== 'string') return;
      if (event.type === SESSION_PERSISTED_NAME.MESSAGE_ACCEPTED && !accepted.has(turnId)) accepted.set(turnId, index);
      if (TERMINAL_EVENT_TYPES.has(event.type)) terminals.set(turnId, [...(terminals.get(turnId) ?? []), index]);
    });
    const trailFrom = (index: number): string => events.slice(index, index + 12).map((event) => event.type).join(' ');
    for (const [turnId, at] of accepted) {
      const ends = terminals.get(turnId) ?? [];
      const after = ends.filter((index) => index > at);
      const problem =
        ends.length > after.length ? 'terminal event before acceptance'
        : after.length === 0 ? 'no terminal event'
        : after.length > 1 ? 'more than one terminal event'
        : null;
      if (problem !== null) violations.push({ sessionId, turnId, terminals: after.length, problem, trail: trailFrom(at) });
    }
    for (const [turnId, ends] of terminals) {
      if (!accepted.has(turnId)) violations.push({ sessionId, turnId, terminals: ends.length, problem: 'terminal event for an unknown turn', trail: trailFrom(ends[0] ?? 0) });
    }
  }
  return violations;
}
