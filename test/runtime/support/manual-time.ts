/**
 * Injected time for host tests: a clock that only moves when told and timers that fire, in order, when `advance`
 * passes them. `advance` yields to the event loop after each firing so the sends timers start can finish.
 */
import type { Clock, Timers } from '../../../src/runtime/index.js';

interface Pending {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/** A manual clock with its timers. */
export interface ManualTime {
  readonly clock: Clock;
  readonly timers: Timers;
  /** Timers waiting to fire. */
  pending(): number;
  /** Moves the clock forward by `ms`, firing every timer due on the way (and awaiting the work they start). */
  advance(ms: number): Promise<void>;
  /** Lets queued promise callbacks run. */
  settle(): Promise<void>;
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** Manual time starting at `start` (epoch ms). */
export function manualTime(start = 0): ManualTime {
  let now = start;
  let nextId = 0;
  let queue: Pending[] = [];
  return {
    clock: { now: () => now },
    timers: {
      set: (callback, delayMs) => {
        const timer = { id: nextId++, due: now + delayMs, callback };
        queue.push(timer);
        return timer.id;
      },
      clear: (handle) => {
        queue = queue.filter((timer) => timer.id !== handle);
      },
    },
    pending: () => queue.length,
    settle,
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        const next = [...queue].sort((a, b) => a.due - b.due || a.id - b.id)[0];
        if (next === undefined || next.due > target) break;
        queue = queue.filter((timer) => timer !== next);
        now = Math.max(now, next.due);
        next.callback();
        await settle();
      }
      now = target;
      await settle();
    },
  };
}
