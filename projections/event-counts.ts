/**
 * What each stored event counts for in the server's event counters (`aicli_agent_faults_total`,
 * `aicli_error_recovery_total`, `aicli_turns_total`, the breaker transitions and probes): a pure reading of one
 * event, so the metrics and the dashboard proof count the same things the same way.
 *
 * - fault `kind`: as {@link readFault} reads it (an `AgentFaulted`, or a fault deadline that fired).
 * - recovery `started`: a session event that moved it into `recovering` from another state; `succeeded`: a
 *   `RecoverySucceeded` (whether the session went on to `ready` or, a message being queued, straight to `busy`);
 *   `failed`: the session gave up and entered `failed` (a `RecoveryFailed` or recovery deadline after too many
 *   failures in a row, or a fault with none left). A failed attempt that starts another is part of the same
 *   recovery, as the pool's `RecoveryReported` counts it; a recovery cut short by hibernation or termination has no outcome.
 * - agent API retry: an `AgentOutputReceived` of chunk type `api_retry` (the CLI's `system/api_retry` line during a turn).
 * - turn `completed` / `error` (a `TurnCompleted` with or without `isError`) / `aborted` (a `TurnAborted`).
 * - breaker transition `from` → `to` (any breaker event that changed its state); probe `started`, `abandoned`, and
 *   `succeeded` / `failed` (a call outcome recorded while half-open).
 */
import { BREAKER_PERSISTED_NAME as B } from '../machines/circuit-breaker.events.js';
import { SESSION_OUTCOME_NAME, SESSION_PERSISTED_NAME as S, type FaultKind } from '../machines/session.events.js';
import { STREAM_PREFIX } from '../machines/streams.js';
import { breakerNameOf, recordOf, stateAfter, stateBefore, type ProjectedEvent } from './event.js';
import { readFault } from './faults.js';

/** Outcomes of `aicli_error_recovery_total`. */
export const RECOVERY_COUNT_OUTCOMES = ['started', 'succeeded', 'failed'] as const;
export type RecoveryCountOutcome = (typeof RECOVERY_COUNT_OUTCOMES)[number];

/** Outcomes of `aicli_turns_total`. */
export const TURN_OUTCOMES = ['completed', 'error', 'aborted'] as const;
export type TurnOutcome = (typeof TURN_OUTCOMES)[number];

/** Outcomes of `aicli_circuit_breaker_probes_total`. */
export const PROBE_OUTCOMES = ['started', 'succeeded', 'failed', 'abandoned'] as const;
export type ProbeOutcome = (typeof PROBE_OUTCOMES)[number];

/** Hears what one event counts for; an event may count for several (a fault that starts a recovery). */
export interface EventCountSink {
  fault(kind: FaultKind): void;
  recovery(outcome: RecoveryCountOutcome): void;
  turn(outcome: TurnOutcome): void;
  apiRetry(): void;
  breakerTransition(breaker: string, from: string, to: string): void;
  breakerProbe(breaker: string, outcome: ProbeOutcome): void;
}

/** Chunk type under which the agent bridge stores the CLI's `system/api_retry` lines (`AGENT_EVENT.API_RETRY`). */
const API_RETRY_CHUNK = 'api_retry';

const RECOVERING = 'recovering';
const FAILED = 'failed';
const HALF_OPEN = 'halfOpen';

function sessionCounts(event: ProjectedEvent, sink: EventCountSink): void {
  switch (event.type) {
    case S.AGENT_OUTPUT:
      // The commonest event: one property read, nothing else.
      if (recordOf(event.data)?.['chunkType'] === API_RETRY_CHUNK) sink.apiRetry();
      return;
    case S.TURN_COMPLETED:
      return sink.turn(recordOf(event.data)?.['isError'] === true ? 'error' : 'completed');
    case SESSION_OUTCOME_NAME.TURN_ABORTED:
      return sink.turn('aborted');
    case S.RECOVERY_SUCCEEDED:
      return sink.recovery('succeeded');
  }
  const reading = readFault(event);
  if (reading.kind === 'fault') sink.fault(reading.fault.kind);
  const from = stateBefore(event);
  if (from === null) return;
  const to = stateAfter(event);
  if (from !== RECOVERING && to === RECOVERING) sink.recovery('started');
  else if (from !== FAILED && to === FAILED) sink.recovery('failed');
}

function breakerCounts(breaker: string, event: ProjectedEvent, sink: EventCountSink): void {
  const from = stateBefore(event);
  const to = stateAfter(event);
  if (from !== null && to !== null && from !== to) sink.breakerTransition(breaker, from, to);
  if (event.type === B.PROBE_STARTED) sink.breakerProbe(breaker, 'started');
  else if (event.type === B.PROBE_ABANDONED) sink.breakerProbe(breaker, 'abandoned');
  else if (from === HALF_OPEN && event.type === B.CALL_SUCCEEDED) sink.breakerProbe(breaker, 'succeeded');
  else if (from === HALF_OPEN && event.type === B.CALL_FAILED) sink.breakerProbe(breaker, 'failed');
}

/** Tells `sink` what `event` counts for (see the module comment); events of other streams count for nothing. */
export function countEvent(event: ProjectedEvent, sink: EventCountSink): void {
  // A prefix test, not `sessionIdOf`: this runs for every stored event, and needs no id.
  if (event.stream.startsWith(STREAM_PREFIX.session)) return sessionCounts(event, sink);
  const breaker = breakerNameOf(event);
  if (breaker !== null) breakerCounts(breaker, event, sink);
}
