/**
 * The policies an agent start goes through, each alone (see `policy.ts` for how they compose): refuse once the pool
 * is closed, hold a slot under the process cap, ask a circuit breaker for admission and report the outcome to it,
 * and retry by failure class under the retry policy. `process-supply.ts` wraps them around spawn and ready-wait.
 */
import { errAsync, ResultAsync } from 'neverthrow';
import type { Clock } from '../../runtime/index.js';
import { POOL_ERROR_KIND, type PoolError } from '../errors.js';
import type { Reservation } from '../processes/process-slots.js';
import type { BreakerGuard } from './breaker-guard.js';
import { attemptNumber, type Policy } from './policy.js';
import { isRetryGiveUp, retryResultAsync, type RetryErrorClass, type RetryGiveUp, type RetryPolicy, type RetryRunOptions } from './retry-policy.js';

/** Fails every attempt with `PoolClosed` once `closed()` says so; otherwise lets it through. */
export function whileOpen(closed: () => boolean): Policy<PoolError> {
  return {
    run: (attempt, next) => (closed() ? errAsync({ kind: POOL_ERROR_KIND.PoolClosed }) : next(attempt)),
  };
}

/**
 * Holds one slot per attempt: `reserve` takes it (`PoolExhausted` when none can be had); it is given back at once
 * when the attempt fails with nothing handed over, and otherwise stays with what the attempt started (a spawned
 * process frees its slot when it exits).
 */
export function slot(reserve: () => Promise<Reservation>, release: () => void): Policy<PoolError> {
  return {
    run: (attempt, next) =>
      ResultAsync.fromSafePromise(reserve()).andThen((reservation) => {
        if (!reservation.ok) return errAsync<never, PoolError>({ kind: POOL_ERROR_KIND.PoolExhausted, live: reservation.live, cap: reservation.cap });
        return next(attempt).orElse((error) => {
          if (!attempt.handedOver) release();
          return errAsync(error);
        });
      }),
  };
}

/**
 * Asks `guard` to admit each attempt (`BreakerOpen` when it refuses) and reports how it went: a success with its
 * duration, a failure the breaker counts (`counted` names its kind, null when the breaker does not count it) as a
 * failure; an admitted probe whose failure is not counted is abandoned, so the probe still ends.
 */
export function breakerAdmission(guard: BreakerGuard, clock: Clock, counted: (error: PoolError) => string | null): Policy<PoolError> {
  return {
    run: (attempt, next) =>
      guard.admit().andThen((admittedAs) => {
        const began = clock.now();
        return next(attempt)
          .map((value) => {
            guard.succeeded(clock.now() - began);
            return value;
          })
          .mapErr((error) => {
            const kind = counted(error);
            if (kind !== null) guard.failed(clock.now() - began, kind);
            // Not a failure the breaker counts (a missing command, bad options): a probe must still end.
            else if (admittedAs === 'probe') guard.abandoned(`the start failed before spawning: ${error.kind === POOL_ERROR_KIND.Agent ? error.error.kind : error.kind}`);
            return error;
          });
      }),
  };
}

/** How {@link retryByClass} classifies, waits and gives up. */
export interface RetryByClassOptions extends Omit<RetryRunOptions<PoolError>, 'hint'> {
  /** The retry class of a failure, or null when trying again cannot help (returned as is). */
  readonly classify: (error: PoolError) => RetryErrorClass | null;
  /** The error to answer with once the policy stops retrying. */
  readonly gaveUp: (giveUp: RetryGiveUp<PoolError>) => PoolError;
}

/**
 * Runs attempt 0, and on a failure `classify` maps to a class, attempts 1, 2 … as `policy` allows, waiting the
 * decided back-off between them (see `retry-policy.ts`); a refused retry answers with `gaveUp` of the last error.
 */
export function retryByClass(policy: RetryPolicy, options: RetryByClassOptions): Policy<PoolError> {
  return {
    run: (_attempt, next) =>
      retryResultAsync(policy, (n) => next(attemptNumber(n)), options.classify, options).mapErr((error) => (isRetryGiveUp(error) ? options.gaveUp(error) : error)),
  };
}
