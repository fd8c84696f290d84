/**
 * Adaptive retry for the pool's own operations (spawning an agent, waiting for it, recovering a crash):
 * per error class an attempt limit and a capped exponential backoff with "equal" jitter (retry n waits between
 * half and all of `min(maxDelayMs, baseDelayMs * 2^(n-1))`, so the configured delay is always honoured), and over all classes
 * one shared retry budget (see `retry-budget.ts`) so retries stay a bounded share of the traffic. Time is
 * passed in (`at`) and randomness injected, so the policy is deterministic under test.
 */
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import { createRetryBudget, type RetryBudgetOptions, type RetryBudgetStats } from './retry-budget.js';

export type { RetryBudgetOptions, RetryBudgetStats } from './retry-budget.js';

/** The kinds of failure the pool retries, each with its own limits. */
export const RETRY_ERROR_CLASSES = ['spawn_failure', 'timeout', 'rate_limit', 'crash'] as const;

/** One of {@link RETRY_ERROR_CLASSES}. */
export type RetryErrorClass = (typeof RETRY_ERROR_CLASSES)[number];

/** Why a retry was refused. */
export const RETRY_REFUSAL = {
  attemptsExhausted: 'attempts_exhausted',
  budgetExhausted: 'budget_exhausted',
} as const;

/** One of the values of {@link RETRY_REFUSAL}. */
export type RetryRefusal = (typeof RETRY_REFUSAL)[keyof typeof RETRY_REFUSAL];

/** The `kind` of {@link RetryGiveUp}. */
export const RETRY_GAVE_UP = 'RetryGaveUp';

/** Limits for one error class (durations in milliseconds). */
export interface RetryClassOptions {
  /** Retries after the first try. */
  maxAttempts: number;
  /** Upper bound of the first retry's delay; doubles on each further retry. */
  baseDelayMs: number;
  /** Cap on any delay, including a server's `retry-after`. */
  maxDelayMs: number;
}

/** Everything a retry policy is configured with. */
export interface RetryPolicyOptions {
  readonly classes: Readonly<Record<RetryErrorClass, RetryClassOptions>>;
  readonly budget: RetryBudgetOptions;
}

/** The retry limits the pool uses unless configured otherwise. */
export const DEFAULT_RETRY_OPTIONS: RetryPolicyOptions = Object.freeze({
  classes: Object.freeze({
    spawn_failure: Object.freeze({ maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5_000 }),
    timeout: Object.freeze({ maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 10_000 }),
    rate_limit: Object.freeze({ maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 }),
    crash: Object.freeze({ maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 10_000 }),
  }),
  budget: Object.freeze({ ratio: 0.2, minPerSecond: 1, windowMs: 10_000 }),
});

/** What the failed operation told us about when to come back (a rate limit's `retry-after`). */
export interface RetryHint {
  readonly retryAfterMs?: number;
}

/** Whether to retry, and after how long. */
export type RetryDecision = { readonly retry: true; readonly delayMs: number } | { readonly retry: false; readonly reason: RetryRefusal };

/** The error of an operation the policy stopped retrying; `attempts` counts every try, the first included. */
export interface RetryGiveUp<E> {
  readonly kind: typeof RETRY_GAVE_UP;
  readonly reason: RetryRefusal;
  readonly attempts: number;
  readonly lastError: E;
}

/** An adaptive retry policy; one per pool. */
export interface RetryPolicy {
  /** Records a first try at `at` (it earns the budget `ratio` retries). */
  recordCall(at: number): void;
  /**
   * Decides retry number `attempt` (1 = the first retry) of an operation that failed with `errorClass` at
   * `at`. A granted retry is withdrawn from the budget. Throws a `RangeError` for an `attempt` below 1 (a bug).
   */
  decide(errorClass: RetryErrorClass, attempt: number, at: number, hint?: RetryHint): RetryDecision;
  /** First tries, granted retries and budget refusals in the window ending at `at` (default: the newest time seen). */
  stats(at?: number): RetryBudgetStats;
}

/** The largest delay retry `attempt` of a class may wait: `min(maxDelayMs, baseDelayMs * 2^(attempt-1))`. */
export function backoffCeilingMs(options: RetryClassOptions, attempt: number): number {
  // 2^52 already exceeds any sane cap; clamping the exponent keeps 0 * 2^n from becoming NaN.
  return Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 52));
}

/**
 * The least delay retry `attempt` of a class waits: half its ceiling. Jitter spreads retries of many callers
 * without ever letting one come back (almost) at once, which full jitter (`[0, ceiling]`) allows.
 */
export function backoffFloorMs(options: RetryClassOptions, attempt: number): number {
  return Math.floor(backoffCeilingMs(options, attempt) / 2);
}

/** The delay of retry `attempt` for a `random` draw in [0, 1): uniform in [floor, ceiling], whole milliseconds. */
export function jitteredBackoffMs(options: RetryClassOptions, attempt: number, random: number): number {
  const ceiling = Math.floor(backoffCeilingMs(options, attempt));
  const floor = backoffFloorMs(options, attempt);
  return Math.min(ceiling, floor + Math.floor(random * (ceiling - floor + 1)));
}

/** The least delay a rate-limited retry waits: the server's `retry-after`, capped at `maxDelayMs`. */
function retryAfterFloor(hint: RetryHint | undefined, limits: RetryClassOptions): number {
  const retryAfter = hint?.retryAfterMs;
  if (retryAfter === undefined || !Number.isFinite(retryAfter) || retryAfter <= 0) return 0;
  return Math.min(Math.ceil(retryAfter), limits.maxDelayMs);
}

/** A fresh retry policy with `options`; `random` returns a number in [0, 1) like `Math.random`. */
export function createRetryPolicy(options: RetryPolicyOptions, random: () => number = Math.random): RetryPolicy {
  const budget = createRetryBudget(options.budget);
  return {
    recordCall: (at) => budget.recordCall(at),
    decide(errorClass, attempt, at, hint) {
      if (!(attempt >= 1)) throw new RangeError(`retry attempt must be at least 1, got ${attempt}`);
      const limits = options.classes[errorClass];
      if (attempt > limits.maxAttempts) return { retry: false, reason: RETRY_REFUSAL.attemptsExhausted };
      if (!budget.tryWithdraw(at)) return { retry: false, reason: RETRY_REFUSAL.budgetExhausted };
      const jittered = jitteredBackoffMs(limits, attempt, random());
      return { retry: true, delayMs: Math.max(jittered, errorClass === 'rate_limit' ? retryAfterFloor(hint, limits) : 0) };
    },
    stats: (at) => budget.stats(at),
  };
}

/** How {@link retryResultAsync} tells time, waits and reports. */
export interface RetryRunOptions<E> {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Extracts a `retry-after` from an error (used for `rate_limit`). */
  readonly hint?: (error: E) => RetryHint | undefined;
  readonly onRetry?: (info: { attempt: number; errorClass: RetryErrorClass; delayMs: number; error: E }) => void;
}

/**
 * Runs `fn(0)`, and on a failure that `classify` maps to a class, retries `fn(1)`, `fn(2)` ... as `policy`
 * allows, sleeping the decided delay between tries. An error classified `null` is returned as is; a refused
 * retry returns a {@link RetryGiveUp} carrying the last error.
 */
export function retryResultAsync<T, E>(
  policy: RetryPolicy,
  fn: (attempt: number) => ResultAsync<T, E>,
  classify: (error: E) => RetryErrorClass | null,
  options: RetryRunOptions<E>,
): ResultAsync<T, E | RetryGiveUp<E>> {
  const run = async (): Promise<Result<T, E | RetryGiveUp<E>>> => {
    policy.recordCall(options.now());
    for (let attempt = 0; ; attempt++) {
      const result = await fn(attempt);
      if (result.isOk()) return ok(result.value);
      const error = result.error;
      const errorClass = classify(error);
      if (errorClass === null) return err(error);
      const decision = policy.decide(errorClass, attempt + 1, options.now(), options.hint?.(error));
      if (!decision.retry) return err({ kind: RETRY_GAVE_UP, reason: decision.reason, attempts: attempt + 1, lastError: error });
      options.onRetry?.({ attempt: attempt + 1, errorClass, delayMs: decision.delayMs, error });
      await options.sleep(decision.delayMs);
    }
  };
  return new ResultAsync(run());
}

/** Narrows an error of {@link retryResultAsync} to a give-up (a guard rather than `instanceof`). */
export function isRetryGiveUp<E>(error: E | RetryGiveUp<E>): error is RetryGiveUp<E> {
  return typeof error === 'object' && error !== null && (error as { kind?: unknown }).kind === RETRY_GAVE_UP;
}
