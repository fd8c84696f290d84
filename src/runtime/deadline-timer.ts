/**
 * One timer per actor for the one deadline in its context (`machines/deadline.ts`). `arm` after every commit:
 * an unchanged deadline keeps its timer, an earlier one replaces it, a later one keeps it too (it will fire early
 * and wait again: a turn's output pushes the stall deadline on every chunk, and re-creating a `setTimeout` each
 * time costs more than an early wake-up), `null` clears it. When the timer fires before the deadline by the clock
 * (a moved deadline, a clamped long delay, or a clock that disagrees with the timers) it waits again; otherwise it
 * calls `onDue` once for that deadline.
 */
import type { Deadline } from '../../machines/index.js';
import type { Clock, TimerHandle, Timers } from './clock.js';
import { MAX_TIMER_DELAY_MS } from './constants.js';

const same = (a: Deadline | null, b: Deadline | null): boolean => a === b || (a !== null && b !== null && a.name === b.name && a.at === b.at);

/** The timer of one actor's deadline. */
export class DeadlineTimer {
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #onDue: (deadline: Deadline) => void;
  /** The deadline waited for, the pending timer and when (by the clock) that timer fires. */
  #armed: { readonly deadline: Deadline; readonly handle: TimerHandle; readonly firesAt: number } | null = null;
  /** The deadline last handed to `onDue`; arming it again would fire it twice. */
  #fired: Deadline | null = null;

  constructor(clock: Clock, timers: Timers, onDue: (deadline: Deadline) => void) {
    this.#clock = clock;
    this.#timers = timers;
    this.#onDue = onDue;
  }

  /** The deadline a timer is waiting for, if any. */
  get armed(): Deadline | null {
    return this.#armed?.deadline ?? null;
  }

  /** Waits for `deadline` (keeping a timer already set for the same one), or for nothing when `null`. */
  arm(deadline: Deadline | null): void {
    if (same(deadline, this.armed) || (deadline !== null && same(deadline, this.#fired))) return;
    const armed = this.#armed;
    if (deadline !== null && armed !== null && deadline.at >= armed.firesAt) {
      this.#armed = { deadline, handle: armed.handle, firesAt: armed.firesAt };
      return;
    }
    this.clear();
    if (deadline !== null) this.#schedule(deadline, deadline.at - this.#clock.now());
  }

  /** Fires `deadline` again after `delayMs`: its `TIMER_ELAPSED` could not be delivered. */
  retry(deadline: Deadline, delayMs: number): void {
    this.clear();
    this.#schedule(deadline, delayMs);
  }

  /** Cancels the timer. */
  clear(): void {
    if (this.#armed !== null) this.#timers.clear(this.#armed.handle);
    this.#armed = null;
  }

  #schedule(deadline: Deadline, delayMs: number): void {
    const delay = Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS);
    const handle = this.#timers.set(this.#fire, delay);
    this.#armed = { deadline, handle, firesAt: this.#clock.now() + delay };
  }

  readonly #fire = (): void => {
    const deadline = this.#armed?.deadline;
    this.#armed = null;
    if (deadline === undefined) return;
    const early = deadline.at - this.#clock.now();
    if (early > 0) return this.#schedule(deadline, early);
    this.#fired = deadline;
    this.#onDue(deadline);
  };
}
