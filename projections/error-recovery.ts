/**
 * The `error-recovery` projection: recoveries as the pool reports them (`RecoveryReported` in `pool-<name>`),
 * agent faults by kind from the session streams (`faults.ts`), and each circuit breaker's state, trips and call
 * counts from its `breaker-<name>` stream (`metadata.to` is the breaker's state after each event).
 */
import { BREAKER_PERSISTED_NAME as B } from '../machines/circuit-breaker.events.js';
import type { BreakerStateValue } from '../machines/circuit-breaker.machine.js';
import { POOL_PERSISTED_NAME as P, type RecoveryOutcome } from '../machines/pool.events.js';
import type { FaultKind } from '../machines/session.events.js';
import { RUNTIME_EVENT_TYPE, STREAM_PREFIX } from '../machines/streams.js';
import { atOf, breakerNameOf, own, recordOf, sessionIdOf, stateAfter, stateBefore, stringOf, type ProjectedEvent, type Projection } from './event.js';
import { FAULT_KINDS, readFault } from './faults.js';

/** One breaker as the status shows it. */
export interface BreakerStatus {
  /** The breaker machine's state (`closed`, `open`, `halfOpen`, `isolated`). */
  readonly state: string;
  /** Times the breaker moved into `open` from another state. */
  readonly opens: number;
  /** When the state last changed (or the breaker was created). */
  readonly lastChangeAt: number | null;
  readonly failures: number;
  readonly successes: number;
}

/** State of the `error-recovery` projection. */
export interface ErrorRecoveryState {
  readonly recoveries: { readonly [K in RecoveryOutcome]: number };
  /** `succeeded / (succeeded + failed)`; 1 while no recovery has finished. */
  readonly successRate: number;
  readonly faultsByKind: { readonly [K in FaultKind]: number };
  readonly breakers: { readonly [name: string]: BreakerStatus };
  readonly skipped: number;
}

/** Version of the state's shape, for checkpoints: bump it whenever the state or the fold changes. */
export const ERROR_RECOVERY_VERSION = 1;

/** Name of the projection. */
export const ERROR_RECOVERY = 'error-recovery';

const OPEN: BreakerStateValue = 'open';
const OUTCOMES: { readonly [K in RecoveryOutcome]: number } = { started: 0, succeeded: 0, failed: 0 };
const BREAKER_TYPES: ReadonlySet<string> = new Set([RUNTIME_EVENT_TYPE.breakerCreated, ...Object.values(B)]);

/** `succeeded / (succeeded + failed)`, or 1 when neither happened. */
export function successRate(recoveries: { readonly succeeded: number; readonly failed: number }): number {
  const finished = recoveries.succeeded + recoveries.failed;
  return finished === 0 ? 1 : recoveries.succeeded / finished;
}

/** The state before any event. */
export function initialErrorRecovery(): ErrorRecoveryState {
  const faultsByKind = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as { [K in FaultKind]: number };
  return { recoveries: { ...OUTCOMES }, successRate: 1, faultsByKind, breakers: {}, skipped: 0 };
}

const skip = (state: ErrorRecoveryState): ErrorRecoveryState => ({ ...state, skipped: state.skipped + 1 });

function recoveryReported(state: ErrorRecoveryState, event: ProjectedEvent): ErrorRecoveryState {
  const outcome = stringOf(recordOf(event.data)?.['outcome']);
  if (outcome === null || !Object.hasOwn(OUTCOMES, outcome)) return skip(state);
  const key = outcome as RecoveryOutcome;
  const recoveries = { ...state.recoveries, [key]: state.recoveries[key] + 1 };
  return { ...state, recoveries, successRate: successRate(recoveries) };
}

function sessionEvent(state: ErrorRecoveryState, event: ProjectedEvent): ErrorRecoveryState {
  const reading = readFault(event);
  if (reading.kind === 'none') return state;
  if (reading.kind === 'malformed') return skip(state);
  const kind = reading.fault.kind;
  return { ...state, faultsByKind: { ...state.faultsByKind, [kind]: state.faultsByKind[kind] + 1 } };
}

function breakerEvent(state: ErrorRecoveryState, name: string, event: ProjectedEvent): ErrorRecoveryState {
  if (!BREAKER_TYPES.has(event.type)) return state;
  const known = own(state.breakers, name);
  const to = stateAfter(event);
  const at = atOf(event);
  const createdNow = event.type === RUNTIME_EVENT_TYPE.breakerCreated;
  if (to === null || createdNow === (known !== undefined)) return skip(state);
  const before = known ?? { state: to, opens: 0, lastChangeAt: at, failures: 0, successes: 0 };
  const from = known === undefined ? null : stateBefore(event) ?? known.state;
  const changed = from !== null && from !== to;
  const next: BreakerStatus = {
    state: to,
    opens: before.opens + (changed && to === OPEN ? 1 : 0),
    lastChangeAt: changed ? (at ?? before.lastChangeAt) : before.lastChangeAt,
    failures: before.failures + (event.type === B.CALL_FAILED ? 1 : 0),
    successes: before.successes + (event.type === B.CALL_SUCCEEDED ? 1 : 0),
  };
  return { ...state, breakers: { ...state.breakers, [name]: next } };
}

/** Folds one stored event; events of other streams and unknown types leave the state unchanged. */
export function applyErrorRecovery(state: ErrorRecoveryState, event: ProjectedEvent): ErrorRecoveryState {
  if (sessionIdOf(event) !== null) return sessionEvent(state, event);
  const breaker = breakerNameOf(event);
  if (breaker !== null) return breakerEvent(state, breaker, event);
  if (event.stream.startsWith(STREAM_PREFIX.pool) && event.type === P.RECOVERY_REPORTED) return recoveryReported(state, event);
  return state;
}

/** The `error-recovery` projection, for the host. */
export const errorRecoveryProjection: Projection<ErrorRecoveryState> = {
  name: ERROR_RECOVERY,
  version: ERROR_RECOVERY_VERSION,
  initial: initialErrorRecovery,
  apply: applyErrorRecovery,
};
