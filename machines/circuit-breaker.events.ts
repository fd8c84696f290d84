/**
 * Event types of the circuit-breaker machine: the input names it accepts, their TypeScript shapes,
 * and the past-tense names they are persisted under in a `breaker-<name>` stream. Import these
 * constants; never retype the strings.
 */
import type { BreakerOptions } from './circuit-breaker.options.js';
import { TIMER_ELAPSED, type TimerElapsedEvent } from './deadline.js';
import { invertNames } from './event-names.js';

/** Input event types of the circuit breaker. */
export const BREAKER_EVENT = {
  CALL_SUCCEEDED: 'CALL_SUCCEEDED',
  CALL_FAILED: 'CALL_FAILED',
  PROBE_STARTED: 'PROBE_STARTED',
  PROBE_ABANDONED: 'PROBE_ABANDONED',
  TIMER_ELAPSED,
  RESET: 'RESET',
  ISOLATE: 'ISOLATE',
  RECONFIGURED: 'RECONFIGURED',
} as const;

/** One of the breaker's input event type strings. */
export type BreakerEventType = (typeof BREAKER_EVENT)[keyof typeof BREAKER_EVENT];

/** A breaker's deadlines: the end of an open period, and how long half-open waits for its probes' outcomes. */
export type BreakerTimerName = 'openTimeout' | 'probeTimeout';

/** A guarded call finished normally after `durationMs` (slow calls may still count as failures). */
export interface CallSucceededEvent {
  type: typeof BREAKER_EVENT.CALL_SUCCEEDED;
  at: number;
  durationMs: number;
}

/** A guarded call failed after `durationMs`; `errorKind` is informational only. */
export interface CallFailedEvent {
  type: typeof BREAKER_EVENT.CALL_FAILED;
  at: number;
  durationMs: number;
  errorKind?: string;
}

/** A caller was admitted as a half-open probe (ask `admission` first; a refused probe is ignored). */
export interface ProbeStartedEvent {
  type: typeof BREAKER_EVENT.PROBE_STARTED;
  at: number;
}

/**
 * An admitted probe will never report an outcome (its call was refused or aborted before it reached the guarded
 * service, or it died with the previous run): its slot is freed and nothing is counted.
 */
export interface ProbeAbandonedEvent {
  type: typeof BREAKER_EVENT.PROBE_ABANDONED;
  at: number;
  reason?: string;
}

/** The operator closed the breaker and cleared its history and back-off. */
export interface BreakerResetEvent {
  type: typeof BREAKER_EVENT.RESET;
  at: number;
}

/** The operator forced the breaker open until the next `RESET`. */
export interface BreakerIsolateEvent {
  type: typeof BREAKER_EVENT.ISOLATE;
  at: number;
}

/**
 * The configuration in force at start differs from the options the breaker was created with: from now on it uses
 * `options` (whole: a key left out takes its default). Its state, counts and current deadline are kept; the next
 * open period, probe and threshold use the new values.
 */
export interface BreakerReconfiguredEvent {
  type: typeof BREAKER_EVENT.RECONFIGURED;
  at: number;
  options: Partial<BreakerOptions>;
}

/** Every event the circuit-breaker machine accepts. */
export type BreakerEvent =
  | CallSucceededEvent
  | CallFailedEvent
  | ProbeStartedEvent
  | ProbeAbandonedEvent
  | TimerElapsedEvent<BreakerTimerName>
  | BreakerResetEvent
  | BreakerIsolateEvent
  | BreakerReconfiguredEvent;

/** Past-tense names under which accepted breaker events are persisted. */
export const BREAKER_PERSISTED_NAME = {
  CALL_SUCCEEDED: 'CallSucceeded',
  CALL_FAILED: 'CallFailed',
  PROBE_STARTED: 'ProbeStarted',
  PROBE_ABANDONED: 'ProbeAbandoned',
  TIMER_ELAPSED: 'TimerElapsed',
  RESET: 'BreakerReset',
  ISOLATE: 'BreakerIsolated',
  RECONFIGURED: 'BreakerReconfigured',
} as const satisfies Record<BreakerEventType, string>;

/** Persisted name → input event type, for reading a `breaker-<name>` stream back. */
export const BREAKER_EVENT_FROM_PERSISTED = invertNames(BREAKER_PERSISTED_NAME);
