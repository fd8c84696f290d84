/** Small bridges between neverthrow's sync and async results. */
import { errAsync, okAsync, type Result, type ResultAsync } from 'neverthrow';

/** Lifts a settled `Result` into a `ResultAsync`. */
export function toResultAsync<T, E>(result: Result<T, E>): ResultAsync<T, E> {
  return result.isOk() ? okAsync(result.value) : errAsync(result.error);
}
