import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bumpCount, own } from './event.js';

const key = fc.oneof(fc.constantFrom('idle', 'busy', 'ready', '__proto__', 'constructor', 'toString', '0', '7'), fc.string({ maxLength: 4 }));

/** The plain definition: the key taken out, then put back last when its count stays positive. */
function reference(counts: { readonly [key: string]: number }, key: string, delta: number): { readonly [key: string]: number } {
  const next = (own(counts, key) ?? 0) + delta;
  const { [key]: _removed, ...rest } = counts;
  return next > 0 ? { ...rest, [key]: next } : rest;
}

describe('bumpCount', () => {
  it('equals the plain definition (entries and their order), keeps every key an own entry and never changes its input', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.integer({ min: -3, max: 3 })), { maxLength: 40 }), (bumps) => {
        let counts: { readonly [key: string]: number } = {};
        for (const [name, delta] of bumps) {
          const before = JSON.stringify(counts);
          const previous = counts;
          counts = bumpCount(counts, name, delta);
          expect(JSON.stringify(previous)).toBe(before);
          expect(Object.getPrototypeOf(counts)).toBe(Object.prototype);
          expect(Object.entries(counts)).toEqual(Object.entries(reference(previous, name, delta)));
          expect(Object.values(counts).every((count) => count > 0)).toBe(true);
        }
      }),
    );
  });
});
