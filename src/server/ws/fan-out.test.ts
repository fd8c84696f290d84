import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../store/index.js';
import { fanOutCost, SEND_COST, SlicedFanOut } from './fan-out.js';
import { manualTurns } from './testing/manual-turns.js';

const event = (stream: string, revision: number): RecordedEvent =>
  ({ stream, revision: BigInt(revision), position: BigInt(revision), type: 'Thing', data: {}, metadata: {} }) as unknown as RecordedEvent;

interface Target {
  readonly name: string;
  left: boolean;
}

/** A fan-out whose clock advances 1 ms per send, so a slice of `sliceMs` makes exactly `sliceMs` sends. */
function harness(sliceMs: number) {
  let clock = 0;
  const turns = manualTurns();
  const received: { target: string; key: string; revision: number; turn: number }[] = [];
  let turn = 0;
  const fanOut = new SlicedFanOut<Target>(
    (target, _frame, recorded) => {
      if (target.left) return false;
      clock++;
      received.push({ target: target.name, key: recorded.stream, revision: Number(recorded.revision), turn });
      return true;
    },
    { syncCost: 0, sliceMs, maxPendingCost: Number.POSITIVE_INFINITY },
    turns.schedule,
    () => clock,
  );
  const runTurn = (): boolean => {
    turn++;
    return turns.turn();
  };
  return { fanOut, received, runTurn, turns };
}

describe('sliced fan-out', () => {
  it('says a fan-out fits in the turn only when it is small and nothing of its key waits', () => {
    const fanOut = new SlicedFanOut<Target>(() => true, { syncCost: fanOutCost('x'.repeat(100), 4), sliceMs: 1, maxPendingCost: Number.POSITIVE_INFINITY }, manualTurns().schedule);
    expect(fanOut.fitsNow('a', 'x'.repeat(100), 4)).toBe(true);
    expect(fanOut.fitsNow('a', 'x'.repeat(100), 5)).toBe(false);
    expect(fanOut.fitsNow('a', 'x'.repeat(4 * (100 + SEND_COST)), 1)).toBe(false);
    fanOut.enqueue('a', 'big', event('a', 0), [{ name: 't', left: false }]);
    expect(fanOut.fitsNow('a', 'x', 1)).toBe(false);
    expect(fanOut.fitsNow('b', 'x', 1)).toBe(true);
  });

  it('brakes: past maxPendingCost, enqueue delivers the oldest waiting work at once, in order, until back within', () => {
    const turns = manualTurns();
    const received: string[] = [];
    const frame = 'x'.repeat(100);
    const perEvent = fanOutCost(frame, 3);
    const fanOut = new SlicedFanOut<Target>(
      (target, _frame, recorded) => {
        received.push(`${recorded.stream}${recorded.revision}:${target.name}`);
        return true;
      },
      { syncCost: 0, sliceMs: 1_000, maxPendingCost: 2 * perEvent },
      turns.schedule,
    );
    const targets = ['t0', 't1', 't2'].map((name) => ({ name, left: false }));
    fanOut.enqueue('a', frame, event('a', 0), targets);
    fanOut.enqueue('b', frame, event('b', 0), targets);
    expect(received).toEqual([]);
    // A third event would make three waiting: the oldest key's work goes out now, in this turn.
    fanOut.enqueue('a', frame, event('a', 1), targets);
    expect(received).toEqual(['a0:t0', 'a0:t1', 'a0:t2', 'a1:t0', 'a1:t1', 'a1:t2']);
    expect(fanOut.pending()).toBe(1);
    while (turns.turn());
    expect(received.slice(6)).toEqual(['b0:t0', 'b0:t1', 'b0:t2']);
    expect(fanOut.pending()).toBe(0);
  });

  it('delivers nothing in the enqueuing turn, then at most one slice per turn', () => {
    const { fanOut, received, runTurn } = harness(3);
    const targets = Array.from({ length: 10 }, (_, index) => ({ name: `t${index}`, left: false }));
    fanOut.enqueue('a', 'frame', event('a', 0), targets);
    expect(received).toEqual([]);
    expect(runTurn()).toBe(true);
    expect(received.map((item) => item.target)).toEqual(['t0', 't1', 't2']);
    while (runTurn());
    expect(received.map((item) => item.target)).toEqual(targets.map((target) => target.name));
    expect(Math.max(...received.map((item) => item.turn))).toBe(4);
    expect(fanOut.pending()).toBe(0);
  });

  it('skips targets that left, at no cost to the slice', () => {
    const { fanOut, received, runTurn } = harness(2);
    const targets = Array.from({ length: 6 }, (_, index) => ({ name: `t${index}`, left: false }));
    fanOut.enqueue('a', 'frame', event('a', 0), targets);
    runTurn();
    targets[2]!.left = true;
    targets[3]!.left = true;
    runTurn();
    expect(received.map((item) => item.target)).toEqual(['t0', 't1', 't4', 't5']);
    expect(runTurn()).toBe(false);
  });

  it('gives every target each key’s events once and in order, keys taking turns, whatever the slice size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), targets: fc.subarray(['t0', 't1', 't2', 't3', 't4'], { minLength: 1 }), turnsAfter: fc.nat(2) }), { minLength: 1, maxLength: 12 }),
        (sliceMs, plan) => {
          const { fanOut, received, runTurn } = harness(sliceMs);
          const targets = new Map(['t0', 't1', 't2', 't3', 't4'].map((name) => [name, { name, left: false }]));
          const revisions = new Map<string, number>();
          const expected: { target: string; key: string; revision: number }[] = [];
          for (const step of plan) {
            const revision = revisions.get(step.key) ?? 0;
            revisions.set(step.key, revision + 1);
            fanOut.enqueue(step.key, 'frame', event(step.key, revision), step.targets.map((name) => targets.get(name)!));
            for (const target of step.targets) expected.push({ target, key: step.key, revision });
            for (let turn = 0; turn < step.turnsAfter; turn++) runTurn();
          }
          while (runTurn());
          const byTargetAndKey = (list: readonly { target: string; key: string; revision: number }[]) => {
            const groups = new Map<string, number[]>();
            for (const item of list) groups.set(`${item.target}/${item.key}`, [...(groups.get(`${item.target}/${item.key}`) ?? []), item.revision]);
            return Object.fromEntries([...groups].sort(([a], [b]) => (a < b ? -1 : 1)));
          };
          expect(byTargetAndKey(received)).toEqual(byTargetAndKey(expected));
          // No turn sends more than its slice.
          const perTurn = new Map<number, number>();
          for (const item of received) perTurn.set(item.turn, (perTurn.get(item.turn) ?? 0) + 1);
          for (const count of perTurn.values()) expect(count).toBeLessThanOrEqual(sliceMs);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lets a key with little waiting go before the end of another key’s long fan-out', () => {
    const { fanOut, received, runTurn } = harness(2);
    const many = Array.from({ length: 20 }, (_, index) => ({ name: `t${index}`, left: false }));
    fanOut.enqueue('long', 'frame', event('long', 0), many);
    fanOut.enqueue('short', 'frame', event('short', 0), [{ name: 'solo', left: false }]);
    runTurn();
    runTurn();
    expect(received.some((item) => item.key === 'short')).toBe(true);
    expect(received.filter((item) => item.key === 'long').length).toBeLessThan(many.length);
  });

  it('drops all waiting work on clear and schedules nothing more', () => {
    const { fanOut, received, runTurn, turns } = harness(1);
    fanOut.enqueue('a', 'frame', event('a', 0), [
      { name: 't0', left: false },
      { name: 't1', left: false },
    ]);
    runTurn();
    fanOut.clear();
    expect(turns.waiting()).toBe(0);
    expect(fanOut.pending()).toBe(0);
    runTurn();
    expect(received.map((item) => item.target)).toEqual(['t0']);
  });
});
