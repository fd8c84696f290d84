import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyIdMap, idMapDelete, idMapEntries, idMapGet, idMapSet, idMapValues } from './id-map.js';

const id = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty'));
const op = fc.oneof(fc.record({ set: id, value: fc.integer() }), fc.record({ remove: id }));

describe('id-map', () => {
  it('behaves like a Map under any sequence of sets and deletes, and never changes a map it was given', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const model = new Map<string, number>();
        let map = emptyIdMap<number>();
        for (const step of ops) {
          const before = JSON.stringify(map);
          const previous = map;
          if ('set' in step) {
            model.set(step.set, step.value);
            map = idMapSet(map, step.set, step.value);
          } else {
            model.delete(step.remove);
            map = idMapDelete(map, step.remove);
          }
          expect(JSON.stringify(previous)).toBe(before);
        }
        expect(map.size).toBe(model.size);
        expect(new Map(idMapEntries(map))).toEqual(model);
        expect(idMapValues(map).sort()).toEqual([...model.values()].sort());
        for (const key of ['constructor', '__proto__', 'toString', 'x']) expect(idMapGet(map, key)).toBe(model.get(key));
        expect(JSON.parse(JSON.stringify(map))).toEqual(map);
      }),
    );
  });

  it('given a map with one id, when it is deleted, then the map equals the empty one', () => {
    expect(idMapDelete(idMapSet(emptyIdMap<number>(), 'a', 1), 'a')).toEqual(emptyIdMap());
    const empty = emptyIdMap<number>();
    expect(idMapDelete(empty, 'missing')).toBe(empty);
  });
});
