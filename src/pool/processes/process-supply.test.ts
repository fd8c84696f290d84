import { errAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import type { AgentError } from '../../agent/index.js';
import { BREAKER_ACTOR, createActorHost } from '../../runtime/index.js';
import { MemoryEventStore } from '../../store/index.js';
import type { AgentHandle, AgentLauncher } from './agent-port.js';
import { BreakerGuard } from '../resilience/breaker-guard.js';
import { ProcessSlots } from './process-slots.js';
import { DEFAULT_AGENT_OPTIONS } from './profile.js';
import { ProcessSupply } from './process-supply.js';
import { backoffCeilingMs, backoffFloorMs, createRetryPolicy, DEFAULT_RETRY_OPTIONS } from '../resilience/retry-policy.js';
import { WarmSet } from './warm-set.js';

/** A launcher whose every spawn fails with `error`, recording when it was asked (by the injected clock). */
function failingLauncher(error: AgentError, now: () => number): AgentLauncher & { readonly calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    spawn: () => {
      calls.push(now());
      return errAsync<AgentHandle, AgentError>(error);
    },
    reapOrphans: () => errAsync({ kind: 'RegistryFailed', path: '-', reason: 'not used' }),
  };
}

/** A supply over `launcher` with a manual clock that only the injected sleep moves, and the slept delays. */
async function supplyWith(launcher: (now: () => number) => AgentLauncher & { readonly calls: number[] }, random: () => number) {
  let now = 1_000;
  const clock = { now: () => now };
  const slept: number[] = [];
  const host = createActorHost({ store: new MemoryEventStore(), clock });
  const actor = (await host.actors(BREAKER_ACTOR, {}).create({ name: 'agent-spawn', consecutiveFailureThreshold: 100 }))._unsafeUnwrap();
  const spawner = launcher(clock.now);
  const supply = new ProcessSupply({
    launcher: spawner,
    slots: new ProcessSlots(4, () => false),
    warm: new WarmSet(),
    spawnBreaker: new BreakerGuard(actor, clock, () => undefined),
    retry: createRetryPolicy({ ...DEFAULT_RETRY_OPTIONS, budget: { ratio: 1, minPerSecond: 1_000, windowMs: 1_000 } }, random),
    clock,
    slotWaitMs: 1_000,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  return { supply, launcher: spawner, slept, close: () => host.close() };
}

const spawnFailed: AgentError = { kind: 'SpawnFailed', command: '/usr/bin/claude', reason: 'EAGAIN' };
const start = (supply: ProcessSupply) => supply.obtain('acme', DEFAULT_AGENT_OPTIONS, { mode: 'new', sessionId: 's-1' }, false);

describe('ProcessSupply: retrying a failed start', () => {
  it.each([0, 0.5, 0.999])('waits the spawn_failure back-off between attempts (random %s)', async (r) => {
    const { supply, launcher, slept, close } = await supplyWith((now) => failingLauncher(spawnFailed, now), () => r);
    const error = (await start(supply))._unsafeUnwrapErr();
    const limits = DEFAULT_RETRY_OPTIONS.classes.spawn_failure;
    expect(error).toMatchObject({ kind: 'AgentStartFailed', attempts: limits.maxAttempts + 1, reason: 'attempts_exhausted' });
    expect(launcher.calls).toHaveLength(limits.maxAttempts + 1);
    expect(slept).toHaveLength(limits.maxAttempts);
    slept.forEach((delay, index) => {
      // Retry n waits between half and all of min(max_delay, base_delay * 2^(n-1)): 100–200, 200–400, 400–800 ms.
      expect(delay).toBeGreaterThanOrEqual(backoffFloorMs(limits, index + 1));
      expect(delay).toBeLessThanOrEqual(backoffCeilingMs(limits, index + 1));
      expect(launcher.calls[index + 1]! - launcher.calls[index]!).toBe(delay);
    });
    expect(backoffFloorMs(limits, 1)).toBe(limits.baseDelayMs / 2);
    await close();
  });

  it('starts a missing command exactly once, and says which command and PATH', async () => {
    const missing: AgentError = { kind: 'AgentCommandNotFound', command: 'claude', reason: 'not found on PATH', searched: '/usr/local/bin:/usr/bin' };
    const { supply, launcher, slept, close } = await supplyWith((now) => failingLauncher(missing, now), () => 0.5);
    const error = (await start(supply))._unsafeUnwrapErr();
    expect(launcher.calls).toHaveLength(1);
    expect(slept).toEqual([]);
    expect(error).toEqual({ kind: 'Agent', error: missing });
    await close();
  });
});
