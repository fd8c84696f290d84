/**
 * Decides when malformed output stops being a glitch and becomes a `garbage` fault: `threshold`
 * protocol errors within `windowMs`. Time is passed in, so the rule is testable without timers.
 */

/** Counts protocol errors in a sliding window. */
export class GarbageDetector {
  private readonly times: number[] = [];

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
  ) {}

  /** Records one malformed line at `now`; true when the window now holds `threshold` of them. */
  record(now: number): boolean {
    this.times.push(now);
    while (this.times.length > 0 && (this.times[0] ?? now) <= now - this.windowMs) this.times.shift();
    if (this.times.length < this.threshold) return false;
    this.times.length = 0;
    return true;
  }
}
