/**
 * Where the pool puts the next session: a placement strategy chooses one candidate (a worker, a tenant
 * slot, a prewarmed process set ...) among those that still have room. Pure apart from the small memory
 * a strategy keeps between calls (the round-robin cursor, the smooth weighted round-robin weights).
 */

/** The strategies a pool can be configured with. */
export const PLACEMENT_STRATEGIES = ['least_loaded', 'round_robin', 'weighted'] as const;

/** One of {@link PLACEMENT_STRATEGIES}. */
export type PlacementStrategy = (typeof PLACEMENT_STRATEGIES)[number];

/**
 * Something a session can be placed on. `load` is what it carries now, `capacity` what it can carry; a
 * candidate with `load >= capacity` is full. `weight` (weighted strategy only) defaults to its free room.
 */
export interface Candidate {
  readonly id: string;
  readonly load: number;
  readonly capacity: number;
  readonly weight?: number;
}

/** A placement strategy instance; it may remember earlier choices, so keep one per pool. */
export interface Placement {
  readonly strategy: PlacementStrategy;
  /** The candidate to place the next session on, or undefined when none has room. */
  choose(candidates: readonly Candidate[]): Candidate | undefined;
}

/** True when `candidate` can take one more session. */
export function hasRoom(candidate: Candidate): boolean {
  return candidate.load < candidate.capacity;
}

/** A fresh placement of `strategy`. */
export function createPlacement(strategy: PlacementStrategy): Placement {
  switch (strategy) {
    case 'least_loaded':
      return { strategy, choose: leastLoaded };
    case 'round_robin':
      return roundRobin();
    case 'weighted':
      return smoothWeighted();
  }
}

function byId(a: Candidate, b: Candidate): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function leastLoaded(candidates: readonly Candidate[]): Candidate | undefined {
  let best: Candidate | undefined;
  for (const candidate of candidates) {
    if (!hasRoom(candidate)) continue;
    if (best === undefined || lessLoaded(candidate, best)) best = candidate;
  }
  return best;
}

function lessLoaded(a: Candidate, b: Candidate): boolean {
  const ratioA = a.load / a.capacity;
  const ratioB = b.load / b.capacity;
  if (ratioA !== ratioB) return ratioA < ratioB;
  if (a.load !== b.load) return a.load < b.load;
  return byId(a, b) < 0;
}

function roundRobin(): Placement {
  // The cursor is the last chosen id rather than an index, so adding or removing candidates never skips one.
  let lastId: string | undefined;
  return {
    strategy: 'round_robin',
    choose(candidates) {
      const open = candidates.filter(hasRoom).sort(byId);
      const last = lastId;
      const next = (last === undefined ? undefined : open.find((candidate) => candidate.id > last)) ?? open[0];
      if (next !== undefined) lastId = next.id;
      return next;
    },
  };
}

function weightOf(candidate: Candidate): number {
  const weight = candidate.weight ?? candidate.capacity - candidate.load;
  return Number.isFinite(weight) && weight > 0 ? weight : 0;
}

/**
 * nginx's smooth weighted round-robin: every pick adds each candidate's weight to its current weight, takes
 * the largest current weight (ties by id) and subtracts the total from it. Over `sum(weights)` picks with
 * the same weights each candidate is chosen exactly `weight` times, evenly spread.
 */
function smoothWeighted(): Placement {
  const current = new Map<string, number>();
  return {
    strategy: 'weighted',
    choose(candidates) {
      const offered = new Set(candidates.map((candidate) => candidate.id));
      for (const id of current.keys()) if (!offered.has(id)) current.delete(id);
      const open = candidates.filter(hasRoom).sort(byId);
      const weighted = open.filter((candidate) => weightOf(candidate) > 0);
      // Only zero weights left (explicit `weight: 0`): still place rather than refuse while there is room.
      if (weighted.length === 0) return leastLoaded(open);
      let total = 0;
      let best: Candidate | undefined;
      let bestCurrent = -Infinity;
      for (const candidate of weighted) {
        const weight = weightOf(candidate);
        const value = (current.get(candidate.id) ?? 0) + weight;
        current.set(candidate.id, value);
        total += weight;
        if (value > bestCurrent) {
          best = candidate;
          bestCurrent = value;
        }
      }
      if (best !== undefined) current.set(best.id, bestCurrent - total);
      return best;
    },
  };
}
