import { describe, expect, it } from 'vitest';
import { compileFilter } from '../core/filter.js';
import type { EncodedEvent } from '../core/validate.js';
import { CommittedTail, type TailLimits } from './committed-tail.js';

const ALL = compileFilter(undefined);
const LARGE: TailLimits = { maxEvents: 1000, maxBytes: 1 << 20, maxEventBytes: 1 << 16 };

/** Drives a tail as the store does: one batch per call, appends of one event at the given positions. */
function harness(limits: TailLimits = LARGE) {
  let version = 1;
  let revision = 0;
  const tail = new CommittedTail(() => version, limits);
  /** `readThrough`: what every reader has read (none by default: nothing is dropped for that reason). */
  const commit = (positions: readonly number[], data = '{}', rollBack = false, readThrough = 0): void => {
    tail.batchStarted(version);
    for (const position of positions) {
      const event: EncodedEvent = { id: `id-${position}`, type: 'T', data, metadata: '{}' };
      tail.wrote('s', revision++, [event], 1_000, { nextExpectedRevision: 0n, position: BigInt(position) });
    }
    if (rollBack) tail.discard();
    else tail.committed(readThrough);
  };
  return { tail, commit, foreignCommit: () => (version += 1) };
}

const positionsOf = (page: ReturnType<CommittedTail['page']>) => page?.events.map((event) => Number(event.position));

describe('CommittedTail', () => {
  it('serves checkpoints inside its run, and says nothing follows its last event while no other connection wrote', () => {
    const { tail, commit } = harness();
    commit([1, 2, 3]);
    expect(positionsOf(tail.page(0, 10, ALL))).toEqual([1, 2, 3]);
    expect(tail.page(1, 1, ALL)).toMatchObject({ scannedTo: 2 });
    expect(tail.page(3, 10, ALL)).toEqual({ events: [], scannedTo: 3 });
    expect(tail.page(4, 10, ALL)).toBeUndefined();
  });

  it('restarts at a gap (another connection’s rows between two of its commits)', () => {
    const { tail, commit } = harness();
    commit([1, 2]);
    commit([5, 6]);
    expect(tail.size).toBe(2);
    expect(tail.page(2, 10, ALL)).toBeUndefined();
    expect(positionsOf(tail.page(4, 10, ALL))).toEqual([5, 6]);
  });

  it('empties itself when another connection committed after its last event', () => {
    const { tail, commit, foreignCommit } = harness();
    commit([1, 2]);
    foreignCommit();
    expect(positionsOf(tail.page(0, 10, ALL))).toEqual([1, 2]);
    expect(tail.page(2, 10, ALL)).toBeUndefined();
    expect(tail.size).toBe(0);
  });

  it('drops at each commit what every reader has read', () => {
    const { tail, commit } = harness();
    commit([1, 2, 3]);
    commit([4, 5], '{}', false, 2);
    expect(tail.page(2, 10, ALL)?.events.map((e) => Number(e.position))).toEqual([3, 4, 5]);
    expect(tail.page(1, 10, ALL)).toBeUndefined();
    commit([6], '{}', false, 5);
    expect(tail.size).toBe(1);
    commit([7], '{}', false, Number.POSITIVE_INFINITY);
    expect(tail.size).toBe(1);
    expect(positionsOf(tail.page(6, 10, ALL))).toEqual([7]);
  });

  it('forgets a rolled-back batch', () => {
    const { tail, commit } = harness();
    commit([1]);
    commit([2, 3], '{}', true);
    expect(tail.size).toBe(1);
    expect(tail.page(1, 10, ALL)).toEqual({ events: [], scannedTo: 1 });
  });

  it('keeps at most maxEvents and maxBytes, dropping the oldest', () => {
    const { tail, commit } = harness({ maxEvents: 4, maxBytes: 1 << 20, maxEventBytes: 1 << 16 });
    commit([1, 2, 3, 4, 5, 6]);
    expect(tail.size).toBe(4);
    expect(tail.page(1, 10, ALL)).toBeUndefined();
    expect(positionsOf(tail.page(2, 10, ALL))).toEqual([3, 4, 5, 6]);

    const bytes = harness({ maxEvents: 100, maxBytes: 3 * (256 + 102), maxEventBytes: 1 << 16 });
    for (let position = 1; position <= 10; position++) bytes.commit([position], JSON.stringify('x'.repeat(98)));
    expect(bytes.tail.size).toBe(3);
    expect(bytes.tail.bytes).toBeLessThanOrEqual(3 * (256 + 102));
    expect(positionsOf(bytes.tail.page(7, 10, ALL))).toEqual([8, 9, 10]);
  });

  it('never keeps an event above maxEventBytes: it breaks the run like a gap', () => {
    const { tail, commit } = harness({ maxEvents: 100, maxBytes: 1 << 20, maxEventBytes: 1000 });
    commit([1, 2]);
    commit([3], JSON.stringify('x'.repeat(2000)));
    expect(tail.size).toBe(0);
    expect(tail.bytes).toBe(0);
    commit([4]);
    expect(tail.page(2, 10, ALL)).toBeUndefined();
    expect(positionsOf(tail.page(3, 10, ALL))).toEqual([4]);
  });

  it('hands every reader the same deeply frozen event', () => {
    const { tail, commit } = harness();
    commit([1], JSON.stringify({ nested: { list: [1, { deep: true }] } }));
    const [first] = tail.page(0, 1, ALL)?.events ?? [];
    const [again] = tail.page(0, 1, ALL)?.events ?? [];
    expect(again).toBe(first);
    const data = first?.data as { nested: { list: [number, { deep: boolean }] } };
    expect([Object.isFrozen(first), Object.isFrozen(data), Object.isFrozen(data.nested.list), Object.isFrozen(data.nested.list[1])]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(() => {
      (data.nested.list[1] as { deep: boolean }).deep = false;
    }).toThrow(TypeError);
  });
});
