import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './backoff.js';

describe('webhook back-off', () => {
  it('doubles from the base, capped, with the wait in the upper half of the nominal value', () => {
    const policy = { baseMs: 1_000, maxMs: 60_000 };
    expect([1, 2, 3, 4, 7, 8, 30].map((attempt) => retryDelayMs(attempt, policy, () => 0))).toEqual([500, 1_000, 2_000, 4_000, 30_000, 30_000, 30_000]);
    expect([1, 2, 3].map((attempt) => retryDelayMs(attempt, policy, () => 0.999_999))).toEqual([1_000, 2_000, 4_000]);
  });

  it('stays within [nominal / 2, nominal] for any attempt and policy', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 10, max: 100_000 }), fc.integer({ min: 0, max: 1_000_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, baseMs, extra, random) => {
        const maxMs = baseMs + extra;
        const nominal = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 52));
        const delay = retryDelayMs(attempt, { baseMs, maxMs }, () => random);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(nominal / 2));
        expect(delay).toBeLessThanOrEqual(nominal);
      }),
    );
  });
});
