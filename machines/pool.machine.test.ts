import { describe, expect, it } from 'vitest';
import { initialPoolContext } from './pool.context.js';
import { POOL_CREATED, POOL_EVENT, POOL_EVENT_FROM_PERSISTED, POOL_PERSISTED_NAME, type PoolEvent } from './pool.events.js';
import { POOL_STATES, poolMachine } from './pool.machine.js';
import { DEFAULT_POOL_SCALING_OPTIONS, type PoolInput, type PoolScalingOptions } from './pool.options.js';
import { demandScaleUp, scalingDecision, utilisationOf } from './pool.scaling.js';
import { replay } from './replay.js';
import { specFor } from './testing/given-when-then.js';

const { SCALE_UP, SCALE_DOWN, SESSION_EVICTED, RECOVERY_REPORTED, LEAK_DETECTED, RECONFIGURED, DRAIN, STOPPED } = POOL_EVENT;

const input: PoolInput = { name: 'main', at: 0, options: { minSize: 1, maxSize: 6, cooldownMs: 1_000 } };
const spec = specFor(poolMachine, input);

const up = (at: number, to: number, reason: 'utilisation' | 'demand' = 'utilisation'): PoolEvent => ({ type: SCALE_UP, at, to, utilisation: 0.9, reason });
const down = (at: number, to: number): PoolEvent => ({ type: SCALE_DOWN, at, to, utilisation: 0.1 });
const evicted = (at: number): PoolEvent => ({ type: SESSION_EVICTED, at, sessionId: 's1', reason: 'idle' });
const recovery = (at: number, outcome: 'started' | 'succeeded' | 'failed'): PoolEvent => ({ type: RECOVERY_REPORTED, at, sessionId: 's1', outcome, detail: null });
const leak = (at: number, repaired: boolean): PoolEvent => ({ type: LEAK_DETECTED, at, resource: 'process', expected: 2, actual: 3, repaired, detail: 'pid 42' });
const drain = (at: number): PoolEvent => ({ type: DRAIN, at, reason: 'shutdown' });
const stopped = (at: number): PoolEvent => ({ type: STOPPED, at });
const warm = (from: number, to: number) => ({ type: 'adjustWarm', params: { name: 'main', from, to } });

describe('pool: start', () => {
  it('starts running with the defaults filled in and the target at minSize', () => {
    const snapshot = replay(poolMachine, { name: 'x', at: 7, options: {} }, []);
    expect(snapshot.value).toBe('running');
    expect(snapshot.context).toEqual({
      name: 'x',
      options: DEFAULT_POOL_SCALING_OPTIONS,
      target: 0,
      lastScaledAt: null,
      startedAt: 7,
      counts: { scaleUps: 0, scaleDowns: 0, evictions: 0, recoveriesStarted: 0, recoveriesSucceeded: 0, recoveriesFailed: 0, leaks: 0, leaksRepaired: 0 },
      deadline: null,
    });
    expect(POOL_STATES).toEqual(Object.keys(poolMachine.root.states));
  });

  it('keeps the context plain JSON when an override is undefined or unknown', () => {
    const context = initialPoolContext({ name: 'x', at: 0, options: { maxSize: undefined, bogus: 1 } as never });
    expect(context.options).toEqual(DEFAULT_POOL_SCALING_OPTIONS);
  });
});

describe('pool: SCALE_UP', () => {
  it('grows the target, records the time and asks for adjustWarm', () => {
    spec.given([]).when(up(10, 3)).then({
      state: 'running',
      context: { target: 3, lastScaledAt: 10, counts: { scaleUps: 1 } },
      actions: [warm(1, 3)],
    });
  });

  it('refuses a target that is not above the current one, or above maxSize', () => {
    spec.given([up(10, 3)]).when(up(2_000, 3)).then({ accepted: false, context: { target: 3 }, actions: [] });
    spec.given([]).when(up(10, 7)).then({ accepted: false, context: { target: 1 } });
    spec.given([]).when(up(10, 6)).then({ accepted: true, context: { target: 6 } });
  });

  it('refuses a utilisation scale-up inside the cooldown, and accepts it once the cooldown has passed', () => {
    spec.given([up(10, 3)]).when(up(1_009, 4)).then({ accepted: false, context: { target: 3, lastScaledAt: 10 } });
    spec.given([up(10, 3)]).when(up(1_010, 4)).then({ context: { target: 4, lastScaledAt: 1_010 }, actions: [warm(3, 4)] });
  });

  it('lets a demand scale-up skip the cooldown', () => {
    spec.given([up(10, 3)]).when(up(11, 5, 'demand')).then({ context: { target: 5, lastScaledAt: 11, counts: { scaleUps: 2 } }, actions: [warm(3, 5)] });
  });

  it('is refused while draining or once stopped', () => {
    spec.given([drain(5)]).when(up(10, 3, 'demand')).then({ accepted: false, state: 'draining', context: { target: 1 } });
    spec.given([stopped(5)]).when(up(10, 3, 'demand')).then({ accepted: false, state: 'stopped' });
  });
});

describe('pool: SCALE_DOWN', () => {
  it('shrinks the target, records the time and asks for adjustWarm', () => {
    spec.given([up(10, 5)]).when(down(1_010, 3)).then({
      context: { target: 3, lastScaledAt: 1_010, counts: { scaleUps: 1, scaleDowns: 1 } },
      actions: [warm(5, 3)],
    });
  });

  it('refuses inside the cooldown, even after a demand scale-up', () => {
    spec.given([up(10, 5)]).when(down(500, 3)).then({ accepted: false, context: { target: 5 } });
    spec.given([up(10, 5, 'demand')]).when(down(1_009, 3)).then({ accepted: false });
  });

  it('refuses a target that is not below the current one, or below minSize', () => {
    spec.given([up(10, 5)]).when(down(2_000, 5)).then({ accepted: false });
    spec.given([up(10, 5)]).when(down(2_000, 0)).then({ accepted: false });
    spec.given([]).when(down(2_000, 0)).then({ accepted: false, context: { target: 1, lastScaledAt: null } });
  });

  it('is refused while draining or once stopped', () => {
    spec.given([up(10, 5), drain(20)]).when(down(5_000, 3)).then({ accepted: false, state: 'draining', context: { target: 5 } });
    spec.given([up(10, 5), stopped(20)]).when(down(5_000, 3)).then({ accepted: false, state: 'stopped' });
  });
});

describe('pool: facts', () => {
  it('counts evictions in running and draining, not once stopped', () => {
    spec.given([]).when(evicted(5)).then({ context: { counts: { evictions: 1 } }, actions: [] });
    spec.given([evicted(1), drain(2)]).when(evicted(5)).then({ state: 'draining', context: { counts: { evictions: 2 } } });
    spec.given([stopped(2)]).when(evicted(5)).then({ accepted: false });
  });

  it('counts recovery reports by outcome', () => {
    spec.given([recovery(1, 'started'), recovery(2, 'started'), recovery(3, 'succeeded')]).when(recovery(4, 'failed')).then({
      context: { counts: { recoveriesStarted: 2, recoveriesSucceeded: 1, recoveriesFailed: 1 } },
      actions: [],
    });
    spec.given([drain(1)]).when(recovery(4, 'succeeded')).then({ state: 'draining', context: { counts: { recoveriesSucceeded: 1 } } });
    spec.given([drain(1), stopped(2)]).when(recovery(4, 'started')).then({ accepted: false });
  });

  it('counts leaks, and repaired leaks again', () => {
    spec.given([leak(1, true)]).when(leak(2, false)).then({ context: { counts: { leaks: 2, leaksRepaired: 1 } }, actions: [] });
    spec.given([drain(1)]).when(leak(2, true)).then({ state: 'draining', context: { counts: { leaks: 1, leaksRepaired: 1 } } });
    spec.given([stopped(1)]).when(leak(2, true)).then({ accepted: false });
  });
});

describe('pool: RECONFIGURED', () => {
  const basic = { ...DEFAULT_POOL_SCALING_OPTIONS, minSize: 0, maxSize: 10, autoScaling: false };
  const reconfigured = (at: number, options: Partial<PoolScalingOptions>): PoolEvent => ({ type: RECONFIGURED, at, options: options as PoolScalingOptions });

  it('replaces the options wholly and restarts the target at the new minSize, asking for adjustWarm', () => {
    // A pool scaled to 5 under { minSize 1, cooldown 1 s } meets a config with minSize 0 and the default cooldown.
    spec.given([up(10, 5)]).when(reconfigured(20, basic)).then({
      context: { target: 0, lastScaledAt: 10, options: basic },
      actions: [warm(5, 0)],
    });
    spec.given([]).when(reconfigured(20, { ...basic, minSize: 3 })).then({ context: { target: 3 }, actions: [warm(1, 3)] });
  });

  it('asks for no adjustWarm when the target stays', () => {
    spec.given([]).when(reconfigured(20, { ...basic, minSize: 1, autoScaling: true })).then({ context: { target: 1, options: { autoScaling: true } }, actions: [] });
  });

  it('gives a key that an older, partial event leaves out its default, never the stale value', () => {
    const after = spec.given([up(10, 5)]).when(reconfigured(20, { maxSize: 8, autoScaling: true })).then({ actions: [warm(5, 0)] });
    expect(after.snapshot.context.options).toEqual({ ...DEFAULT_POOL_SCALING_OPTIONS, maxSize: 8, autoScaling: true });
    expect(after.snapshot.context.target).toBe(0);
  });

  it('is refused while draining or once stopped', () => {
    spec.given([drain(1)]).when(reconfigured(20, { ...basic, minSize: 3 })).then({ accepted: false, context: { options: { minSize: 1 } } });
    spec.given([stopped(1)]).when(reconfigured(20, { ...basic, minSize: 3 })).then({ accepted: false });
  });
});

describe('pool: DRAIN and STOPPED', () => {
  it('drains from running only', () => {
    spec.given([]).when(drain(5)).then({ state: 'draining', actions: [] });
    spec.given([drain(5)]).when(drain(6)).then({ accepted: false, state: 'draining' });
  });

  it('stops from running or draining, and stays stopped', () => {
    const fromRunning = spec.given([]).when(stopped(5)).then({ state: 'stopped', actions: [] });
    expect(fromRunning.snapshot.status).toBe('done');
    spec.given([drain(5)]).when(stopped(6)).then({ state: 'stopped' });
    spec.given([stopped(5)]).when(stopped(6)).then({ accepted: false });
    spec.given([stopped(5)]).when(drain(6)).then({ accepted: false });
  });
});

describe('pool: scalingDecision and demandScaleUp', () => {
  const auto = { name: 'main', at: 0, options: { minSize: 1, maxSize: 6, cooldownMs: 1_000, autoScaling: true } };
  const at = (events: PoolEvent[]) => replay(poolMachine, auto, events).context;

  it('computes utilisation, 1 when something is in use with nothing live', () => {
    expect(utilisationOf({ live: 4, inUse: 3 })).toBe(0.75);
    expect(utilisationOf({ live: 0, inUse: 0 })).toBe(0);
    expect(utilisationOf({ live: 0, inUse: 2 })).toBe(1);
  });

  it('proposes nothing unless auto-scaling is on', () => {
    expect(scalingDecision(replay(poolMachine, input, []).context, { at: 10, live: 1, inUse: 1 })).toBeNull();
  });

  it('scales up by the step from the larger of target and live, capped at maxSize', () => {
    expect(scalingDecision(at([]), { at: 10, live: 1, inUse: 1 })).toEqual({ type: SCALE_UP, at: 10, to: 3, utilisation: 1, reason: 'utilisation' });
    expect(scalingDecision(at([]), { at: 10, live: 3, inUse: 3 })).toMatchObject({ type: SCALE_UP, to: 5 });
    expect(scalingDecision(at([up(1, 5)]), { at: 2_000, live: 5, inUse: 5 })).toMatchObject({ type: SCALE_UP, to: 6 });
    expect(scalingDecision(at([up(1, 6)]), { at: 2_000, live: 6, inUse: 6 })).toBeNull();
  });

  it('scales down by the step, not below minSize', () => {
    expect(scalingDecision(at([up(1, 5)]), { at: 2_000, live: 5, inUse: 1 })).toEqual({ type: SCALE_DOWN, at: 2_000, to: 4, utilisation: 0.2 });
    expect(scalingDecision(at([]), { at: 2_000, live: 1, inUse: 0 })).toBeNull();
  });

  it('waits for the cooldown, and proposes nothing between the thresholds', () => {
    expect(scalingDecision(at([up(1, 3)]), { at: 1_000, live: 3, inUse: 3 })).toBeNull();
    expect(scalingDecision(at([up(1, 3)]), { at: 1_001, live: 3, inUse: 3 })).toMatchObject({ type: SCALE_UP, to: 5 });
    expect(scalingDecision(at([up(1, 3)]), { at: 5_000, live: 3, inUse: 2 })).toBeNull();
  });

  it('asks for a demand scale-up to what is needed, capped, or nothing when the target suffices', () => {
    expect(demandScaleUp(at([up(1, 3)]), 5, 4)).toEqual({ type: SCALE_UP, at: 5, to: 4, utilisation: 1, reason: 'demand' });
    expect(demandScaleUp(at([]), 5, 9)).toMatchObject({ to: 6 });
    expect(demandScaleUp(at([up(1, 3)]), 5, 3)).toBeNull();
    spec.given([up(1, 3)]).when(demandScaleUp(at([up(1, 3)]), 5, 4) as PoolEvent).then({ accepted: true, context: { target: 4 } });
  });
});

describe('pool: event names', () => {
  it('maps every input type to one persisted name and back', () => {
    for (const type of Object.values(POOL_EVENT)) {
      expect(POOL_EVENT_FROM_PERSISTED[POOL_PERSISTED_NAME[type]]).toBe(type);
    }
    expect(Object.values(POOL_PERSISTED_NAME)).not.toContain(POOL_CREATED);
  });
});
