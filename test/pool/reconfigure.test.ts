import { describe, expect, it } from 'vitest';
import { BREAKER_PERSISTED_NAME as B, POOL_PERSISTED_NAME as P } from '../../machines/index.js';
import { poolSettings } from '../../src/pool/index.js';
import { STREAM_PREFIX } from '../../src/runtime/index.js';
import { eventually } from '../agent/support.js';
import { testConfig } from '../support/config.js';
import { openTestPool, POOL_TEST_CONFIG, streamEvents } from './support.js';

/** What `config/advanced.yaml` does to the pool, scaled down: warm processes kept and auto-scaling on. */
const ADVANCED = {
  advanced_features: true,
  'session_pool.auto_scaling.enabled': true,
  'session_pool.auto_scaling.cooldown': '0s',
  'session_pool.min_size': 2,
  'session_pool.max_size': 4,
};

/** The basic profile: nothing kept warm, no auto-scaling. */
const BASIC = { advanced_features: false, 'session_pool.min_size': 0, 'session_pool.max_size': 4 };

describe('session pool: the configuration in force at start wins over the stored pool state', () => {
  it('a basic start after an advanced run follows the basic settings and records the reconfiguration', async () => {
    const { pool: advanced, store, reopen } = await openTestPool(ADVANCED);
    expect(await eventually(() => advanced.status().processes.warm === 2, 5_000)).toBe(true);
    await advanced.close();

    const basic = await reopen(BASIC);
    // The stored target (2, from min_size 2) no longer holds: the new min_size is 0 and nothing is prewarmed.
    expect(basic.status().target).toBe(0);
    expect(basic.status().processes.live + basic.status().processes.starting).toBe(0);
    expect(await basic.maintenance.sampleScaling()).toBeNull();

    const events = await streamEvents(store, `${STREAM_PREFIX.pool}main`);
    const reconfigured = events.filter((event) => event.type === P.RECONFIGURED);
    expect(reconfigured).toHaveLength(1);
    // (`reopen` lays its overrides over the first open's, as the test pool does.)
    const basicScaling = poolSettings(testConfig({ ...POOL_TEST_CONFIG, ...ADVANCED, ...BASIC })).scaling;
    expect(basicScaling).toMatchObject({ minSize: 0, autoScaling: false });
    expect(reconfigured[0]?.data.options).toEqual(basicScaling);

    // The same settings again: nothing to record.
    await basic.close();
    const again = await reopen(BASIC);
    expect(again.status().target).toBe(0);
    expect((await streamEvents(store, `${STREAM_PREFIX.pool}main`)).filter((event) => event.type === P.RECONFIGURED)).toHaveLength(1);
  });
});

describe('session pool: the configuration in force at start wins over the stored breaker options', () => {
  it('a start with other breaker settings records BreakerReconfigured once, and both breakers use the new options', async () => {
    const { pool: first, store, reopen } = await openTestPool({ 'error_recovery.circuit_breaker.consecutive_failure_threshold': 5 });
    await first.close();

    const second = await reopen({ 'error_recovery.circuit_breaker.consecutive_failure_threshold': 2 });
    const expected = poolSettings(testConfig({ ...POOL_TEST_CONFIG, 'error_recovery.circuit_breaker.consecutive_failure_threshold': 2 })).breaker;
    expect(expected.consecutiveFailureThreshold).toBe(2);
    for (const name of ['agent-spawn', 'anthropic-api']) {
      const events = await streamEvents(store, `${STREAM_PREFIX.breaker}${name}`);
      const reconfigured = events.filter((event) => event.type === B.RECONFIGURED);
      expect(reconfigured).toHaveLength(1);
      expect(reconfigured[0]?.data.options).toEqual(expected);
    }

    // The same settings again: nothing to record.
    await second.close();
    const third = await reopen({ 'error_recovery.circuit_breaker.consecutive_failure_threshold': 2 });
    for (const name of ['agent-spawn', 'anthropic-api']) {
      const events = await streamEvents(store, `${STREAM_PREFIX.breaker}${name}`);
      expect(events.filter((event) => event.type === B.RECONFIGURED)).toHaveLength(1);
    }
    await third.close();
  });
});
