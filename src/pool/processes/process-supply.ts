/**
 * Where session processes come from: a warm process of the right profile when one waits, otherwise a fresh
 * start — a slot under the process cap, admission by the spawn circuit breaker, then spawn and wait until the
 * process accepts input, retried with back-off by error class. Every process it starts gives its slot back when
 * it exits, whoever stopped it. It also keeps the warm set filled (prewarm) and retires warm processes.
 */
import { randomUUID } from 'node:crypto';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { AgentOptions } from '../../../machines/index.js';
import type { AgentConversation, AgentError } from '../../agent/index.js';
import type { Clock } from '../../runtime/index.js';
import type { AgentHandle, AgentLauncher } from './agent-port.js';
import type { BreakerGuard } from '../resilience/breaker-guard.js';
import { agentFailure, POOL_ERROR_KIND, type PoolError } from '../errors.js';
import { ProcessSlots, type Reservation } from './process-slots.js';
import { launchOptions, profileKey } from './profile.js';
import { isRetryGiveUp, retryResultAsync, type RetryErrorClass, type RetryPolicy } from '../resilience/retry-policy.js';
import { WarmSet } from './warm-set.js';

/** A ready process and where it came from. */
export interface SuppliedProcess {
  readonly handle: AgentHandle;
  readonly source: 'warm' | 'cold';
  readonly startedAt: number;
}

/** What the supply is built from. */
export interface ProcessSupplyDeps {
  readonly launcher: AgentLauncher;
  readonly slots: ProcessSlots;
  readonly warm: WarmSet;
  readonly spawnBreaker: BreakerGuard;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  /** How long to wait for a free slot. */
  readonly slotWaitMs: number;
  /** Start agents with `--include-partial-messages`. */
  readonly partialMessages?: boolean;
  /** Called after a process this supply started has exited and its slot is free again. */
  readonly onExit?: () => void;
  /** Waits between start attempts (default `setTimeout`; tests inject their own). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (info: { attempt: number; errorClass: RetryErrorClass; delayMs: number; error: AgentError }) => void;
}

const RATE_LIMITED = /\b(429|529)\b|rate.?limit|overloaded/i;

/** The retry class of a failed start, or `null` when retrying cannot help. */
export function startErrorClass(error: AgentError): RetryErrorClass | null {
  switch (error.kind) {
    case 'SpawnFailed':
      return 'spawn_failure';
    case 'StartFailed':
      if (RATE_LIMITED.test(error.detail)) return 'rate_limit';
      return error.reason === 'hang' ? 'timeout' : 'crash';
    default:
      return null;
  }
}

/**
 * Whether a failed start can never succeed by trying again with the same configuration: the command is missing,
 * or the tenant or launch options are invalid. The pool neither retries these nor lets a session recover from them.
 */
export function startFailureIsPermanent(error: PoolError): boolean {
  if (error.kind !== POOL_ERROR_KIND.Agent) return false;
  const kind = error.error.kind;
  return kind === 'AgentCommandNotFound' || kind === 'InvalidTenantId' || kind === 'InvalidLaunchOptions';
}

/** Supplies ready agent processes. */
export class ProcessSupply {
  readonly #live = new Set<AgentHandle>();
  readonly #starting = new Set<Promise<unknown>>();
  /** Processes asked to stop that have not exited yet: still holding slots, no longer counted as capacity. */
  readonly #retiring = new Set<AgentHandle>();
  #prewarming = 0;
  #closed = false;

  constructor(private readonly deps: ProcessSupplyDeps) {}

  /** Processes started by this supply that have not exited yet (warm and attached). */
  get live(): ReadonlySet<AgentHandle> {
    return this.#live;
  }

  /** Processes asked to stop that still hold their slots (each frees one when it exits). */
  get retiring(): number {
    return this.#retiring.size;
  }

  /** Live processes that are not on their way out (what scaling compares with its target). */
  get staying(): number {
    return this.deps.slots.used - this.#retiring.size;
  }

  /** Warm starts in flight. */
  get prewarming(): number {
    return this.#prewarming;
  }

  /** Whether a request for `profile` can be served without waiting for a process to stop. */
  canServe(profile: string): boolean {
    return this.deps.warm.has(profile) || this.deps.slots.free > 0;
  }

  /** A warm process for `tenant`/`options` if one waits, else a fresh start of `conversation`. */
  obtain(tenant: string, options: AgentOptions, conversation: AgentConversation, allowWarm: boolean): ResultAsync<SuppliedProcess, PoolError> {
    if (allowWarm) {
      const warm = this.deps.warm.take(profileKey(tenant, options));
      if (warm !== undefined) return okAsync({ handle: warm.handle, source: 'warm', startedAt: warm.startedAt });
    }
    return this.start(tenant, options, conversation).map((handle) => ({ handle, source: 'cold' as const, startedAt: this.deps.clock.now() }));
  }

  /** Starts one warm process for `tenant`/`options` in the background, only if a slot is free now. */
  prewarm(tenant: string, options: AgentOptions): boolean {
    if (this.#closed || this.deps.slots.free === 0) return false;
    this.#prewarming += 1;
    const startedAt = this.deps.clock.now();
    const reserve = (): Promise<Reservation> => Promise.resolve(this.deps.slots.tryReserve() ? { ok: true } : { ok: false, live: this.deps.slots.used, cap: this.deps.slots.cap });
    void this.startWith(reserve, tenant, options, { mode: 'new', sessionId: randomUUID() })
      .map((handle) => {
        if (this.#closed) void handle.stop();
        else this.deps.warm.add({ handle, tenant, options, profile: profileKey(tenant, options), startedAt });
      })
      .then(() => {
        this.#prewarming -= 1;
      });
    return true;
  }

  /** Stops up to `count` warm processes, oldest first. */
  retireWarm(count: number): number {
    const retired = this.deps.warm.takeOldest(count);
    for (const warm of retired) this.retire(warm.handle);
    return retired.length;
  }

  /** Stops `handle`, no longer counting it as capacity while it winds down. */
  retire(handle: AgentHandle): void {
    if (this.#live.has(handle)) this.#retiring.add(handle);
    void handle.stop();
  }

  /** True once `close` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Refuses further starts, waits for the starts in flight, and stops every process it started. */
  async close(): Promise<void> {
    this.#closed = true;
    this.deps.slots.rejectWaiters();
    this.deps.warm.drain();
    await Promise.allSettled([...this.#starting]);
    await Promise.all([...this.#live].map((handle) => handle.stop()));
  }

  private start(tenant: string, options: AgentOptions, conversation: AgentConversation): ResultAsync<AgentHandle, PoolError> {
    return this.startWith(() => this.deps.slots.reserve(this.deps.slotWaitMs), tenant, options, conversation);
  }

  /** Counts `started` as in flight until it settles (close waits for it). */
  #inFlight<T, E>(started: ResultAsync<T, E>): ResultAsync<T, E> {
    const settled = Promise.resolve(started);
    this.#starting.add(settled);
    void settled.finally(() => this.#starting.delete(settled));
    return new ResultAsync(settled);
  }

  /**
   * Starts a ready process, retrying by error class. Each attempt holds a slot from `reserve`: given back at
   * once when nothing was spawned, otherwise when the spawned process exits (a failed start kills it).
   */
  private startWith(
    reserve: () => Promise<Reservation>,
    tenant: string,
    options: AgentOptions,
    conversation: AgentConversation,
  ): ResultAsync<AgentHandle, PoolError> {
    const { clock, retry, spawnBreaker, slots } = this.deps;
    const attempt = (): ResultAsync<AgentHandle, PoolError> => {
      if (this.#closed) return errAsync({ kind: POOL_ERROR_KIND.PoolClosed });
      return ResultAsync.fromSafePromise(reserve()).andThen((reservation) => {
        if (!reservation.ok) return errAsync<AgentHandle, PoolError>({ kind: POOL_ERROR_KIND.PoolExhausted, live: reservation.live, cap: reservation.cap });
        const admitted = spawnBreaker.admit().orElse((error) => {
          slots.release();
          return errAsync(error);
        });
        return admitted.andThen((admittedAs) => {
          const began = clock.now();
          return this.deps.launcher
            .spawn(launchOptions(tenant, options, conversation, this.deps.partialMessages === true))
            .orElse((error) => {
              slots.release();
              return errAsync(error);
            })
            .andThen((handle) => {
              this.#track(handle);
              return new ResultAsync(handle.ready())
                .map(() => handle)
                .orElse((error) => ResultAsync.fromSafePromise(handle.kill()).andThen(() => errAsync(error)));
            })
            .map((handle) => {
              spawnBreaker.succeeded(clock.now() - began);
              return handle;
            })
            .mapErr((error) => {
              if (startErrorClass(error) !== null) spawnBreaker.failed(clock.now() - began, error.kind);
              // Not a spawn failure the breaker counts (a missing command, bad options): a probe must still end.
              else if (admittedAs === 'probe') spawnBreaker.abandoned(`the start failed before spawning: ${error.kind}`);
              return agentFailure(error);
            });
        });
      });
    };
    const classify = (error: PoolError): RetryErrorClass | null => (error.kind === POOL_ERROR_KIND.Agent ? startErrorClass(error.error) : null);
    return this.#inFlight(retryResultAsync(retry, attempt, classify, {
      now: () => clock.now(),
      sleep: this.deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      onRetry: (info) => {
        if (info.error.kind === POOL_ERROR_KIND.Agent) this.deps.onRetry?.({ ...info, error: info.error.error });
      },
    }).mapErr((error): PoolError => {
      if (!isRetryGiveUp(error)) return error;
      const last = error.lastError;
      return last.kind === POOL_ERROR_KIND.Agent
        ? { kind: POOL_ERROR_KIND.AgentStartFailed, attempts: error.attempts, reason: error.reason, error: last.error }
        : last;
    }));
  }

  /** Counts `handle` as live until it exits, then gives its slot back. */
  #track(handle: AgentHandle): void {
    this.#live.add(handle);
    void handle.exited.then(() => {
      this.#retiring.delete(handle);
      if (!this.#live.delete(handle)) return;
      this.deps.slots.release();
      this.deps.onExit?.();
    });
  }

  /** Forgets a process the OS says is gone although its exit was never seen (leak repair); true if it was tracked. */
  forget(handle: AgentHandle): boolean {
    this.#retiring.delete(handle);
    if (!this.#live.delete(handle)) return false;
    this.deps.slots.release();
    return true;
  }
}
