/**
 * Token buckets keyed by a string (a principal or a remote address), in a table of bounded size. A check is one Map
 * lookup and a little arithmetic; refill is computed from the time of the last check, so no bucket has a timer.
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
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/** Oldest entries examined each time a new key is added (amortised eviction). */
const SWEEP_STEPS = 2;

/**
 * A table of token buckets. A new key starts with a full bucket. Each time a key is added, the two oldest entries
 * are examined: one that has refilled to `burst` is deleted (a fresh bucket is the same, so nothing is lost), any
 * other moves to the back. Memory is bounded by `maxKeys`: when the table is full of buckets still refilling, a new
 * key is checked against one shared overflow bucket (same rate and burst) until room frees up, so a flood of
 * distinct keys neither grows the table nor resets the buckets of the keys already in it.
 */
export class TokenBuckets {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #overflow: Bucket;

  constructor(limit: BucketLimit, now: number) {
    this.#perMs = limit.ratePerSecond / 1000;
    this.#burst = limit.burst;
    this.#maxKeys = limit.maxKeys;
    this.#overflow = { tokens: limit.burst, at: now };
  }

  /** Takes one token of `key` at time `now` (ms): 0 when taken, else the ms until one will be there. */
  take(key: string, now: number): number {
    const bucket = this.#buckets.get(key) ?? this.#add(key, now);
    let tokens = bucket.tokens;
    // A clock that stepped back adds nothing and keeps `at`, so no time is ever credited twice.
    if (now > bucket.at) {
      tokens = Math.min(this.#burst, tokens + (now - bucket.at) * this.#perMs);
      bucket.at = now;
    }
    if (tokens >= 1) {
      bucket.tokens = tokens - 1;
      return 0;
    }
    bucket.tokens = tokens;
    return Math.max(1, Math.ceil((1 - tokens) / this.#perMs));
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
    const bucket = { tokens: this.#burst, at: now };
    this.#buckets.set(key, bucket);
    return bucket;
  }

  #sweep(now: number): void {
    for (let step = 0; step < SWEEP_STEPS; step++) {
      const oldest = this.#buckets.entries().next();
      if (oldest.done === true) return;
      const [key, bucket] = oldest.value;
      this.#buckets.delete(key);
      if (bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs < this.#burst) this.#buckets.set(key, bucket);
    }
  }
}
