import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffJson } from './context-diff.js';

describe('diffJson', () => {
  it('names changed, added and removed paths with their values', () => {
    const before = { a: 1, nested: { keep: true, drop: 'x' }, list: [1, 2], queue: [1, 2], 'odd key': 0 };
    const after = { a: 2, nested: { keep: true, fresh: null }, list: [1, 3], queue: [2], 'odd key': 0, extra: { b: 1 } };
    expect(diffJson(before, after)).toEqual([
      { op: 'changed', path: 'a', before: 1, after: 2 },
      { op: 'removed', path: 'nested.drop', before: 'x' },
      { op: 'added', path: 'nested.fresh', after: null },
      { op: 'changed', path: 'list[1]', before: 2, after: 3 },
      { op: 'changed', path: 'queue', before: [1, 2], after: [2] },
      { op: 'added', path: 'extra', after: { b: 1 } },
    ]);
    expect(diffJson({ 'a-b': 1 }, { 'a-b': 2 })).toEqual([{ op: 'changed', path: '["a-b"]', before: 1, after: 2 }]);
    expect(diffJson(1, 'one')).toEqual([{ op: 'changed', path: '$', before: 1, after: 'one' }]);
  });

  it('is empty exactly when the two JSON values are equal', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }), (a, b) => {
        expect(diffJson(a, structuredClone(a))).toEqual([]);
        const equal = JSON.stringify(a) === JSON.stringify(b) || (Object.is(a, b));
        if (equal) expect(diffJson(a, b)).toEqual([]);
        if (diffJson(a, b).length === 0) expect(b).toStrictEqual(a);
      }),
      { numRuns: 300 },
    );
  });
});
