/**
 * A Finagle-style retry budget: over a sliding window of `windowMs`, retries may not exceed
 * `max(minPerSecond * windowMs / 1000, ratio * calls)`, where calls are first tries. It keeps retries a
 * bounded fraction of the traffic, so a failing dependency is not hammered by every caller retrying at once.
 * Time is passed in; it never runs backwards here (an earlier `at` counts as the newest time seen).
 */

/** Sizing of a retry budget. */
export interface RetryBudgetOptions {
  /** Retries allowed per first try (0.2 = one retry per five calls). */
  ratio: number;
  /** Retries allowed per second of the window even without traffic. */
  minPerSecond: number;
  /** Length of the sliding window. */
  windowMs: number;
}

/** What a budget saw in the window ending now. */
export interface RetryBudgetStats {
  /** First tries. */
  calls: number;
  /** Retries granted. */
  retries: number;
  /** Retries refused because the budget was spent. */
  refusedByBudget: number;
}

/** A retry budget; one per pool, shared by every kind of retry it takes. */
export interface RetryBudget {
  /** Records a first try at `at`. */
  recordCall(at: number): void;
  /** Withdraws one retry at `at` when the window allows it; false (and counted as refused) otherwise. */
  tryWithdraw(at: number): boolean;
  /** How many retries the window ending at `at` allows in all, spent or not. */
  allowance(at: number): number;
  /** Counts in the window ending at `at` (default: the newest time seen). */
  stats(at?: number): RetryBudgetStats;
}

/** Timestamps in ascending order, dropping those older than the window from the front. */
class TimeQueue {
  private times: number[] = [];
  private head = 0;

  push(at: number): void {
    this.times.push(at);
  }

  /** Drops entries at or before `cutoff` and returns how many remain. */
  countAfter(cutoff: number): number {
    while (this.head < this.times.length && (this.times[this.head] ?? Infinity) <= cutoff) this.head++;
    // Compact once the dead prefix dominates, so memory stays proportional to the window's traffic.
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }
}

/** A fresh, empty retry budget. */
export function createRetryBudget(options: RetryBudgetOptions): RetryBudget {
  const calls = new TimeQueue();
  const retries = new TimeQueue();
  const refused = new TimeQueue();
  const floor = (options.minPerSecond * options.windowMs) / 1000;
  let newest = -Infinity;

  const advance = (at: number): number => {
    newest = Math.max(newest, at);
    return newest;
  };
  const cutoff = (now: number): number => now - options.windowMs;
  const allowanceAt = (now: number): number => Math.max(floor, options.ratio * calls.countAfter(cutoff(now)));

  return {
    recordCall(at) {
      calls.push(advance(at));
    },
    tryWithdraw(at) {
      const now = advance(at);
      if (retries.countAfter(cutoff(now)) + 1 > allowanceAt(now)) {
        refused.push(now);
        return false;
      }
      retries.push(now);
      return true;
    },
    allowance(at) {
      return allowanceAt(advance(at));
    },
    stats(at) {
      const now = at === undefined ? newest : advance(at);
      if (now === -Infinity) return { calls: 0, retries: 0, refusedByBudget: 0 };
      const edge = cutoff(now);
      return { calls: calls.countAfter(edge), retries: retries.countAfter(edge), refusedByBudget: refused.countAfter(edge) };
    },
  };
}
