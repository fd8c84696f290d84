/**
 * Polling until a condition about the outside world (a process group emptied) holds, bounded by a
 * deadline: the kernel gives no event for "a process I did not spawn has exited".
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves true as soon as `condition()` holds, false after `timeoutMs`; checks every `intervalMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}
