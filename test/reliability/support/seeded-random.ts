/**
 * The one source of randomness of the reliability scenarios: a seeded PRNG (mulberry32), so that a failing run
 * can be repeated with the seed it printed (`RELIABILITY_SEED=<n>`).
 */

/** Deterministic random numbers from a 32-bit seed. */
export class SeededRandom {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A new generator whose seed is drawn from this one: each client gets its own stream of numbers. */
  fork(): SeededRandom {
    return new SeededRandom(Math.floor(this.next() * 4294967296));
  }
}

/**
 * The seed to run with: `RELIABILITY_SEED` when set (to reproduce a failure), otherwise a fresh one. Throws on a
 * value that is not an integer, because a typo would silently run a different scenario.
 */
export function scenarioSeed(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const given = env['RELIABILITY_SEED'];
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(given);
  if (!Number.isInteger(seed)) throw new Error(`RELIABILITY_SEED must be an integer, got ${JSON.stringify(given)}`);
  return seed;
}
