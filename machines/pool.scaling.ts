/**
 * Pure scaling decisions for the runtime: given the pool's context and a sample of its processes, the
 * event to send, or `null`. A non-null answer is always one the machine accepts in `running` (it uses
 * the same cooldown and bounds rules), so the runtime can persist and send it as is.
 */
import { cooldownPassed, type PoolContext } from './pool.context.js';
import { POOL_EVENT, type PoolScaleDownEvent, type PoolScaleUpEvent } from './pool.events.js';

/** What the runtime saw at `at`: `live` processes running, `inUse` of them serving a session. */
export interface PoolSample {
  at: number;
  live: number;
  inUse: number;
}

/** Share of live processes in use (0–1); with none live, 1 if anything is in use, else 0. */
export function utilisationOf(sample: Pick<PoolSample, 'live' | 'inUse'>): number {
  if (sample.live === 0) return sample.inUse > 0 ? 1 : 0;
  return sample.inUse / sample.live;
}

/**
 * The utilisation-driven scaling for `sample`, or `null`: nothing unless `options.autoScaling`. At or above
 * `scaleUpThreshold` grows to `min(maxSize, max(target, live) + scaleUpStep)`, at or below
 * `scaleDownThreshold` shrinks to `max(minSize, target - scaleDownStep)`; only when that moves the target
 * and the cooldown has passed.
 */
export function scalingDecision(context: PoolContext, sample: PoolSample): PoolScaleUpEvent | PoolScaleDownEvent | null {
  const { options, target } = context;
  if (!options.autoScaling || !cooldownPassed(context, sample.at)) return null;
  const utilisation = utilisationOf(sample);
  if (utilisation >= options.scaleUpThreshold) {
    const to = Math.min(options.maxSize, Math.max(target, sample.live) + options.scaleUpStep);
    if (to > target) return { type: POOL_EVENT.SCALE_UP, at: sample.at, to, utilisation, reason: 'utilisation' };
  }
  if (utilisation <= options.scaleDownThreshold) {
    const to = Math.max(options.minSize, target - options.scaleDownStep);
    if (to < target) return { type: POOL_EVENT.SCALE_DOWN, at: sample.at, to, utilisation };
  }
  return null;
}

/**
 * The scale-up for a request that found no free process: to `min(maxSize, needed)` live processes, with
 * reason `demand` (no cooldown; applies whether or not auto-scaling is on), or `null` when that is not
 * above the target. `utilisation` is 1: every live process is busy.
 */
export function demandScaleUp(context: PoolContext, at: number, needed: number): PoolScaleUpEvent | null {
  const to = Math.min(context.options.maxSize, needed);
  if (to <= context.target) return null;
  return { type: POOL_EVENT.SCALE_UP, at, to, utilisation: 1, reason: 'demand' };
}
