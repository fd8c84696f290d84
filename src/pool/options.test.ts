import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../config/index.js';
import { PLACEMENT_STRATEGY_NAMES } from '../config/schema.js';
import { poolSettings } from './options.js';
import { PLACEMENT_STRATEGIES } from './sessions/placement.js';

const config = (overrides: Record<string, string | number | boolean> = {}): Config =>
  loadConfig({ overrides: Object.entries(overrides).map(([key, value]) => ({ path: key.split('.'), value, label: key })) })._unsafeUnwrap().config;

describe('poolSettings', () => {
  it('offers exactly the placement strategies the pool implements', () => {
    expect([...PLACEMENT_STRATEGY_NAMES]).toEqual([...PLACEMENT_STRATEGIES]);
  });

  it('maps config to the pool, its sessions and its breakers (durations in ms, 0 meaning off)', () => {
    const settings = poolSettings(config({ 'session_pool.idle_timeout': '0s', 'error_recovery.circuit_breaker.slow_call_duration': '2s', 'agent.interrupt_grace': '3s' }));
    expect(settings.limits).toMatchObject({ idleTimeoutMs: null, interruptGraceMs: 3_000, startTimeoutMs: 30_000, maxConsecutiveFailures: 3, maxQueuedMessages: 10 });
    expect(settings.breaker).toMatchObject({ slowCallDurationMs: 2_000, openDurationMs: 10_000, consecutiveFailureThreshold: 5 });
    expect(settings.retry.classes.rate_limit).toEqual({ maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 });
    expect(settings.scaling).toMatchObject({ minSize: 0, maxSize: 10, autoScaling: false, cooldownMs: 30_000 });
  });

  it('scales automatically only in the advanced profile', () => {
    expect(poolSettings(config({ 'session_pool.auto_scaling.enabled': true })).scaling.autoScaling).toBe(false);
    expect(poolSettings(config({ 'session_pool.auto_scaling.enabled': true, advanced_features: true })).scaling.autoScaling).toBe(true);
  });
});
