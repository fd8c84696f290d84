/**
 * Time as the host sees it, injectable: `Clock` says what time it is (the `at` of `TIMER_ELAPSED` and of events
 * without one), `Timers` waits. The defaults look up the global `Date.now`/`setTimeout` on every call, so
 * `vi.useFakeTimers()` installed after a host was built still takes effect.
 */

/** What time it is, in epoch ms. */
export interface Clock {
  now(): number;
}

/** An opaque handle of a scheduled callback. */
export type TimerHandle = unknown;

/** Schedules and cancels callbacks. */
export interface Timers {
  set(callback: () => void, delayMs: number): TimerHandle;
  clear(handle: TimerHandle): void;
}

/** `Date.now()`. */
export const systemClock: Clock = { now: () => Date.now() };

/** `setTimeout`/`clearTimeout`; timers are unref'd so a pending deadline never keeps the process alive on shutdown. */
export const systemTimers: Timers = {
  set: (callback, delayMs) => {
    const handle = setTimeout(callback, delayMs);
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
