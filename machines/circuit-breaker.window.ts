/**
 * The breaker's sliding window of call outcomes, kept as at most `BREAKER_WINDOW_BUCKETS` time
 * buckets of plain numbers so the context stays small and JSON. A call at time `t` falls in bucket
 * `floor(t / width)` with `width = ceil(windowMs / BREAKER_WINDOW_BUCKETS)`; the window at time `at`
 * holds the current bucket and the `BREAKER_WINDOW_BUCKETS - 1` before it. Time never runs backwards
 * in the window: a late event is measured against the newest bucket already recorded.
 */

/** How many buckets the window is split into. */
export const BREAKER_WINDOW_BUCKETS = 10;

/** Outcomes of the calls that ended within one bucket of time. */
export interface WindowBucket {
  index: number;
  calls: number;
  failures: number;
}

/** Totals over the live part of the window. */
export interface WindowStats {
  calls: number;
  failures: number;
}

/** Width in milliseconds of one bucket for a window of `windowMs`. */
export function bucketWidthMs(windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / BREAKER_WINDOW_BUCKETS));
}

/** Index of the newest bucket at time `at`, never older than what the window already holds. */
function currentIndex(buckets: readonly WindowBucket[], at: number, windowMs: number): number {
  const index = Math.floor(at / bucketWidthMs(windowMs));
  const newest = buckets[buckets.length - 1];
  return newest === undefined ? index : Math.max(index, newest.index);
}

/** The buckets still inside the window at time `at`, oldest first. */
export function pruneWindow(buckets: readonly WindowBucket[], at: number, windowMs: number): WindowBucket[] {
  const oldest = currentIndex(buckets, at, windowMs) - BREAKER_WINDOW_BUCKETS + 1;
  return buckets.filter((bucket) => bucket.index >= oldest);
}

/** The window after one call ended at `at`, pruned to its live buckets. */
export function recordCall(buckets: readonly WindowBucket[], at: number, failed: boolean, windowMs: number): WindowBucket[] {
  const live = pruneWindow(buckets, at, windowMs);
  const index = Math.floor(at / bucketWidthMs(windowMs));
  const oldest = currentIndex(live, at, windowMs) - BREAKER_WINDOW_BUCKETS + 1;
  if (index < oldest) return live;
  const add = { calls: 1, failures: failed ? 1 : 0 };
  const existing = live.findIndex((bucket) => bucket.index === index);
  if (existing >= 0) {
    return live.map((bucket, i) =>
      i === existing ? { index, calls: bucket.calls + add.calls, failures: bucket.failures + add.failures } : bucket,
    );
  }
  return [...live, { index, ...add }].sort((a, b) => a.index - b.index);
}

/** Calls and failures in the window at time `at`. */
export function windowStats(buckets: readonly WindowBucket[], at: number, windowMs: number): WindowStats {
  return pruneWindow(buckets, at, windowMs).reduce(
    (sum, bucket) => ({ calls: sum.calls + bucket.calls, failures: sum.failures + bucket.failures }),
    { calls: 0, failures: 0 },
  );
}
