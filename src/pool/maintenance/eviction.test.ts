import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseEvictions, overLifetime, type EvictionCandidate } from './eviction.js';

const STATES = ['idle', 'busy', 'starting', 'hibernated'] as const;
const options = { evictableStates: ['idle'] };

const arbCandidates = fc.uniqueArray(
  fc.record({
    id: fc.string({ minLength: 1, maxLength: 3 }),
    state: fc.constantFrom(...STATES),
    lastActiveAt: fc.nat({ max: 20 }),
    startedAt: fc.nat({ max: 20 }),
  }),
  { selector: (c) => c.id, maxLength: 12 },
);

const session = (id: string, state: string, lastActiveAt: number, startedAt: number): EvictionCandidate => ({ id, state, lastActiveAt, startedAt });

describe('chooseEvictions', () => {
  it('evicts idle sessions, least recently active first, ties by older process then id', () => {
    const candidates = [
      session('busy', 'busy', 0, 0),
      session('c', 'idle', 5, 1),
      session('b', 'idle', 5, 1),
      session('a', 'idle', 5, 2),
      session('old', 'idle', 1, 9),
    ];
    expect(chooseEvictions(candidates, 10, options)).toEqual(['old', 'b', 'c', 'a']);
    expect(chooseEvictions(candidates, 2, options)).toEqual(['old', 'b']);
    expect(chooseEvictions(candidates, 0, options)).toEqual([]);
  });

  it('returns min(count, evictable) evictable ids, and none more recently active than one it left', () => {
    fc.assert(
      fc.property(arbCandidates, fc.integer({ min: -2, max: 15 }), (candidates, count) => {
        const chosen = chooseEvictions(candidates, count, options);
        const idle = candidates.filter((c) => c.state === 'idle');
        expect(chosen).toHaveLength(Math.max(0, Math.min(count, idle.length)));
        expect(new Set(chosen).size).toBe(chosen.length);
        const byId = new Map(candidates.map((c) => [c.id, c]));
        for (const id of chosen) expect(byId.get(id)?.state).toBe('idle');
        const kept = idle.filter((c) => !chosen.includes(c.id));
        for (const id of chosen) for (const other of kept) expect(byId.get(id)!.lastActiveAt).toBeLessThanOrEqual(other.lastActiveAt);
      }),
    );
  });

  it('does not depend on input order, and a larger count extends a smaller one', () => {
    fc.assert(
      fc.property(arbCandidates, fc.nat({ max: 12 }), (candidates, count) => {
        const reversed = [...candidates].reverse();
        expect(chooseEvictions(reversed, count, options)).toEqual(chooseEvictions(candidates, count, options));
        expect(chooseEvictions(candidates, count + 1, options).slice(0, count)).toEqual(chooseEvictions(candidates, count, options));
      }),
    );
  });
});

describe('overLifetime', () => {
  it('lists evictable sessions whose process is older than the limit, oldest first', () => {
    const candidates = [session('a', 'idle', 0, 100), session('b', 'busy', 0, 0), session('c', 'idle', 0, 50), session('d', 'idle', 0, 900)];
    expect(overLifetime(candidates, 1_000, 899, options)).toEqual(['c', 'a']);
    expect(overLifetime(candidates, 1_000, 900, options)).toEqual(['c']); // 'a' is exactly 900 old: not more
    expect(overLifetime(candidates, 1_000, 950, options)).toEqual([]);
    expect(overLifetime(candidates, 1_000, 0, options)).toEqual([]);
  });

  it('matches its definition', () => {
    fc.assert(
      fc.property(arbCandidates, fc.nat({ max: 40 }), fc.nat({ max: 20 }), (candidates, at, maxLifetimeMs) => {
        const expired = new Set(overLifetime(candidates, at, maxLifetimeMs, options));
        for (const c of candidates) {
          expect(expired.has(c.id)).toBe(maxLifetimeMs > 0 && c.state === 'idle' && at - c.startedAt > maxLifetimeMs);
        }
      }),
    );
  });
});
