/**
 * Token buckets keyed by a string (a principal or a remote address), in a table of bounded size. A check is one Map
 * lookup and a little arithmetic; refill follows from the time, so no bucket has a timer.
 */

/** The limit of one table: a sustained rate, a burst, and how many keys it keeps. */
export interface BucketLimit {
  /** Tokens added per second (> 0). */
  readonly ratePerSecond: number;
  /** Tokens a bucket holds at most: what a key may spend at once after a quiet period (≥ 1). */
  readonly burst: number;
  /** Buckets kept at most; beyond this, new keys share one overflow bucket (see {@link TokenBuckets}). */
  readonly maxKeys: number;
}

interface Bucket {
  /**
   * When the bucket will be full again (ms): the "theoretical arrival time" of GCRA, the token bucket kept as one
   * instant, so that waiting exactly the advertised retry time always passes (no fractions of tokens accumulate).
   */
  fullAt: number;
}

/** Oldest entries examined each time a new key is added (amortised eviction). */
const SWEEP_STEPS = 2;

/** Rounding slack (ms) of the floating-point arithmetic: a wait this small counts as none. */
const EPSILON_MS = 1e-6;

/**
 * A table of token buckets. A new key starts with a full bucket. Each time a key is added, the two oldest entries
 * are examined: one that has refilled to `burst` is deleted (a fresh bucket is the same, so nothing is lost), any
 * other moves to the back. Memory is bounded by `maxKeys`: when the table is full of buckets still refilling, a new
 * key is checked against one shared overflow bucket (same rate and burst) until room frees up, so a flood of
 * distinct keys neither grows the table nor resets the buckets of the keys already in it. (A key that was limited
 * by the overflow bucket starts full once it gets a bucket of its own.)
 */
export class TokenBuckets {
  /** Ms per token. */
  readonly #interval: number;
  /** How far ahead of now `fullAt` may be while a token is left: (burst − 1) tokens. */
  readonly #tolerance: number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #overflow: Bucket;

  constructor(limit: BucketLimit, now: number) {
    this.#interval = 1000 / limit.ratePerSecond;
    this.#tolerance = (limit.burst - 1) * this.#interval;
    this.#maxKeys = limit.maxKeys;
    this.#overflow = { fullAt: now };
  }

  /** Takes one token of `key` at time `now` (ms): 0 when taken, else the ms until one will be there (≥ 1). */
  take(key: string, now: number): number {
    const bucket = this.#buckets.get(key) ?? this.#add(key, now);
    // A clock that stepped back credits nothing: `fullAt` never moves back.
    const fullAt = bucket.fullAt > now ? bucket.fullAt : now;
    const wait = fullAt - this.#tolerance - now;
    if (wait > EPSILON_MS) return Math.max(1, Math.ceil(wait - EPSILON_MS));
    bucket.fullAt = fullAt + this.#interval;
    return 0;
  }

  /** Buckets held (the overflow bucket not counted). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Whether `key` has a bucket of its own. */
  has(key: string): boolean {
    return this.#buckets.has(key);
  }

  #add(key: string, now: number): Bucket {
    this.#sweep(now);
    if (this.#buckets.size >= this.#maxKeys) return this.#overflow;
    const bucket = { fullAt: now };
    this.#buckets.set(key, bucket);
    return bucket;
  }

  #sweep(now: number): void {
    for (let step = 0; step < SWEEP_STEPS; step++) {
      const oldest = this.#buckets.entries().next();
      if (oldest.done === true) return;
      const [key, bucket] = oldest.value;
      this.#buckets.delete(key);
      if (bucket.fullAt > now) this.#buckets.set(key, bucket);
    }
  }
}
