/**
 * A latency histogram in the manner of HDR Histogram, small enough to read: values (non-negative, any unit;
 * the benchmarks record microseconds) fall into log-linear buckets — each power of two split into
 * {@link SUB_BUCKETS} equal steps — so that recording is O(1) with no allocation, memory is fixed (4,352
 * counters, values up to 2^40), and every quantile it reports is within one unit below 128 and within
 * 1/{@link SUB_BUCKETS} (under 0.8%) above, of the recorded value at that rank. Quantiles are nearest-rank, reported as the upper edge of
 * the bucket holding that rank (never below the true value, as HDR's `highestEquivalentValue`), capped at the
 * largest value recorded. We keep this instead of the `hdr-histogram-js` package so that the benchmarks add no
 * dependency; the test beside it checks its quantiles against exact ones.
 */

/** Linear steps per power of two: above 128 the relative width of every bucket is 1/128. */
export const SUB_BUCKETS = 128;
const SUB_BITS = 7;
/** Powers of two covered above the linear range: values up to 2^(SUB_BITS + MAGNITUDES) (2^40); larger ones count in the last bucket. */
const MAGNITUDES = 33;

/** Counts of recorded values by bucket, with their exact count, min, max and sum. */
export class Histogram {
  readonly #counts = new Float64Array(SUB_BUCKETS * (MAGNITUDES + 1));
  #total = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  #sum = 0;

  /** Records `value` (negative values count as 0; values beyond ~2^40 as the largest bucket) `count` times. */
  record(value: number, count = 1): void {
    const v = value > 0 ? value : 0;
    const bucket = bucketOf(v);
    this.#counts[bucket] = (this.#counts[bucket] as number) + count;
    this.#total += count;
    this.#sum += v * count;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  /** How many values were recorded. */
  get count(): number {
    return this.#total;
  }

  get min(): number {
    return this.#total === 0 ? Number.NaN : this.#min;
  }

  get max(): number {
    return this.#total === 0 ? Number.NaN : this.#max;
  }

  get mean(): number {
    return this.#total === 0 ? Number.NaN : this.#sum / this.#total;
  }

  /** The `q` quantile (0–1), nearest rank: the upper edge of its bucket, at most {@link max}; NaN when empty. */
  quantile(q: number): number {
    if (this.#total === 0) return Number.NaN;
    const rank = Math.min(this.#total, Math.max(1, Math.ceil(q * this.#total)));
    let seen = 0;
    for (let bucket = 0; bucket < this.#counts.length; bucket++) {
      seen += this.#counts[bucket] as number;
      if (seen >= rank) return Math.min(this.#max, upperEdgeOf(bucket));
    }
    return this.#max;
  }
}

/** Bucket index of `value` ≥ 0: below {@link SUB_BUCKETS} one bucket per unit; above, {@link SUB_BUCKETS} per power of two. */
function bucketOf(value: number): number {
  const v = Math.floor(value);
  if (v < SUB_BUCKETS) return v;
  let power = Math.floor(Math.log2(v));
  if (2 ** power > v) power -= 1; // log2 rounded up just below a power of two
  power = Math.min(SUB_BITS + MAGNITUDES - 1, power);
  const width = 2 ** (power - SUB_BITS);
  const sub = Math.min(SUB_BUCKETS - 1, Math.floor((v - 2 ** power) / width));
  return SUB_BUCKETS * (power - SUB_BITS + 1) + sub;
}

/** The upper edge (exclusive) of `bucket`: every value in it is below this. */
function upperEdgeOf(bucket: number): number {
  if (bucket < SUB_BUCKETS) return bucket + 1;
  const power = Math.floor(bucket / SUB_BUCKETS) - 1 + SUB_BITS;
  const sub = bucket % SUB_BUCKETS;
  return 2 ** power + (sub + 1) * 2 ** (power - SUB_BITS);
}
