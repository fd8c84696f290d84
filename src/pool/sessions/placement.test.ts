import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPlacement, hasRoom, PLACEMENT_STRATEGIES, type Candidate } from './placement.js';

const candidate = (id: string, load: number, capacity: number, weight?: number): Candidate =>
  weight === undefined ? { id, load, capacity } : { id, load, capacity, weight };

const arbCandidates = fc.uniqueArray(
  fc.record({
    id: fc.string({ minLength: 1, maxLength: 4 }),
    load: fc.nat({ max: 10 }),
    capacity: fc.nat({ max: 10 }),
  }),
  { selector: (c) => c.id, maxLength: 8 },
);

describe('placement (all strategies)', () => {
  it('never returns a full candidate, and returns one whenever one has room', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PLACEMENT_STRATEGIES), fc.array(arbCandidates, { minLength: 1, maxLength: 20 }), (strategy, rounds) => {
        const placement = createPlacement(strategy);
        for (const candidates of rounds) {
          const chosen = placement.choose(candidates);
          if (candidates.some(hasRoom)) {
            expect(chosen).toBeDefined();
            expect(candidates).toContain(chosen);
            expect(hasRoom(chosen!)).toBe(true);
          } else {
            expect(chosen).toBeUndefined();
          }
        }
      }),
    );
  });

  it('returns undefined for no candidates', () => {
    for (const strategy of PLACEMENT_STRATEGIES) expect(createPlacement(strategy).choose([])).toBeUndefined();
  });
});

describe('least_loaded', () => {
  it('picks the lowest load ratio, then the lower load, then the smaller id', () => {
    const placement = createPlacement('least_loaded');
    expect(placement.choose([candidate('a', 3, 4), candidate('b', 2, 4), candidate('c', 4, 4)])?.id).toBe('b');
    expect(placement.choose([candidate('a', 2, 4), candidate('b', 1, 2)])?.id).toBe('b');
    expect(placement.choose([candidate('b', 1, 2), candidate('a', 1, 2)])?.id).toBe('a');
  });

  it('does not depend on the order candidates are offered in', () => {
    fc.assert(
      fc.property(arbCandidates, fc.nat(), (candidates, seed) => {
        const shuffled = [...candidates].sort((a, b) => ((a.id.charCodeAt(0) * 31 + seed) % 7) - ((b.id.charCodeAt(0) * 31 + seed) % 7));
        expect(createPlacement('least_loaded').choose(shuffled)).toEqual(createPlacement('least_loaded').choose(candidates));
      }),
    );
  });
});

describe('round_robin', () => {
  it('cycles by id and resumes after the last chosen id when the set changes', () => {
    const placement = createPlacement('round_robin');
    const set = [candidate('c', 0, 1), candidate('a', 0, 1), candidate('b', 0, 1)];
    expect([1, 2, 3, 4].map(() => placement.choose(set)?.id)).toEqual(['a', 'b', 'c', 'a']);
    // 'b' left and 'bb' joined: the cursor is after 'a', so 'bb' is next, then 'c'.
    const changed = [candidate('a', 0, 1), candidate('bb', 0, 1), candidate('c', 0, 1)];
    expect([1, 2, 3].map(() => placement.choose(changed)?.id)).toEqual(['bb', 'c', 'a']);
  });

  it('skips full candidates', () => {
    const placement = createPlacement('round_robin');
    const set = [candidate('a', 0, 1), candidate('b', 1, 1), candidate('c', 0, 1)];
    expect([1, 2, 3].map(() => placement.choose(set)?.id)).toEqual(['a', 'c', 'a']);
  });

  it('visits every candidate with room within n calls when the set is stable', () => {
    fc.assert(
      fc.property(arbCandidates, fc.nat({ max: 10 }), (candidates, warmup) => {
        const placement = createPlacement('round_robin');
        for (let i = 0; i < warmup; i++) placement.choose(candidates);
        const open = candidates.filter(hasRoom);
        const seen = new Set(open.map(() => placement.choose(candidates)?.id));
        expect(seen).toEqual(new Set(open.map((c) => c.id)));
      }),
    );
  });
});

describe('weighted', () => {
  it('spreads picks smoothly (nginx example: weights 5, 1, 1)', () => {
    const placement = createPlacement('weighted');
    const set = [candidate('a', 0, 10, 5), candidate('b', 0, 10, 1), candidate('c', 0, 10, 1)];
    expect(Array.from({ length: 7 }, () => placement.choose(set)?.id).join('')).toBe('aabacaa');
  });

  it('defaults the weight to the free room', () => {
    const placement = createPlacement('weighted');
    const set = [candidate('a', 1, 4), candidate('b', 2, 3)];
    const picks = Array.from({ length: 4 }, () => placement.choose(set)?.id);
    expect(picks.filter((id) => id === 'a')).toHaveLength(3);
  });

  it('picks each candidate exactly weight times over a full cycle', () => {
    const arbWeighted = fc.uniqueArray(
      fc.record({ id: fc.string({ minLength: 1, maxLength: 4 }), load: fc.constant(0), capacity: fc.constant(1), weight: fc.integer({ min: 1, max: 10 }) }),
      { selector: (c) => c.id, minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(arbWeighted, fc.integer({ min: 1, max: 3 }), (candidates, cycles) => {
        const placement = createPlacement('weighted');
        const total = candidates.reduce((sum, c) => sum + c.weight, 0);
        for (let cycle = 0; cycle < cycles; cycle++) {
          const counts = new Map<string, number>();
          for (let i = 0; i < total; i++) {
            const id = placement.choose(candidates)!.id;
            counts.set(id, (counts.get(id) ?? 0) + 1);
          }
          for (const c of candidates) expect(counts.get(c.id)).toBe(c.weight);
        }
      }),
    );
  });

  it('forgets ids no longer offered', () => {
    const placement = createPlacement('weighted');
    const a = candidate('a', 0, 1, 1);
    const b = candidate('b', 0, 1, 3);
    expect(placement.choose([a, b])?.id).toBe('b'); // currents now a=1, b=-1
    expect(placement.choose([a])?.id).toBe('a'); // b is dropped
    // b returns at 0 (0+3 beats a's 1+1); had its -1 been kept, -1+3 would only tie a and lose on id.
    expect(placement.choose([a, b])?.id).toBe('b');
  });

  it('still places when every candidate with room has weight 0', () => {
    expect(createPlacement('weighted').choose([candidate('a', 0, 2, 0), candidate('b', 1, 2, 0)])?.id).toBe('a');
  });
});
