/**
 * Runs a piece of WebSocket handler code so that nothing it throws, synchronously or as a rejected promise,
 * reaches uWebSockets.js or the process: the error goes to `onError` (the hub answers with `internal_error`, logs
 * it with the connection id and counts it).
 */

/** Calls `work`; a throw or a rejection of the promise it returns is passed to `onError`, once. */
export function runGuarded(work: () => unknown, onError: (error: unknown) => void): void {
  let result: unknown;
  try {
    result = work();
  } catch (error) {
    onError(error);
    return;
  }
  if (isThenable(result)) result.then(undefined, onError);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
