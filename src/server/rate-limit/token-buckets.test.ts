import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TokenBuckets } from './token-buckets.js';

const limit = { ratePerSecond: 10, burst: 5, maxKeys: 100 };

describe('TokenBuckets', () => {
  it('lets a burst through at once, then one token per 1/rate', () => {
    const buckets = new TokenBuckets(limit, 0);
    for (let i = 0; i < 5; i++) expect(buckets.take('a', 0)).toBe(0);
    expect(buckets.take('a', 0)).toBe(100);
    expect(buckets.take('a', 60)).toBe(40);
    expect(buckets.take('a', 100)).toBe(0);
    expect(buckets.take('a', 100)).toBe(100);
  });

  it('keeps each key apart', () => {
    const buckets = new TokenBuckets({ ...limit, burst: 1 }, 0);
    expect(buckets.take('a', 0)).toBe(0);
    expect(buckets.take('a', 0)).toBeGreaterThan(0);
    expect(buckets.take('b', 0)).toBe(0);
  });

  it('refills to the burst, never beyond it', () => {
    const buckets = new TokenBuckets(limit, 0);
    buckets.take('a', 0);
    let taken = 0;
    while (buckets.take('a', 1_000_000) === 0) taken++;
    expect(taken).toBe(5);
  });

  it('credits nothing when the clock steps back, and nothing twice after', () => {
    const buckets = new TokenBuckets({ ...limit, burst: 1 }, 0);
    expect(buckets.take('a', 1_000)).toBe(0);
    expect(buckets.take('a', 500)).toBe(600);
    expect(buckets.take('a', 1_050)).toBe(50);
    expect(buckets.take('a', 1_100)).toBe(0);
  });

  it('evicts buckets that have refilled as new keys arrive, and keeps those still refilling', () => {
    const buckets = new TokenBuckets(limit, 0);
    buckets.take('busy', 0);
    buckets.take('idle', 0);
    // 'idle' and 'busy' are full again after 100 ms; 'busy' keeps spending.
    for (let t = 1; t <= 300; t++) {
      buckets.take('busy', t);
      buckets.take('busy', t);
      buckets.take(`new-${t}`, t);
    }
    expect(buckets.has('busy')).toBe(true);
    expect(buckets.has('idle')).toBe(false);
    // A new key every ms whose bucket refills within 100 ms: the table stays near what is refilling now.
    expect(buckets.size).toBeLessThanOrEqual(limit.maxKeys);
    expect(buckets.size).toBeLessThan(110);
  });

  it('at the cap, new keys share one overflow bucket: memory stays bounded and tracked keys keep their state', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 2, maxKeys: 3 }, 0);
    for (const key of ['a', 'b', 'c']) buckets.take(key, 0);
    // The flood: every address distinct, all at once (nothing has refilled).
    const answers = Array.from({ length: 50 }, (_, i) => buckets.take(`flood-${i}`, 0));
    expect(buckets.size).toBe(3);
    expect(answers.filter((wait) => wait === 0)).toHaveLength(2);
    expect(answers.at(-1)).toBe(1_000);
    // 'a' still has the one token it had left, not a fresh bucket.
    expect(buckets.take('a', 0)).toBe(0);
    expect(buckets.take('a', 0)).toBe(1_000);
    // Once the tracked buckets refill, room frees up for new keys.
    expect(buckets.take('late', 5_000)).toBe(0);
    expect(buckets.has('late')).toBe(true);
  });

  it('never holds more than maxKeys buckets, whatever the keys and times (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.tuple(fc.nat(50), fc.nat(100)), { maxLength: 400 }), (maxKeys, steps) => {
        const buckets = new TokenBuckets({ ratePerSecond: 5, burst: 3, maxKeys }, 0);
        let now = 0;
        for (const [gap, key] of steps) {
          buckets.take(String(key), (now += gap));
          expect(buckets.size).toBeLessThanOrEqual(maxKeys);
        }
      }),
    );
  });

  it('never accepts more than burst + rate × t in any window of length t (property)', () => {
    fc.assert(
      fc.property(
        fc.record({ ratePerSecond: fc.integer({ min: 1, max: 1_000 }), burst: fc.integer({ min: 1, max: 50 }) }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 200 }), key: fc.constantFrom('a', 'b', 'c') }), { maxLength: 300 }),
        ({ ratePerSecond, burst }, steps) => {
          const buckets = new TokenBuckets({ ratePerSecond, burst, maxKeys: 1_000 }, 0);
          let now = 0;
          const accepted = new Map<string, number[]>();
          for (const { gap, key } of steps) {
            now += gap;
            // Eviction (of refilled buckets) happens along the way: it must not let a key through more often.
            if (buckets.take(key, now) === 0) accepted.set(key, [...(accepted.get(key) ?? []), now]);
            buckets.take(`other-${now}`, now);
          }
          for (const times of accepted.values()) {
            for (let i = 0; i < times.length; i++) {
              for (let j = i; j < times.length; j++) {
                const window = times[j]! - times[i]!;
                expect(j - i + 1).toBeLessThanOrEqual(burst + (ratePerSecond * (window + 1e-6)) / 1000 + 1e-9);
              }
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
