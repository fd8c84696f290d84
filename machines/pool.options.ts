/**
 * Scaling options of one session pool and their defaults. Values are trusted here: the config module
 * validates them (`session_pool` in the config schema) before a pool is created or reconfigured.
 */
import { mergeOptions, sameOptions } from './options.js';

/** Bounds and auto-scaling rules of a pool (durations in milliseconds, thresholds as 0–1 ratios). */
export interface PoolScalingOptions {
  /** Fewest live agent processes the pool keeps (warm plus in use). */
  minSize: number;
  /** Most live agent processes the pool may run. */
  maxSize: number;
  /** Whether `scalingDecision` proposes anything; demand scale-ups happen either way. */
  autoScaling: boolean;
  /** Utilisation at or above which the pool grows. */
  scaleUpThreshold: number;
  /** Utilisation at or below which the pool shrinks. */
  scaleDownThreshold: number;
  /** Processes added per utilisation scale-up. */
  scaleUpStep: number;
  /** Processes retired per scale-down. */
  scaleDownStep: number;
  /** Least time between a scaling and a following utilisation-driven one (demand scale-ups skip it). */
  cooldownMs: number;
}

/** The options a pool uses for every key its input leaves out. */
export const DEFAULT_POOL_SCALING_OPTIONS: Readonly<PoolScalingOptions> = Object.freeze({
  minSize: 0,
  maxSize: 10,
  autoScaling: false,
  scaleUpThreshold: 0.8,
  scaleDownThreshold: 0.3,
  scaleUpStep: 2,
  scaleDownStep: 1,
  cooldownMs: 30_000,
});

/** What `createActor(poolMachine, { input })` takes, and the data of a stream's `PoolCreated` event. */
export interface PoolInput {
  name: string;
  /** When the pool was created (epoch ms). */
  at: number;
  options: Partial<PoolScalingOptions>;
}

/** `base` with every scaling option `overrides` sets to a value (see {@link mergeOptions}). */
export function mergePoolOptions(base: Readonly<PoolScalingOptions>, overrides: Partial<PoolScalingOptions>): PoolScalingOptions {
  return mergeOptions(base, overrides);
}

/** Whether `a` and `b` set every scaling option alike (key order does not matter). */
export function samePoolOptions(a: Readonly<PoolScalingOptions>, b: Readonly<PoolScalingOptions>): boolean {
  return sameOptions(DEFAULT_POOL_SCALING_OPTIONS, a, b);
}
