/**
 * The pool's context and the pure rules over it: the target clamped into its bounds, the cooldown
 * between scalings, which scalings are allowed, and how facts update the counts. The machine calls
 * these from guards and `assign`; `pool.scaling.ts` uses the same rules so its proposals are accepted.
 */
import type { Deadline } from './deadline.js';
import {
  POOL_EVENT,
  type LeakDetectedEvent,
  type PoolScaleDownEvent,
  type PoolScaleUpEvent,
  type RecoveryReportedEvent,
} from './pool.events.js';
import { DEFAULT_POOL_SCALING_OPTIONS, mergePoolOptions, type PoolInput, type PoolScalingOptions } from './pool.options.js';

/** How many accepted events of each kind the pool has seen (leaks count once, and again in `leaksRepaired` if repaired). */
export interface PoolCounts {
  scaleUps: number;
  scaleDowns: number;
  evictions: number;
  recoveriesStarted: number;
  recoveriesSucceeded: number;
  recoveriesFailed: number;
  leaks: number;
  leaksRepaired: number;
}

/** Everything a pool remembers; plain JSON. */
export interface PoolContext {
  name: string;
  options: PoolScalingOptions;
  /** Desired number of live agent processes (warm plus in use), always within `[minSize, maxSize]`. */
  target: number;
  /** When the target last changed by `SCALE_UP`/`SCALE_DOWN`; `null` before the first one. */
  lastScaledAt: number | null;
  startedAt: number;
  counts: PoolCounts;
  /** Always `null`: the pool waits on no timer (kept so the runtime's `contextDeadline` reads it like the others'). */
  deadline: Deadline | null;
}

/** Counts of a new pool. */
export const ZERO_POOL_COUNTS: Readonly<PoolCounts> = Object.freeze({
  scaleUps: 0,
  scaleDowns: 0,
  evictions: 0,
  recoveriesStarted: 0,
  recoveriesSucceeded: 0,
  recoveriesFailed: 0,
  leaks: 0,
  leaksRepaired: 0,
});

/** `size` brought into `[minSize, maxSize]`. */
export function clampTarget(options: PoolScalingOptions, size: number): number {
  return Math.min(options.maxSize, Math.max(options.minSize, size));
}

/** The context of a new, running pool: defaults filled in, target at `minSize`. */
export function initialPoolContext(input: PoolInput): PoolContext {
  const options = mergePoolOptions(DEFAULT_POOL_SCALING_OPTIONS, input.options);
  return {
    name: input.name,
    options,
    target: clampTarget(options, options.minSize),
    lastScaledAt: null,
    startedAt: input.at,
    counts: { ...ZERO_POOL_COUNTS },
    deadline: null,
  };
}

/** True when no scaling happened yet, or at least `cooldownMs` passed since the last one. */
export function cooldownPassed(context: PoolContext, at: number): boolean {
  return context.lastScaledAt === null || at - context.lastScaledAt >= context.options.cooldownMs;
}

/** Whether a `SCALE_UP` is allowed: above target, within `maxSize`, and past the cooldown unless driven by demand. */
export function mayScaleUp(context: PoolContext, event: PoolScaleUpEvent): boolean {
  return (
    event.to > context.target &&
    event.to <= context.options.maxSize &&
    (event.reason === 'demand' || cooldownPassed(context, event.at))
  );
}

/** Whether a `SCALE_DOWN` is allowed: below target, within `minSize`, and past the cooldown. */
export function mayScaleDown(context: PoolContext, event: PoolScaleDownEvent): boolean {
  return event.to < context.target && event.to >= context.options.minSize && cooldownPassed(context, event.at);
}

/** Context after an accepted scaling. */
export function afterScaling(context: PoolContext, event: PoolScaleUpEvent | PoolScaleDownEvent): Pick<PoolContext, 'target' | 'lastScaledAt' | 'counts'> {
  const up = event.type === POOL_EVENT.SCALE_UP;
  const { counts } = context;
  return {
    target: event.to,
    lastScaledAt: event.at,
    counts: up ? { ...counts, scaleUps: counts.scaleUps + 1 } : { ...counts, scaleDowns: counts.scaleDowns + 1 },
  };
}

/** Counts after a recovery report. */
export function countRecovery(counts: PoolCounts, event: RecoveryReportedEvent): PoolCounts {
  switch (event.outcome) {
    case 'started':
      return { ...counts, recoveriesStarted: counts.recoveriesStarted + 1 };
    case 'succeeded':
      return { ...counts, recoveriesSucceeded: counts.recoveriesSucceeded + 1 };
    case 'failed':
      return { ...counts, recoveriesFailed: counts.recoveriesFailed + 1 };
  }
}

/** Counts after a leak report. */
export function countLeak(counts: PoolCounts, event: LeakDetectedEvent): PoolCounts {
  return { ...counts, leaks: counts.leaks + 1, leaksRepaired: counts.leaksRepaired + (event.repaired ? 1 : 0) };
}

/**
 * Options and target after a `RECONFIGURED`: the event's options replace the old ones wholly (a key it leaves
 * out, which only streams written before options were always complete can hold, takes its default, never the
 * stale value), and the target restarts at the new `minSize`: the configuration in force wins over what the
 * previous one scaled to.
 */
export function afterReconfigure(options: Partial<PoolScalingOptions>): Pick<PoolContext, 'options' | 'target'> {
  const replaced = mergePoolOptions(DEFAULT_POOL_SCALING_OPTIONS, options);
  return { options: replaced, target: clampTarget(replaced, replaced.minSize) };
}
