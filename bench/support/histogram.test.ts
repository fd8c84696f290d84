import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantile } from './bench-pool.js';
import { Histogram, SUB_BUCKETS } from './histogram.js';

/** The exact nearest-rank quantile and the histogram's may differ by one bucket: a unit below 128, 1/128 above. */
function within(reported: number, exact: number): boolean {
  const slack = exact < SUB_BUCKETS ? 1 : exact / SUB_BUCKETS;
  return reported >= exact && reported <= exact + slack + 1e-9;
}

describe('Histogram', () => {
  it('is empty until something is recorded', () => {
    const histogram = new Histogram();
    expect(histogram.count).toBe(0);
    expect(histogram.quantile(0.5)).toBeNaN();
    expect(histogram.max).toBeNaN();
  });

  it('reports small integers exactly (one bucket per unit below 128)', () => {
    const histogram = new Histogram();
    for (let v = 1; v <= 100; v++) histogram.record(v);
    expect(histogram.quantile(0.5)).toBe(51);
    expect(histogram.quantile(0.99)).toBe(100);
    expect(histogram.quantile(1)).toBe(100);
    expect(histogram.mean).toBe(50.5);
    expect(histogram.min).toBe(1);
  });

  it('caps quantiles at the largest value recorded', () => {
    const histogram = new Histogram();
    histogram.record(1_000_003);
    expect(histogram.quantile(0.999)).toBe(1_000_003);
  });

  it('keeps p50, p99, p999 and max within one bucket of the exact nearest-rank quantiles', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 5e9, noNaN: true }), { minLength: 1, maxLength: 2_000 }), (values) => {
        const histogram = new Histogram();
        for (const value of values) histogram.record(value);
        const sorted = values.map(Math.floor).sort((a, b) => a - b);
        for (const q of [0.5, 0.9, 0.99, 0.999, 1]) expect(within(histogram.quantile(q), quantile(sorted, q))).toBe(true);
        expect(histogram.count).toBe(values.length);
      }),
    );
  });

  it('holds a long tail: 99,000 fast values and 1,000 slow ones', () => {
    const histogram = new Histogram();
    histogram.record(800, 99_000);
    histogram.record(250_000, 1_000);
    expect(histogram.quantile(0.5)).toBeLessThanOrEqual(800 * (1 + 1 / SUB_BUCKETS));
    expect(histogram.quantile(0.99)).toBeLessThanOrEqual(800 * (1 + 1 / SUB_BUCKETS));
    expect(histogram.quantile(0.999)).toBe(250_000);
  });
});
