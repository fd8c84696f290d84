import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { BREAKER_PERSISTED_NAME as B } from '../../../machines/index.js';
import { BREAKER_ACTOR, createActorHost, RUNTIME_EVENT_TYPE } from '../../runtime/index.js';
import { MemoryEventStore } from '../../store/index.js';
import { agentFailure, type PoolError } from '../errors.js';
import { BreakerGuard } from './breaker-guard.js';
import { attemptNumber, wrap, type Attempt, type Policy } from './policy.js';
import { createRetryPolicy, DEFAULT_RETRY_OPTIONS } from './retry-policy.js';
import { breakerAdmission, retryByClass, slot, whileOpen } from './spawn-policies.js';

const spawnFailed = agentFailure({ kind: 'SpawnFailed', command: 'claude', reason: 'EAGAIN' });
const missing = agentFailure({ kind: 'AgentCommandNotFound', command: 'claude', reason: 'not found on PATH', searched: '/usr/bin' });

/** An operation that answers `outcomes` in turn (the last one repeats), recording each attempt it saw. */
function operation(...outcomes: Array<ResultAsync<string, PoolError> | ((attempt: Attempt) => ResultAsync<string, PoolError>)>) {
  const seen: number[] = [];
  const run = (attempt: Attempt): ResultAsync<string, PoolError> => {
    const outcome = outcomes[Math.min(seen.length, outcomes.length - 1)]!;
    seen.push(attempt.attempt);
    return typeof outcome === 'function' ? outcome(attempt) : outcome;
  };
  return { run, seen };
}

describe('wrap: composing policies', () => {
  it('runs the first policy outermost and the operation innermost', async () => {
    const order: string[] = [];
    const named = (name: string): Policy<PoolError> => ({
      run: (attempt, next) => {
        order.push(`${name} in`);
        return next(attempt).map((value) => {
          order.push(`${name} out`);
          return value;
        });
      },
    });
    const result = await wrap(named('a'), named('b')).run(attemptNumber(0), () => {
      order.push('operation');
      return okAsync('done');
    });
    expect(result._unsafeUnwrap()).toBe('done');
    expect(order).toEqual(['a in', 'b in', 'operation', 'b out', 'a out']);
  });

  it('with no policy is the operation itself', async () => {
    expect((await wrap<PoolError>().run(attemptNumber(0), () => okAsync(1)))._unsafeUnwrap()).toBe(1);
  });
});

describe('whileOpen', () => {
  it('lets attempts through while open and refuses them with PoolClosed, without running them, once closed', async () => {
    let closed = false;
    const policy = whileOpen(() => closed);
    const op = operation(okAsync('ran'));
    expect((await policy.run(attemptNumber(0), op.run))._unsafeUnwrap()).toBe('ran');
    closed = true;
    expect((await policy.run(attemptNumber(0), op.run))._unsafeUnwrapErr()).toEqual({ kind: 'PoolClosed' });
    expect(op.seen).toEqual([0]);
  });
});

describe('slot', () => {
  const counting = (ok: boolean) => {
    const calls = { reserved: 0, released: 0 };
    const policy = slot(
      () => {
        calls.reserved += 1;
        return Promise.resolve(ok ? { ok: true as const } : { ok: false as const, live: 3, cap: 3 });
      },
      () => void (calls.released += 1),
    );
    return { policy, calls };
  };

  it('answers PoolExhausted with the count and cap when no slot can be had, without running the attempt', async () => {
    const { policy, calls } = counting(false);
    const op = operation(okAsync('ran'));
    expect((await policy.run(attemptNumber(0), op.run))._unsafeUnwrapErr()).toEqual({ kind: 'PoolExhausted', live: 3, cap: 3 });
    expect(op.seen).toEqual([]);
    expect(calls).toEqual({ reserved: 1, released: 0 });
  });

  it('keeps the slot for a success and gives it back at once for a failure with nothing handed over', async () => {
    const { policy, calls } = counting(true);
    expect((await policy.run(attemptNumber(0), operation(okAsync('ran')).run)).isOk()).toBe(true);
    expect(calls).toEqual({ reserved: 1, released: 0 });
    expect((await policy.run(attemptNumber(0), operation(errAsync(spawnFailed)).run))._unsafeUnwrapErr()).toBe(spawnFailed);
    expect(calls).toEqual({ reserved: 2, released: 1 });
  });

  it('leaves the slot with what the attempt started when it fails after handing over (the process frees it on exit)', async () => {
    const { policy, calls } = counting(true);
    const failsAfterSpawn = (attempt: Attempt) => {
      attempt.handedOver = true;
      return errAsync<string, PoolError>(spawnFailed);
    };
    expect((await policy.run(attemptNumber(0), failsAfterSpawn)).isErr()).toBe(true);
    expect(calls).toEqual({ reserved: 1, released: 0 });
  });
});

describe('breakerAdmission', () => {
  /** A breaker that opens after one failure for 100 ms, on a clock the test moves; `stored` closes the host and reads its stream. */
  async function breaker() {
    let now = 1_000;
    const clock = { now: () => now };
    const store = new MemoryEventStore();
    const host = createActorHost({ store, clock });
    const actor = (await host.actors(BREAKER_ACTOR, {}).create({ name: 'agent-spawn', consecutiveFailureThreshold: 1, openDurationMs: 100 }))._unsafeUnwrap();
    const guard = new BreakerGuard(actor, clock, () => undefined);
    const counted = (error: PoolError) => (error.kind === 'Agent' && error.error.kind === 'SpawnFailed' ? error.error.kind : null);
    const stored = async () => {
      await host.close();
      return (await store.readStream('breaker-agent-spawn'))._unsafeUnwrap().map((event) => event.type).filter((type) => type !== RUNTIME_EVENT_TYPE.breakerCreated);
    };
    return { guard, policy: breakerAdmission(guard, clock, counted), stored, later: (ms: number) => (now += ms) };
  }

  it('reports a success, and a counted failure, with the duration; refuses with BreakerOpen while open, without running the attempt', async () => {
    const { policy, stored } = await breaker();
    expect((await policy.run(attemptNumber(0), () => okAsync('up')))._unsafeUnwrap()).toBe('up');
    expect((await policy.run(attemptNumber(0), () => errAsync(spawnFailed)))._unsafeUnwrapErr()).toBe(spawnFailed);
    const op = operation(okAsync('ran'));
    await new Promise<void>((resolve) => setImmediate(resolve)); // the failure is stored in the background
    expect((await policy.run(attemptNumber(0), op.run))._unsafeUnwrapErr()).toMatchObject({ kind: 'BreakerOpen', breaker: 'agent-spawn', retryAt: 1_100 });
    expect(op.seen).toEqual([]);
    expect(await stored()).toEqual([B.CALL_SUCCEEDED, B.CALL_FAILED]);
  });

  it('abandons a probe whose failure the breaker does not count, and counts nothing for it', async () => {
    const { guard, policy, stored, later } = await breaker();
    guard.failed(5, 'SpawnFailed');
    await new Promise<void>((resolve) => setImmediate(resolve));
    later(100);
    expect((await policy.run(attemptNumber(0), () => errAsync(missing)))._unsafeUnwrapErr()).toBe(missing);
    expect(await stored()).toEqual([B.CALL_FAILED, B.PROBE_STARTED, B.PROBE_ABANDONED]);
  });
});

describe('retryByClass', () => {
  const retrying = (random = 0) => {
    const slept: number[] = [];
    const retries: string[] = [];
    const policy = retryByClass(createRetryPolicy({ ...DEFAULT_RETRY_OPTIONS, budget: { ratio: 1, minPerSecond: 1_000, windowMs: 1_000 } }, () => random), {
      now: () => 0,
      sleep: async (ms) => void slept.push(ms),
      classify: (error) => (error.kind === 'Agent' && error.error.kind === 'SpawnFailed' ? 'spawn_failure' : null),
      onRetry: (info) => void retries.push(`${info.attempt}:${info.errorClass}`),
      gaveUp: ({ attempts, reason, lastError }) => (lastError.kind === 'Agent' ? { kind: 'AgentStartFailed', attempts, reason, error: lastError.error } : lastError),
    });
    return { policy, slept, retries };
  };

  it('retries a classified failure with fresh attempts until one succeeds, waiting the back-off between', async () => {
    const { policy, slept, retries } = retrying();
    const op = operation(errAsync(spawnFailed), errAsync(spawnFailed), okAsync('third time'));
    expect((await policy.run(attemptNumber(0), op.run))._unsafeUnwrap()).toBe('third time');
    expect(op.seen).toEqual([0, 1, 2]);
    expect(slept).toHaveLength(2);
    expect(retries).toEqual(['1:spawn_failure', '2:spawn_failure']);
  });

  it('gives up after the class allows no more attempts, answering gaveUp of the last error', async () => {
    const { policy } = retrying();
    const op = operation(errAsync(spawnFailed));
    const limit = DEFAULT_RETRY_OPTIONS.classes.spawn_failure.maxAttempts;
    expect((await policy.run(attemptNumber(0), op.run))._unsafeUnwrapErr()).toMatchObject({ kind: 'AgentStartFailed', attempts: limit + 1, reason: 'attempts_exhausted' });
    expect(op.seen).toHaveLength(limit + 1);
  });

  it('answers an unclassified failure as it is, after one attempt', async () => {
    const { policy, slept } = retrying();
    const op = operation(errAsync(missing));
    expect((await policy.run(attemptNumber(0), op.run))._unsafeUnwrapErr()).toBe(missing);
    expect(op.seen).toEqual([0]);
    expect(slept).toEqual([]);
  });

  it('starts each try with nothing handed over', async () => {
    const { policy } = retrying();
    const handed: boolean[] = [];
    const op = (attempt: Attempt) => {
      handed.push(attempt.handedOver);
      attempt.handedOver = true;
      return attempt.attempt < 1 ? errAsync<string, PoolError>(spawnFailed) : okAsync('ok');
    };
    await policy.run(attemptNumber(0), op);
    expect(handed).toEqual([false, false]);
  });
});
