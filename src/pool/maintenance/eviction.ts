/**
 * Which sessions to hibernate (stop the process, keep the conversation for a later resume) when the pool
 * is over its process cap or memory budget, or a process has lived too long. Pure: the pool passes in
 * what it knows of each session and the time.
 */

/** What eviction needs to know of one session. */
export interface EvictionCandidate {
  readonly id: string;
  /** The session's state; only those in `evictableStates` (idle ones, typically) may be evicted. */
  readonly state: string;
  /** When the session last did work, epoch ms. */
  readonly lastActiveAt: number;
  /** When its current process started, epoch ms. */
  readonly startedAt: number;
}

/** Which session states may be evicted. */
export interface EvictionOptions {
  readonly evictableStates: readonly string[];
}

function evictable(options: EvictionOptions): (candidate: EvictionCandidate) => boolean {
  const states = new Set(options.evictableStates);
  return (candidate) => states.has(candidate.state);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Up to `count` ids to evict, in eviction order: evictable sessions only, least recently active first,
 * ties by older process (`startedAt`), then by id.
 */
export function chooseEvictions(candidates: readonly EvictionCandidate[], count: number, options: EvictionOptions): string[] {
  if (!(count > 0)) return [];
  return candidates
    .filter(evictable(options))
    .sort((a, b) => a.lastActiveAt - b.lastActiveAt || a.startedAt - b.startedAt || compareIds(a.id, b.id))
    .slice(0, count)
    .map((candidate) => candidate.id);
}

/**
 * Ids of evictable sessions whose process started more than `maxLifetimeMs` before `at` (recycled to bound
 * leaks in a long-lived CLI), oldest process first; none when `maxLifetimeMs` is 0.
 */
export function overLifetime(
  candidates: readonly EvictionCandidate[],
  at: number,
  maxLifetimeMs: number,
  options: EvictionOptions,
): string[] {
  if (!(maxLifetimeMs > 0)) return [];
  return candidates
    .filter(evictable(options))
    .filter((candidate) => at - candidate.startedAt > maxLifetimeMs)
    .sort((a, b) => a.startedAt - b.startedAt || compareIds(a.id, b.id))
    .map((candidate) => candidate.id);
}
