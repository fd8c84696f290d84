/**
 * One timer per actor for the one deadline in its context (`machines/deadline.ts`). `arm` after every commit:
 * an unchanged deadline keeps its timer, a changed one replaces it, `null` clears it. When the timer fires before
 * the deadline by the clock (a clamped long delay, or a clock that disagrees with the timers) it waits again;
 * otherwise it calls `onDue` once for that deadline.
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
  #armed: { readonly deadline: Deadline; readonly handle: TimerHandle } | null = null;
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
    const handle = this.#timers.set(() => this.#fire(deadline), delay);
    this.#armed = { deadline, handle };
  }

  #fire(deadline: Deadline): void {
    this.#armed = null;
    const early = deadline.at - this.#clock.now();
    if (early > 0) return this.#schedule(deadline, early);
    this.#fired = deadline;
    this.#onDue(deadline);
  }
}
