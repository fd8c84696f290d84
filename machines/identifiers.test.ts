import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSafeSegment } from './identifiers.js';

describe('isSafeSegment', () => {
  it('accepts tenant ids and directory names made of letters, digits, ".", "_" and "-"', () => {
    for (const segment of ['acme', 'default', 'a', 'team_1.dev-2', 'X'.repeat(128)]) expect(isSafeSegment(segment)).toBe(true);
  });

  it('refuses empty, hidden, parent, nested, over-long and non-ASCII segments', () => {
    for (const segment of ['', '.', '..', '.hidden', 'a..b', 'a/b', 'a\\b', '-rf', 'X'.repeat(129), 'ünïcode', 'a b']) {
      expect(isSafeSegment(segment)).toBe(false);
    }
  });

  it('never lets a segment climb or split a path', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (segment) => {
        if (isSafeSegment(segment)) expect(segment.includes('/') || segment.includes('..') || segment.startsWith('.')).toBe(false);
      }),
    );
  });
});
