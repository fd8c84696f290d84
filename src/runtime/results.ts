/**
 * Small bridges between neverthrow's sync and async results. `ResultAsync.map`, `mapErr` and `orElse` run each
 * step through a generator-based `__awaiter` that costs several microseconds per call in V8 (`andThen` and `match`
 * do not): on the hot paths use {@link mapAsync} and {@link mapErrAsync}, or `async` functions over
 * `Promise<Result>`, wrapped once in a `ResultAsync` at the API.
 */
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow';

/** Lifts a settled `Result` into a `ResultAsync`. */
export function toResultAsync<T, E>(result: Result<T, E>): ResultAsync<T, E> {
  return result.isOk() ? okAsync(result.value) : errAsync(result.error);
}

/** `result.map(f)` in one promise step. */
export function mapAsync<T, U, E>(result: ResultAsync<T, E>, f: (value: T) => U): ResultAsync<U, E> {
  return result.andThen((value) => ok<U, E>(f(value)));
}

/** `result.mapErr(f)` in one promise step. */
export function mapErrAsync<T, E, F>(result: ResultAsync<T, E>, f: (error: E) => F): ResultAsync<T, F> {
  return new ResultAsync(result.match<Result<T, F>>((value) => ok(value), (error) => err(f(error))));
}
