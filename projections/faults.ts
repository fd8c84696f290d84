/**
 * Which stored session events are agent faults, read the way the session machine counts them: an `AgentFaulted`
 * (its `fault`), or a `TimerElapsed` for a fault deadline fired in a state where that deadline is a fault
 * (`startTimeout` while starting, `stallTimeout` while busy, `interruptTimeout` while interrupting).
 */
import { TIMER_FAULT } from '../machines/session.context.js';
import { SESSION_PERSISTED_NAME, type FaultKind, type SessionTimerName } from '../machines/session.events.js';
import type { SessionStateValue } from '../machines/session.states.js';
import { atOf, recordOf, stateBefore, stringOf, type ProjectedEvent } from './event.js';

/** Every fault kind, in a fixed order (the keys of `faultsByKind`). */
export const FAULT_KINDS = Object.keys({ crash: true, hang: true, stall: true, garbage: true, exit: true } satisfies Record<FaultKind, true>) as readonly FaultKind[];

/** The states in which each fault deadline, when it fires, is a fault (elsewhere the machine ignores it or it is no fault). */
export const FAULT_TIMER_STATES: Readonly<Partial<Record<SessionTimerName, readonly SessionStateValue[]>>> = {
  startTimeout: ['provisioning', 'starting', 'resuming'],
  stallTimeout: ['busy'],
  interruptTimeout: ['interrupting'],
};

/** A fault as the projections show it. */
export interface FaultSeen {
  readonly kind: FaultKind;
  readonly at: number;
  readonly detail: string | null;
}

/** What a stored session event says about faults: one fault, none, or a fault event too malformed to read. */
export type FaultReading = { readonly kind: 'fault'; readonly fault: FaultSeen } | { readonly kind: 'none' } | { readonly kind: 'malformed' };

const NONE: FaultReading = { kind: 'none' };
const MALFORMED: FaultReading = { kind: 'malformed' };

const isFaultKind = (value: unknown): value is FaultKind => typeof value === 'string' && (FAULT_KINDS as readonly string[]).includes(value);

/** Reads a stored session event as a fault (see the module comment); never throws. */
export function readFault(event: ProjectedEvent): FaultReading {
  if (event.type !== SESSION_PERSISTED_NAME.AGENT_FAULT && event.type !== SESSION_PERSISTED_NAME.TIMER_ELAPSED) return NONE;
  const data = recordOf(event.data);
  const at = atOf(event);
  if (data === null || at === null) return MALFORMED;
  if (event.type === SESSION_PERSISTED_NAME.AGENT_FAULT) {
    const kind = data['fault'];
    return isFaultKind(kind) ? { kind: 'fault', fault: { kind, at, detail: stringOf(data['detail']) } } : MALFORMED;
  }
  const name = stringOf(data['name']);
  if (name === null) return MALFORMED;
  if (!Object.hasOwn(FAULT_TIMER_STATES, name) || !Object.hasOwn(TIMER_FAULT, name)) return NONE;
  const kind = TIMER_FAULT[name as SessionTimerName];
  const states = FAULT_TIMER_STATES[name as SessionTimerName];
  const from = stateBefore(event);
  if (kind === undefined || states === undefined || from === null || !(states as readonly string[]).includes(from)) return NONE;
  return { kind: 'fault', fault: { kind, at, detail: name } };
}
