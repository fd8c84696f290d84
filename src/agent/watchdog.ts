/**
 * The runner's named deadlines (start, turn, stall) on real timers: arming a name replaces its previous
 * deadline, and every timer is unref'd so a forgotten agent never keeps the server alive.
 */

/** The deadlines an agent process can miss. */
export type WatchdogTimer = 'start' | 'turn' | 'stall';

/** A set of named, re-armable timeouts. */
export class Watchdog {
  private readonly timers = new Map<WatchdogTimer, NodeJS.Timeout>();

  constructor(private readonly onExpire: (name: WatchdogTimer, afterMs: number) => void) {}

  /** (Re)starts `name` to fire after `ms`. */
  arm(name: WatchdogTimer, ms: number): void {
    this.disarm(name);
    const timer = setTimeout(() => {
      this.timers.delete(name);
      this.onExpire(name, ms);
    }, ms);
    timer.unref();
    this.timers.set(name, timer);
  }

  /** Whether `name` is pending. */
  armed(name: WatchdogTimer): boolean {
    return this.timers.has(name);
  }

  /** Cancels `name`. */
  disarm(name: WatchdogTimer): void {
    const timer = this.timers.get(name);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(name);
  }

  /** Cancels everything. */
  disarmAll(): void {
    for (const name of [...this.timers.keys()]) this.disarm(name);
  }
}
