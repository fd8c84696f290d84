/**
 * Where session processes come from: a warm process of the right profile when one waits, otherwise a fresh
 * start — a slot under the process cap, admission by the spawn circuit breaker, then spawn and wait until the
 * process accepts input, retried with back-off by error class: each step a policy of `resilience/spawn-policies.ts`,
 * composed in one line (`startWith`). Every process it starts gives its slot back when it exits, whoever stopped it. It also keeps the warm set filled (prewarm) and retires warm processes.
 */
import { randomUUID } from 'node:crypto';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { AgentOptions } from '../../../machines/index.js';
import type { AgentConversation, AgentError, AgentLaunchOptions } from '../../agent/index.js';
import type { Clock } from '../../runtime/index.js';
import type { AgentHandle, AgentLauncher } from './agent-port.js';
import type { BreakerGuard } from '../resilience/breaker-guard.js';
import { agentFailure, POOL_ERROR_KIND, type PoolError } from '../errors.js';
import type { ProcessSlots } from './process-slots.js';
import { launchOptions, profileKey } from './profile.js';
import { attemptNumber, wrap, type Attempt, type Policy } from '../resilience/policy.js';
import type { RetryErrorClass, RetryPolicy } from '../resilience/retry-policy.js';
import { breakerAdmission, retryByClass, slot, whileOpen } from '../resilience/spawn-policies.js';
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
  /** Start agents with `--permission-prompt-tool stdio` (tool approvals). */
  readonly permissionPrompt?: boolean;
  /** The tenant's remaining budget when a process starts, passed as `--max-budget-usd` (`null`: no cap). */
  readonly budgetCapUsd?: (tenant: string) => number | null;
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

  // The spawn policies, outermost first in `startWith`: retry by failure class, refuse once closed, hold a slot
  // (waiting for one, or only a free one for a prewarm), breaker admission.
  readonly #retry: Policy<PoolError>;
  readonly #whileOpen: Policy<PoolError>;
  readonly #waitForSlot: Policy<PoolError>;
  readonly #freeSlotNow: Policy<PoolError>;
  readonly #breaker: Policy<PoolError>;

  constructor(private readonly deps: ProcessSupplyDeps) {
    const { clock, slots } = deps;
    this.#retry = retryByClass(deps.retry, {
      now: () => clock.now(),
      sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      classify: (error) => (error.kind === POOL_ERROR_KIND.Agent ? startErrorClass(error.error) : null),
      onRetry: (info) => {
        if (info.error.kind === POOL_ERROR_KIND.Agent) deps.onRetry?.({ ...info, error: info.error.error });
      },
      gaveUp: ({ attempts, reason, lastError }) =>
        lastError.kind === POOL_ERROR_KIND.Agent ? { kind: POOL_ERROR_KIND.AgentStartFailed, attempts, reason, error: lastError.error } : lastError,
    });
    this.#whileOpen = whileOpen(() => this.#closed);
    const release = (): void => slots.release();
    this.#waitForSlot = slot(() => slots.reserve(deps.slotWaitMs), release);
    this.#freeSlotNow = slot(() => Promise.resolve(slots.tryReserve() ? { ok: true } : { ok: false, live: slots.used, cap: slots.cap }), release);
    this.#breaker = breakerAdmission(deps.spawnBreaker, clock, (error) =>
      error.kind === POOL_ERROR_KIND.Agent && startErrorClass(error.error) !== null ? error.error.kind : null,
    );
  }

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
    void this.startWith(this.#freeSlotNow, tenant, options, { mode: 'new', sessionId: randomUUID() })
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
    return this.startWith(this.#waitForSlot, tenant, options, conversation);
  }

  /** Counts `started` as in flight until it settles (close waits for it). */
  #inFlight<T, E>(started: ResultAsync<T, E>): ResultAsync<T, E> {
    const settled = Promise.resolve(started);
    this.#starting.add(settled);
    void settled.finally(() => this.#starting.delete(settled));
    return new ResultAsync(settled);
  }

  /**
   * Starts a ready process through the spawn policies (see the constructor): each attempt holds a slot from
   * `slotPolicy`, given back at once when nothing was spawned, otherwise when the spawned process exits (a failed
   * ready-wait kills it).
   */
  private startWith(slotPolicy: Policy<PoolError>, tenant: string, options: AgentOptions, conversation: AgentConversation): ResultAsync<AgentHandle, PoolError> {
    const launch = launchOptions(tenant, options, conversation, this.deps.partialMessages === true, this.deps.permissionPrompt === true);
    // The cap is read at each attempt: what the tenant may still spend when this process starts.
    const capped = (): AgentLaunchOptions => {
      const cap = this.deps.budgetCapUsd?.(tenant) ?? null;
      return cap === null ? launch : { ...launch, maxBudgetUsd: cap };
    };
    return this.#inFlight(wrap(this.#retry, this.#whileOpen, slotPolicy, this.#breaker).run(attemptNumber(0), (attempt) => this.#spawnReady(capped(), attempt)));
  }

  /** Spawns one process (which then holds the attempt's slot until it exits) and waits until it accepts input; kills it if it never does. */
  #spawnReady(launch: AgentLaunchOptions, attempt: Attempt): ResultAsync<AgentHandle, PoolError> {
    return this.deps.launcher
      .spawn(launch)
      .andThen((handle) => {
        this.#track(handle);
        attempt.handedOver = true;
        return new ResultAsync(handle.ready())
          .map(() => handle)
          .orElse((error) => ResultAsync.fromSafePromise(handle.kill()).andThen(() => errAsync(error)));
      })
      .mapErr(agentFailure);
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
