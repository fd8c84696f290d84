/**
 * The breaker's context and the pure rules over it: what counts as a failure, when the breaker
 * trips, how long it stays open. The machine calls these from guards and `assign`; the tests use
 * them only through the machine.
 */
import { BREAKER_EVENT, type BreakerTimerName, type CallFailedEvent, type CallSucceededEvent } from './circuit-breaker.events.js';
import { DEFAULT_BREAKER_OPTIONS, type BreakerInput, type BreakerOptions } from './circuit-breaker.options.js';
import { recordCall, windowStats, type WindowBucket } from './circuit-breaker.window.js';
import type { Deadline } from './deadline.js';

/** Everything a breaker remembers; plain JSON. */
export interface BreakerContext {
  name: string;
  options: BreakerOptions;
  /** Call outcomes in the sliding window (closed only; cleared on every state change). */
  window: WindowBucket[];
  /** Failures (slow calls included) since the last success, in closed. */
  consecutiveFailures: number;
  /** Times the breaker has opened, ever. */
  trips: number;
  /** Trips since the last successful close; drives the back-off. */
  consecutiveTrips: number;
  /** Length of the current (or last) open period. */
  openDurationMs: number;
  /** When the current open period began; `null` unless open or half-open. */
  openedAt: number | null;
  /** End of the open period while open; the probe timeout while half-open with probes in flight; `null` elsewhere. */
  deadline: Deadline<BreakerTimerName> | null;
  /** Probes admitted in half-open whose result has not arrived. */
  probesInFlight: number;
  /** Successful probes in the current half-open period. */
  probeSuccesses: number;
}

/** A finished call, as the breaker sees it. */
export type CallEvent = CallSucceededEvent | CallFailedEvent;

/** The context of a new, closed breaker. */
export function initialBreakerContext(input: BreakerInput): BreakerContext {
  const { name, ...overrides } = input;
  const options = { ...DEFAULT_BREAKER_OPTIONS, ...overrides };
  return {
    name,
    options,
    window: [],
    consecutiveFailures: 0,
    trips: 0,
    consecutiveTrips: 0,
    openDurationMs: options.openDurationMs,
    openedAt: null,
    deadline: null,
    probesInFlight: 0,
    probeSuccesses: 0,
  };
}

/** A failed call, or a successful one at least `slowCallDurationMs` long. */
export function isFailure(options: BreakerOptions, event: CallEvent): boolean {
  if (event.type === BREAKER_EVENT.CALL_FAILED) return true;
  return options.slowCallDurationMs !== null && event.durationMs >= options.slowCallDurationMs;
}

/** Window and consecutive-failure count after one call in closed. */
export function afterCall(context: BreakerContext, event: CallEvent): Pick<BreakerContext, 'window' | 'consecutiveFailures'> {
  const failed = isFailure(context.options, event);
  return {
    window: recordCall(context.window, event.at, failed, context.options.windowMs),
    consecutiveFailures: failed ? context.consecutiveFailures + 1 : 0,
  };
}

/** Whether the breaker opens after this call in closed: consecutive failures, or failure rate. */
export function tripsOn(context: BreakerContext, event: CallEvent): boolean {
  const { options } = context;
  const next = afterCall(context, event);
  if (next.consecutiveFailures >= options.consecutiveFailureThreshold) return true;
  const stats = windowStats(next.window, event.at, options.windowMs);
  return stats.calls > 0 && stats.calls >= options.minimumCalls && stats.failures / stats.calls >= options.failureRateThreshold;
}

/** Length of the open period after `consecutiveTrips` earlier trips since the last close. */
export function openDurationAfter(options: BreakerOptions, consecutiveTrips: number): number {
  return Math.min(options.maxOpenDurationMs, options.openDurationMs * options.backoffMultiplier ** consecutiveTrips);
}

/**
 * The probe timeout for probes admitted at `at`, or `null` when probes may take forever. A breaker created before
 * the option existed (its stored options lack it) gets the default.
 */
export function probeDeadline(options: BreakerOptions, at: number): Deadline<BreakerTimerName> | null {
  const timeout = options.probeTimeoutMs === undefined ? DEFAULT_BREAKER_OPTIONS.probeTimeoutMs : options.probeTimeoutMs;
  return timeout === null ? null : { name: 'probeTimeout', at: at + timeout };
}
