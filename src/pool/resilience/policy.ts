/**
 * Policies around an operation, composed the way cockatiel composes them (`wrap(retry, breaker, timeout)`): each
 * policy is a small value that runs the rest of the chain (`next`) zero, one or several times and may change its
 * outcome, knowing nothing of the policies around it. The order given to {@link wrap} is the whole story: the first
 * policy is the outermost.
 */
import type { ResultAsync } from 'neverthrow';

/**
 * One try of the operation, as the policies pass it inward: which try it is (0 = the first) and whether what the
 * operation started now holds the resources taken for it (a spawned process keeps its slot until it exits).
 */
export interface Attempt {
  readonly attempt: number;
  /** Set by the operation once what it started owns the attempt's resources; policies then leave them be. */
  handedOver: boolean;
}

/** A fresh attempt `n` with nothing handed over. */
export const attemptNumber = (attempt: number): Attempt => ({ attempt, handedOver: false });

/** The operation a policy wraps. */
export type Operation<T, E> = (attempt: Attempt) => ResultAsync<T, E>;

/** One policy: runs `next` for `attempt` (or not, or again) and answers with its outcome. */
export interface Policy<E> {
  run<T>(attempt: Attempt, next: Operation<T, E>): ResultAsync<T, E>;
}

/**
 * Composes `policies` into one, the first outermost: `wrap(a, b).run(x, op)` is `a.run(x, (y) => b.run(y, op))`.
 *
 * @example
 * const start = wrap(retryByClass(...), whileOpen(...), slot(...), breakerAdmission(...));
 * start.run(attemptNumber(0), spawnAndWait);
 */
export function wrap<E>(...policies: readonly Policy<E>[]): Policy<E> {
  return {
    run: <T>(attempt: Attempt, operation: Operation<T, E>): ResultAsync<T, E> =>
      policies.reduceRight<Operation<T, E>>((next, policy) => (inner) => policy.run(inner, next), operation)(attempt),
  };
}
