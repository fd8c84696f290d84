import { describe, expect, it } from 'vitest';
import { POOL_EVENT, type AdjustWarmParams, type PoolEvent, type PoolInput } from '../../machines/index.js';
import { createActorHost, POOL_ACTOR, replayStream, type EffectCall, type HostFault, type PoolEffects } from '../../src/runtime/index.js';
import { MemoryEventStore } from '../../src/store/index.js';
import { manualTime } from './support/manual-time.js';

const input: PoolInput = { name: 'main', at: 1_000, options: { minSize: 1, maxSize: 4, cooldownMs: 5_000 } };

const observed = (snapshot: unknown) => {
  const { value, context, status } = snapshot as { value: unknown; context: unknown; status: string };
  return JSON.parse(JSON.stringify({ value, context, status })) as unknown;
};

/** Pool effects that only record their calls. */
function poolEffectsLog(): { effects: PoolEffects; calls: EffectCall[] } {
  const calls: EffectCall[] = [];
  return { effects: { adjustWarm: (params: AdjustWarmParams) => void calls.push({ type: 'adjustWarm', params }) }, calls };
}

const scaleUp = (at: number, to: number): PoolEvent => ({ type: POOL_EVENT.SCALE_UP, at, to, utilisation: 0.9, reason: 'utilisation' });

describe('hosted pool actor', () => {
  it('persists PoolCreated and PoolScaledUp, performs adjustWarm once, and reloads to the same snapshot', async () => {
    const store = new MemoryEventStore();
    const time = manualTime(input.at);
    const faults: HostFault[] = [];
    const log = poolEffectsLog();
    const host = createActorHost({ store, clock: time.clock, timers: time.timers, onFault: (fault) => faults.push(fault) });
    const pool = (await host.actors(POOL_ACTOR, log.effects).create(input))._unsafeUnwrap();
    expect(pool.stream).toBe('pool-main');
    expect(log.calls).toEqual([]);

    const outcome = (await pool.send(scaleUp(2_000, 3)))._unsafeUnwrap();
    expect(outcome.kind).toBe('committed');
    expect(log.calls).toEqual([{ type: 'adjustWarm', params: { name: 'main', from: 1, to: 3 } }]);
    // Inside the cooldown: ignored, nothing stored, nothing performed.
    expect((await pool.send(scaleUp(3_000, 4)))._unsafeUnwrap().kind).toBe('ignored');
    expect(log.calls).toHaveLength(1);

    const stored = (await store.readStream('pool-main'))._unsafeUnwrap();
    expect(stored.map((event) => event.type)).toEqual(['PoolCreated', 'PoolScaledUp']);
    expect(stored[0]?.data).toEqual(input);
    expect(stored[1]?.data).toEqual(scaleUp(2_000, 3));
    expect(stored[1]?.metadata).toMatchObject({ from: 'running', to: 'running', at: 2_000 });
    const live = observed(pool.getSnapshot());
    expect(live).toMatchObject({ value: 'running', context: { target: 3, lastScaledAt: 2_000, counts: { scaleUps: 1 } } });
    await host.close();

    const reloadLog = poolEffectsLog();
    const other = createActorHost({ store, clock: time.clock, timers: time.timers, onFault: (fault) => faults.push(fault) });
    const reloaded = (await other.actors(POOL_ACTOR, reloadLog.effects).load('main'))._unsafeUnwrap();
    expect(observed(reloaded.getSnapshot())).toEqual(live);
    expect(reloaded.revision).toBe(1n);
    expect(reloadLog.calls).toEqual([]);
    expect(time.pending()).toBe(0);
    await other.close();

    const replayed = (await replayStream(store, 'pool-main'))._unsafeUnwrap();
    expect(replayed.machine).toBe('pool');
    expect(observed(replayed.state)).toEqual(live);
    expect(faults).toEqual([]);
  });

  it('refuses an effects table without adjustWarm', () => {
    const host = createActorHost({ store: new MemoryEventStore(), clock: manualTime().clock, timers: manualTime().timers });
    expect(() => host.actors(POOL_ACTOR, {} as never)).toThrow(/adjustWarm/);
  });
});
