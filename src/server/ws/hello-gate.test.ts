import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HelloGate } from './hello-gate.js';

describe('HelloGate', () => {
  it('expires connections that did not say hello in time, oldest first', () => {
    const gate = new HelloGate<string>({ timeoutMs: 1_000, max: 10, maxPerAddress: 10 });
    gate.add('a', '10.0.0.1', 0);
    gate.add('b', '10.0.0.2', 500);
    expect(gate.expired(999)).toEqual([]);
    expect(gate.expired(1_000)).toEqual(['a']);
    gate.remove('a');
    expect(gate.expired(1_500)).toEqual(['b']);
    gate.remove('b');
    expect(gate.size).toBe(0);
  });

  it('pushes out the oldest of the same address beyond the per-address cap, leaving other addresses alone', () => {
    const gate = new HelloGate<string>({ timeoutMs: 1_000, max: 10, maxPerAddress: 2 });
    expect(gate.add('other', '10.0.0.9', 0)).toEqual([]);
    expect(gate.add('a1', '10.0.0.1', 1)).toEqual([]);
    expect(gate.add('a2', '10.0.0.1', 2)).toEqual([]);
    expect(gate.add('a3', '10.0.0.1', 3)).toEqual(['a1']);
    expect(gate.has('other')).toBe(true);
    expect(gate.fromAddress('10.0.0.1')).toBe(2);
  });

  it('pushes out the oldest of all beyond the global cap', () => {
    const gate = new HelloGate<string>({ timeoutMs: 1_000, max: 2, maxPerAddress: 10 });
    gate.add('a', '10.0.0.1', 0);
    gate.add('b', '10.0.0.2', 1);
    expect(gate.add('c', '10.0.0.3', 2)).toEqual(['a']);
    expect(gate.oldest()).toBe('b');
  });

  it('never holds more than its caps, and always admits the newest connection', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.oneof(fc.record({ add: fc.integer({ min: 0, max: 3 }) }), fc.record({ remove: fc.nat(60) })), { maxLength: 60 }),
        (max, maxPerAddress, steps) => {
          const gate = new HelloGate<number>({ timeoutMs: 1_000, max, maxPerAddress });
          const live = new Set<number>();
          steps.forEach((step, id) => {
            if ('add' in step) {
              for (const evicted of gate.add(id, `10.0.0.${step.add}`, id)) live.delete(evicted);
              live.add(id);
              expect(gate.has(id)).toBe(true);
            } else {
              gate.remove(step.remove);
              live.delete(step.remove);
            }
            expect(gate.size).toBe(live.size);
            expect(gate.size).toBeLessThanOrEqual(max);
            for (let address = 0; address < 4; address++) expect(gate.fromAddress(`10.0.0.${address}`)).toBeLessThanOrEqual(maxPerAddress);
          });
        },
      ),
    );
  });
});
