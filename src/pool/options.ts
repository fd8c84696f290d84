/**
 * The pool's settings, derived once from the validated `Config`: sizes, placement, session limits for new
 * sessions, breaker and retry options, and the maintenance intervals.
 */
import type { BreakerOptions, PoolScalingOptions, SessionLimits } from '../../machines/index.js';
import type { Config } from '../config/index.js';
import type { ApprovalPolicy } from './approvals/policy.js';
import type { PlacementStrategy } from './sessions/placement.js';
import type { RetryBudgetOptions, RetryClassOptions, RetryErrorClass } from './resilience/retry-policy.js';

/** Everything the pool reads from config. */
export interface PoolSettings {
  readonly name: string;
  readonly scaling: PoolScalingOptions;
  /** How often utilisation is sampled (ms). */
  readonly checkIntervalMs: number;
  readonly placement: PlacementStrategy;
  readonly affinity: boolean;
  readonly maxParticipants: number;
  readonly maxProcesses: number;
  readonly memoryBudgetBytes: number;
  readonly processMemoryEstimateBytes: number;
  readonly memoryCheckIntervalMs: number;
  readonly maxLifetimeMs: number;
  /** Start agents with `--include-partial-messages` (streamed text deltas). */
  readonly partialMessages: boolean;
  /** Tool approvals: whether agents ask (`--permission-prompt-tool stdio`) and the rules that decide; absent: off. */
  readonly approvals?: { readonly enabled: boolean; readonly policy: ApprovalPolicy };
  readonly limits: SessionLimits;
  readonly breaker: BreakerOptions;
  readonly retry: { readonly classes: Readonly<Record<RetryErrorClass, RetryClassOptions>>; readonly budget: RetryBudgetOptions };
  readonly leakDetection: boolean;
  readonly leakCheckIntervalMs: number;
}

/** The pool settings of `config` (budget 0 → half of `totalMemoryBytes`, resolved by the caller of `deriveMemoryBudget`). */
export function poolSettings(config: Config, name = 'main'): PoolSettings {
  const pool = config.session_pool;
  const recovery = config.error_recovery;
  const breaker = recovery.circuit_breaker;
  const retry = recovery.retry;
  const retryClass = (c: { max_attempts: number; base_delay: number; max_delay: number }): RetryClassOptions => ({
    maxAttempts: c.max_attempts,
    baseDelayMs: c.base_delay,
    maxDelayMs: c.max_delay,
  });
  return {
    name,
    scaling: {
      minSize: pool.min_size,
      maxSize: pool.max_size,
      autoScaling: config.features.autoScaling,
      scaleUpThreshold: pool.auto_scaling.scale_up_threshold,
      scaleDownThreshold: pool.auto_scaling.scale_down_threshold,
      scaleUpStep: pool.auto_scaling.scale_up_step,
      scaleDownStep: pool.auto_scaling.scale_down_step,
      cooldownMs: pool.auto_scaling.cooldown,
    },
    checkIntervalMs: pool.auto_scaling.check_interval,
    placement: pool.placement,
    affinity: pool.affinity,
    maxParticipants: pool.max_participants,
    maxProcesses: config.agent.max_processes,
    memoryBudgetBytes: config.agent.memory_budget,
    processMemoryEstimateBytes: config.agent.process_memory_estimate,
    memoryCheckIntervalMs: config.agent.memory_check_interval,
    maxLifetimeMs: pool.max_lifetime,
    partialMessages: config.agent.partial_messages,
    approvals: { enabled: config.approvals.enabled, policy: { rules: config.approvals.rules, defaultAction: config.approvals.default_action } },
    limits: {
      startTimeoutMs: config.agent.start_timeout,
      turnTimeoutMs: config.agent.turn_timeout,
      stallTimeoutMs: config.agent.stall_timeout,
      interruptGraceMs: config.agent.interrupt_grace,
      idleTimeoutMs: pool.idle_timeout === 0 ? null : pool.idle_timeout,
      recoveryTimeoutMs: recovery.recovery_timeout,
      maxConsecutiveFailures: recovery.max_consecutive_failures,
      maxQueuedMessages: config.agent.max_queued_messages,
      approvalTimeoutMs: config.agent.approval_timeout,
    },
    breaker: {
      consecutiveFailureThreshold: breaker.consecutive_failure_threshold,
      failureRateThreshold: breaker.failure_rate_threshold,
      minimumCalls: breaker.minimum_calls,
      windowMs: breaker.window,
      slowCallDurationMs: breaker.slow_call_duration === 0 ? null : breaker.slow_call_duration,
      openDurationMs: breaker.open_duration,
      maxOpenDurationMs: breaker.max_open_duration,
      backoffMultiplier: breaker.backoff_multiplier,
      halfOpenMaxProbes: breaker.half_open_max_probes,
      halfOpenSuccessesToClose: breaker.half_open_successes_to_close,
      // A probe is an agent start or a turn: it reports within these, unless something is badly wrong.
      probeTimeoutMs: config.agent.start_timeout + config.agent.turn_timeout + config.agent.interrupt_grace,
    },
    retry: {
      classes: {
        spawn_failure: retryClass(retry.spawn_failure),
        timeout: retryClass(retry.timeout),
        rate_limit: retryClass(retry.rate_limit),
        crash: retryClass(retry.crash),
      },
      budget: { ratio: retry.budget_ratio, minPerSecond: retry.budget_min_per_second, windowMs: retry.budget_window },
    },
    leakDetection: config.features.leakDetection,
    leakCheckIntervalMs: config.performance.goroutine_manager.leak_check_interval,
  };
}
