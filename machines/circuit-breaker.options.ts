/**
 * Options of one circuit breaker and their defaults. Values are trusted here: the config module
 * validates them before a breaker is created.
 */
import { mergeOptions, sameOptions } from './options.js';

/** Thresholds and timings of a circuit breaker (all durations in milliseconds). */
export interface BreakerOptions {
  /** Consecutive failures (slow calls included) that open the breaker. */
  consecutiveFailureThreshold: number;
  /** Failure ratio (0–1) over the sliding window that opens the breaker once `minimumCalls` is met. */
  failureRateThreshold: number;
  /** Calls the window must hold before the failure rate is considered. */
  minimumCalls: number;
  /** Length of the sliding window, rounded up to whole buckets (see `BREAKER_WINDOW_BUCKETS`). */
  windowMs: number;
  /** A call this slow or slower counts as a failure; `null` disables slow-call detection. */
  slowCallDurationMs: number | null;
  /** Length of the first open period. */
  openDurationMs: number;
  /** Cap on the open period as it grows. */
  maxOpenDurationMs: number;
  /** Factor applied to the open period on each trip since the last successful close. */
  backoffMultiplier: number;
  /** Probes admitted concurrently in half-open. */
  halfOpenMaxProbes: number;
  /** Successful probes that close the breaker again. */
  halfOpenSuccessesToClose: number;
  /**
   * How long half-open waits for the outcome of its probes (from the first one admitted while none was in
   * flight); past it the probes count as failed and the breaker opens again. `null`: wait forever.
   */
  probeTimeoutMs: number | null;
}

/** The options a breaker uses for every key its input leaves out. */
export const DEFAULT_BREAKER_OPTIONS: Readonly<BreakerOptions> = Object.freeze({
  consecutiveFailureThreshold: 5,
  failureRateThreshold: 0.5,
  minimumCalls: 10,
  windowMs: 60_000,
  slowCallDurationMs: null,
  openDurationMs: 10_000,
  maxOpenDurationMs: 300_000,
  backoffMultiplier: 2,
  halfOpenMaxProbes: 1,
  halfOpenSuccessesToClose: 1,
  probeTimeoutMs: 60_000,
});

/** What `createActor(circuitBreakerMachine, { input })` takes: a name and any option overrides. */
export interface BreakerInput extends Partial<BreakerOptions> {
  name: string;
}

/** `options` with every key it leaves out at its default (a stored breaker may predate an option). */
export function completeBreakerOptions(options: Partial<BreakerOptions>): BreakerOptions {
  return mergeOptions(DEFAULT_BREAKER_OPTIONS, options);
}

/** Whether `a` and `b` set every breaker option alike, once completed (key order does not matter). */
export function sameBreakerOptions(a: Partial<BreakerOptions>, b: Partial<BreakerOptions>): boolean {
  return sameOptions(DEFAULT_BREAKER_OPTIONS, completeBreakerOptions(a), completeBreakerOptions(b));
}
