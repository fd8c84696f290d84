import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SnapshotFrom } from 'xstate';
import { POOL_EVENT, type PoolEvent } from './pool.events.js';
import { poolMachine } from './pool.machine.js';
import type { PoolInput, PoolScalingOptions } from './pool.options.js';
import { scalingDecision, type PoolSample } from './pool.scaling.js';
import { start, step } from './replay.js';
import { replayMismatch } from './testing/given-when-then.js';

const { SCALE_UP, SCALE_DOWN, SESSION_EVICTED, RECOVERY_REPORTED, LEAK_DETECTED, RECONFIGURED, DRAIN, STOPPED } = POOL_EVENT;

type Snapshot = SnapshotFrom<typeof poolMachine>;

/** Valid bounds: `minSize <= maxSize` (the config module guarantees it). */
const boundsArb = fc
  .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 8 }))
  .map(([minSize, extra]) => ({ minSize, maxSize: minSize + extra }));

const optionsArb: fc.Arbitrary<PoolScalingOptions> = fc
  .record({
    bounds: boundsArb,
    autoScaling: fc.constantFrom(true, true, true, false),
    scaleUpThreshold: fc.constantFrom(0.5, 0.7, 0.8, 1),
    scaleDownThreshold: fc.constantFrom(0, 0.2, 0.3, 0.5),
    scaleUpStep: fc.integer({ min: 1, max: 3 }),
    scaleDownStep: fc.integer({ min: 1, max: 3 }),
    cooldownMs: fc.integer({ min: 0, max: 3_000 }),
  })
  .map(({ bounds, ...rest }) => ({ ...bounds, ...rest }));

const inputArb: fc.Arbitrary<PoolInput> = optionsArb.chain((options) =>
  fc.subarray(Object.keys(options) as (keyof PoolScalingOptions)[]).map((keys) => {
    // Keep minSize/maxSize together so the merged bounds stay valid whatever the defaults are.
    const picked = keys.includes('minSize') || keys.includes('maxSize') ? [...keys, 'minSize', 'maxSize'] : keys;
    return { name: 'prop', at: 1_000, options: Object.fromEntries(picked.map((key) => [key, options[key as keyof PoolScalingOptions]])) };
  }),
);

const sampleArb: fc.Arbitrary<Omit<PoolSample, 'at'>> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 12 }), fc.constantFrom(0, 0.1, 0.25, 0.5, 0.8, 0.9, 1))
    .map(([live, share]) => ({ live, inUse: Math.round(live * share) })),
  fc.record({ live: fc.constant(0), inUse: fc.integer({ min: 0, max: 3 }) }),
);

type Command =
  | { k: 'up'; dt: number; delta: number; demand: boolean }
  | { k: 'down'; dt: number; delta: number }
  | { k: 'auto'; dt: number; sample: Omit<PoolSample, 'at'> }
  | { k: 'evict'; dt: number; reason: 'lru' | 'memory' | 'max_lifetime' | 'idle' }
  | { k: 'recovery'; dt: number; outcome: 'started' | 'succeeded' | 'failed' }
  | { k: 'leak'; dt: number; repaired: boolean }
  | { k: 'reconfigure'; dt: number; options: PoolScalingOptions }
  | { k: 'drain' | 'stop'; dt: number };

const dt = fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 4_000 }));
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ k: fc.constant('up' as const), dt, delta: fc.integer({ min: -2, max: 5 }), demand: fc.boolean() }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('down' as const), dt: fc.integer({ min: 0, max: 6_000 }), delta: fc.integer({ min: -3, max: 1 }) }) },
  { weight: 8, arbitrary: fc.record({ k: fc.constant('auto' as const), dt, sample: sampleArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('evict' as const), dt, reason: fc.constantFrom('lru' as const, 'memory' as const, 'max_lifetime' as const, 'idle' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('recovery' as const), dt, outcome: fc.constantFrom('started' as const, 'succeeded' as const, 'failed' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('leak' as const), dt, repaired: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reconfigure' as const), dt, options: optionsArb }) },
);
/** Draining and stopping end the interesting part of a history, so they are rarer than anything else. */
const historyCommandsArb = fc.array(
  fc.oneof({ weight: 50, arbitrary: commandArb }, { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('drain' as const, 'stop' as const), dt }) }),
  { maxLength: 60 },
);

/** The event `command` stands for at `at` against `snapshot` (an `auto` sample with no decision makes none). */
function materialise(snapshot: Snapshot, command: Command, at: number): PoolEvent | null {
  const { target } = snapshot.context;
  switch (command.k) {
    case 'up':
      return { type: SCALE_UP, at, to: target + command.delta, utilisation: 0.9, reason: command.demand ? 'demand' : 'utilisation' };
    case 'down':
      return { type: SCALE_DOWN, at, to: target + command.delta, utilisation: 0.1 };
    case 'auto':
      return scalingDecision(snapshot.context, { at, ...command.sample });
    case 'evict':
      return { type: SESSION_EVICTED, at, sessionId: `s${at}`, reason: command.reason };
    case 'recovery':
      return { type: RECOVERY_REPORTED, at, sessionId: `s${at}`, outcome: command.outcome, detail: null };
    case 'leak':
      return { type: LEAK_DETECTED, at, resource: 'process', expected: 1, actual: 2, repaired: command.repaired, detail: null };
    case 'reconfigure':
      return { type: RECONFIGURED, at, options: command.options };
    case 'drain':
      return { type: DRAIN, at, reason: 'test' };
    case 'stop':
      return { type: STOPPED, at };
  }
}

interface StepRecord {
  before: Snapshot;
  event: PoolEvent;
  /** True when the event is what `scalingDecision` proposed (an `auto` command). */
  proposed: boolean;
  accepted: boolean;
  after: Snapshot;
}

/** A pool history: its input and the events a monotonic clock made from the commands, with each step's outcome. */
interface History {
  input: PoolInput;
  events: PoolEvent[];
  steps: StepRecord[];
}

function run(input: PoolInput, commands: readonly Command[]): History {
  let snapshot = start(poolMachine, input).snapshot;
  let at = input.at;
  const events: PoolEvent[] = [];
  const steps: StepRecord[] = [];
  for (const command of commands) {
    at += command.dt;
    const event = materialise(snapshot, command, at);
    if (event === null) continue;
    const next = step(poolMachine, snapshot, event);
    events.push(event);
    steps.push({ before: snapshot, event, proposed: command.k === 'auto', accepted: next.accepted, after: next.snapshot });
    snapshot = next.snapshot;
  }
  return { input, events, steps };
}

const historyArb = fc
  .tuple(inputArb, historyCommandsArb)
  .map(([input, commands]) => run(input, commands));

const RUNS = { numRuns: 300 };

const isUtilisationScaling = (event: PoolEvent): boolean =>
  event.type === SCALE_DOWN || (event.type === SCALE_UP && event.reason === 'utilisation');

describe('pool properties', () => {
  it('keeps the target within [minSize, maxSize] after every event', () => {
    fc.assert(
      fc.property(historyArb, ({ input, steps }) => {
        const initial = start(poolMachine, input).snapshot.context;
        expect(initial.target).toBeGreaterThanOrEqual(initial.options.minSize);
        expect(initial.target).toBeLessThanOrEqual(initial.options.maxSize);
        for (const { after } of steps) {
          const { target, options } = after.context;
          expect(target).toBeGreaterThanOrEqual(options.minSize);
          expect(target).toBeLessThanOrEqual(options.maxSize);
          expect(after.context.deadline).toBeNull();
        }
      }),
      RUNS,
    );
  });

  it('never accepts a utilisation scaling within cooldownMs of the previous scaling', () => {
    fc.assert(
      fc.property(historyArb, ({ steps }) => {
        let lastScaling: number | null = null;
        let lastUtilisation: number | null = null;
        for (const { event, accepted, after } of steps) {
          if (!accepted || (event.type !== SCALE_UP && event.type !== SCALE_DOWN)) continue;
          const { cooldownMs } = after.context.options;
          if (isUtilisationScaling(event)) {
            // The previous scaling of any kind (demand included) starts the cooldown, so two utilisation ones are further apart still.
            if (lastScaling !== null) expect(event.at - lastScaling).toBeGreaterThanOrEqual(cooldownMs);
            if (lastUtilisation !== null) expect(event.at - lastUtilisation).toBeGreaterThanOrEqual(cooldownMs);
            lastUtilisation = event.at;
          }
          lastScaling = event.at;
        }
      }),
      RUNS,
    );
  });

  it('counts exactly the accepted events of each kind', () => {
    fc.assert(
      fc.property(historyArb, ({ input, steps }) => {
        const expected = { scaleUps: 0, scaleDowns: 0, evictions: 0, recoveriesStarted: 0, recoveriesSucceeded: 0, recoveriesFailed: 0, leaks: 0, leaksRepaired: 0 };
        let snapshot = start(poolMachine, input).snapshot;
        for (const { event, accepted, after } of steps) {
          snapshot = after;
          if (!accepted) continue;
          if (event.type === SCALE_UP) expected.scaleUps += 1;
          if (event.type === SCALE_DOWN) expected.scaleDowns += 1;
          if (event.type === SESSION_EVICTED) expected.evictions += 1;
          if (event.type === RECOVERY_REPORTED && event.outcome === 'started') expected.recoveriesStarted += 1;
          if (event.type === RECOVERY_REPORTED && event.outcome === 'succeeded') expected.recoveriesSucceeded += 1;
          if (event.type === RECOVERY_REPORTED && event.outcome === 'failed') expected.recoveriesFailed += 1;
          if (event.type === LEAK_DETECTED) {
            expected.leaks += 1;
            if (event.repaired) expected.leaksRepaired += 1;
          }
        }
        expect(snapshot.context.counts).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('accepts in running every scaling that scalingDecision proposes', () => {
    fc.assert(
      fc.property(historyArb, fc.array(sampleArb, { minLength: 1, maxLength: 8 }), fc.nat(5_000), ({ input, steps }, samples, wait) => {
        const snapshots = [start(poolMachine, input).snapshot, ...steps.map((record) => record.after)];
        for (const [i, snapshot] of snapshots.entries()) {
          if (snapshot.value !== 'running') continue;
          const sample = samples[i % samples.length];
          if (sample === undefined) continue;
          const at = (steps[i - 1]?.event.at ?? input.at) + wait;
          const decision = scalingDecision(snapshot.context, { at, ...sample });
          if (decision === null) continue;
          const next = step(poolMachine, snapshot, decision);
          expect(next.accepted).toBe(true);
          expect(next.snapshot.context.target).toBe(decision.to);
          expect(next.actions.map(({ type, params }) => ({ type, params }))).toEqual([
            { type: 'adjustWarm', params: { name: input.name, from: snapshot.context.target, to: decision.to } },
          ]);
        }
        for (const { proposed, accepted, before } of steps) {
          // Decisions made into the history's own events were accepted too.
          if (proposed && before.value === 'running') expect(accepted).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('lets a reconfiguration in running replace the options wholly and restart the target at their minSize', () => {
    fc.assert(
      fc.property(historyArb, optionsArb, fc.nat(5_000), ({ input, steps }, options, wait) => {
        const snapshots = [start(poolMachine, input).snapshot, ...steps.map((record) => record.after)];
        for (const [i, snapshot] of snapshots.entries()) {
          const at = (steps[i - 1]?.event.at ?? input.at) + wait;
          const next = step(poolMachine, snapshot, { type: RECONFIGURED, at, options });
          expect(next.accepted).toBe(snapshot.value === 'running');
          if (!next.accepted) continue;
          // Nothing of the stored options or the target they scaled to survives: the configuration in force wins.
          expect(next.snapshot.context.options).toEqual(options);
          expect(next.snapshot.context.target).toBe(options.minSize);
          expect(next.snapshot.context.counts).toEqual(snapshot.context.counts);
          const moved = snapshot.context.target !== options.minSize;
          expect(next.actions.map(({ type, params }) => ({ type, params }))).toEqual(
            moved ? [{ type: 'adjustWarm', params: { name: input.name, from: snapshot.context.target, to: options.minSize } }] : [],
          );
        }
      }),
      RUNS,
    );
  });

  it('replay from zero and persist/restore at any point reproduce the live actor', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), ({ input, events }, cut) => {
        expect(replayMismatch(poolMachine, input, events, cut % (events.length + 1))).toBeNull();
      }),
      { numRuns: 200 },
    );
  });
});
