import { describe, expect, it } from 'vitest';
import { eventually } from '../agent/support.js';
import { openTestPool, request, waitForState } from './support.js';

const AUTOSCALE = {
  advanced_features: true,
  'session_pool.auto_scaling.enabled': true,
  'session_pool.auto_scaling.cooldown': '0s',
  'session_pool.auto_scaling.scale_up_step': 2,
  'session_pool.auto_scaling.scale_down_step': 1,
  'session_pool.min_size': 1,
  'session_pool.max_size': 4,
};

const poolEventTypes = async (store: import('../../src/store/index.js').EventStore) =>
  (await store.readStream('pool-main'))._unsafeUnwrap().map((event) => event.type);

describe('session pool: prewarm and auto-scaling', () => {
  it('prewarms min_size processes and hands a warm one to the next session', async () => {
    const { pool } = await openTestPool({ 'session_pool.min_size': 2 });
    expect(await eventually(() => pool.status().processes.warm === 2, 5_000)).toBe(true);
    const lease = (await pool.create(request('ada', { tenant: 'default' })))._unsafeUnwrap();
    expect(lease.source).toBe('warm');
    await waitForState(pool, lease.sessionId, 'ready');
    // The pool tops itself back up to min_size live processes: one in use, one warm.
    expect(await eventually(() => pool.status().processes.live === 2 && pool.status().processes.warm === 1, 5_000)).toBe(true);
  });

  it('prewarms the launch profile sessions ask for (tenant and options)', async () => {
    const { pool } = await openTestPool({ 'session_pool.min_size': 2 });
    expect(await eventually(() => pool.status().processes.warm === 2, 5_000)).toBe(true);
    const first = (await pool.create(request()))._unsafeUnwrap();
    expect(first.source).toBe('cold');
    await waitForState(pool, first.sessionId, 'ready');
    (await pool.terminate(first.sessionId))._unsafeUnwrap();
    // Demand moved to tenant acme: warm processes of the default tenant are retired and acme ones started.
    await pool.maintenance.sampleScaling();
    expect(await eventually(() => pool.status().processes.live <= 2, 5_000)).toBe(true);
    await pool.maintenance.sampleScaling();
    const next = (await pool.create(request('bob')))._unsafeUnwrap();
    expect(next.source).toBe('warm');
    await waitForState(pool, next.sessionId, 'ready');
  });

  it('scales up on high utilisation and down on low, recording each decision, within min and max', async () => {
    const { pool, store } = await openTestPool(AUTOSCALE);
    expect(await eventually(() => pool.status().processes.warm === 1, 5_000)).toBe(true);
    const { sessionId } = (await pool.create(request('ada', { tenant: 'default' })))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    expect(await eventually(() => pool.status().processes.inUse === 1 && pool.status().processes.warm === 0)).toBe(true);

    expect(await pool.maintenance.sampleScaling()).toMatchObject({ type: 'SCALE_UP', to: 3, utilisation: 1 });
    expect(await eventually(() => pool.status().processes.warm === 2, 5_000)).toBe(true);
    expect(pool.status().target).toBe(3);

    (await pool.terminate(sessionId))._unsafeUnwrap();
    expect(await eventually(() => pool.status().processes.inUse === 0)).toBe(true);
    expect(await pool.maintenance.sampleScaling()).toMatchObject({ type: 'SCALE_DOWN', to: 2 });
    expect(await pool.maintenance.sampleScaling()).toMatchObject({ type: 'SCALE_DOWN', to: 1 });
    expect(await pool.maintenance.sampleScaling()).toBeNull();
    expect(await eventually(() => pool.status().processes.live === 1, 5_000)).toBe(true);
    expect(await poolEventTypes(store)).toEqual(['PoolCreated', 'PoolScaledUp', 'PoolScaledDown', 'PoolScaledDown']);
  });

  it('does not scale without the advanced profile, whatever auto_scaling.enabled says', async () => {
    const { pool, store } = await openTestPool({ ...AUTOSCALE, advanced_features: false });
    const { sessionId } = (await pool.create(request()))._unsafeUnwrap();
    await waitForState(pool, sessionId, 'ready');
    expect(await pool.maintenance.sampleScaling()).toBeNull();
    expect(await poolEventTypes(store)).toEqual(['PoolCreated']);
  });

  it('reuses a process that never took a turn when its session ends', async () => {
    const { pool } = await openTestPool({ 'session_pool.min_size': 1 });
    expect(await eventually(() => pool.status().processes.warm === 1, 5_000)).toBe(true);
    const first = (await pool.create(request('ada', { tenant: 'default' })))._unsafeUnwrap();
    const ready = await waitForState(pool, first.sessionId, 'ready');
    const pid = ready.context.agent.pid;
    (await pool.terminate(first.sessionId))._unsafeUnwrap();
    expect(await eventually(() => pool.status().processes.warm === 1)).toBe(true);
    const second = (await pool.create(request('bob', { tenant: 'default' })))._unsafeUnwrap();
    const again = await waitForState(pool, second.sessionId, 'ready');
    expect(second.source).toBe('warm');
    expect(again.context.agent.pid).toBe(pid);
  });
});
