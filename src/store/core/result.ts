/** Small bridges between neverthrow's sync and async results and thrown exceptions. */
import { errAsync, okAsync, type Result, type ResultAsync } from 'neverthrow';

/** Lifts a settled `Result` into a `ResultAsync` without an extra promise hop on the ok path. */
export function toAsync<T, E>(result: Result<T, E>): ResultAsync<T, E> {
  return result.isOk() ? okAsync(result.value) : errAsync(result.error);
}

/** A short human message for any thrown value, for `StoreUnavailable.reason`. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}
