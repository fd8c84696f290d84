/**
 * Event types of the pool machine: the input names it accepts, their TypeScript shapes, and the
 * past-tense names they are persisted under in a `pool-<name>` stream, so that every scaling decision
 * and pool fact can be replayed. Every event carries `at` (epoch ms). Import these constants; never
 * retype the strings.
 */
import { invertNames } from './event-names.js';
import type { PoolScalingOptions } from './pool.options.js';

/** Input event types of the pool machine. */
export const POOL_EVENT = {
  SCALE_UP: 'SCALE_UP',
  SCALE_DOWN: 'SCALE_DOWN',
  SESSION_EVICTED: 'SESSION_EVICTED',
  RECOVERY_REPORTED: 'RECOVERY_REPORTED',
  LEAK_DETECTED: 'LEAK_DETECTED',
  RECONFIGURED: 'RECONFIGURED',
  DRAIN: 'DRAIN',
  STOPPED: 'STOPPED',
} as const;

/** One of the pool's input event type strings. */
export type PoolEventType = (typeof POOL_EVENT)[keyof typeof POOL_EVENT];

/** Why the pool grows: sampled utilisation (subject to the cooldown), or a request with no free process (not). */
export type ScaleUpReason = 'utilisation' | 'demand';

/** Why a session's process was taken out of the pool. */
export type EvictionReason = 'lru' | 'memory' | 'max_lifetime' | 'idle';

/** Where a session's recovery stands. */
export type RecoveryOutcome = 'started' | 'succeeded' | 'failed';

/** The kind of resource a leak check counted. */
export type LeakResource = 'process' | 'actor' | 'handle';

/** Grow the target to `to` live processes; `utilisation` is what the decision saw (0–1). */
export interface PoolScaleUpEvent {
  type: typeof POOL_EVENT.SCALE_UP;
  at: number;
  to: number;
  utilisation: number;
  reason: ScaleUpReason;
}

/** Shrink the target to `to` live processes; `utilisation` is what the decision saw (0–1). */
export interface PoolScaleDownEvent {
  type: typeof POOL_EVENT.SCALE_DOWN;
  at: number;
  to: number;
  utilisation: number;
}

/** The pool evicted the process of session `sessionId`. */
export interface SessionEvictedEvent {
  type: typeof POOL_EVENT.SESSION_EVICTED;
  at: number;
  sessionId: string;
  reason: EvictionReason;
}

/** A session's recovery started, succeeded or failed (the session stream has the details). */
export interface RecoveryReportedEvent {
  type: typeof POOL_EVENT.RECOVERY_REPORTED;
  at: number;
  sessionId: string;
  outcome: RecoveryOutcome;
  detail: string | null;
}

/** A leak check found `actual` resources where `expected` were accounted for; `repaired` if it cleaned up. */
export interface LeakDetectedEvent {
  type: typeof POOL_EVENT.LEAK_DETECTED;
  at: number;
  resource: LeakResource;
  expected: number;
  actual: number;
  repaired: boolean;
  detail: string | null;
}

/**
 * The pool runs with new options (a restarted server with a new config). They replace the old ones wholly and
 * the target restarts at their `minSize`. Streams written before options were always complete may hold a
 * partial set; a key left out there takes its default.
 */
export interface PoolReconfiguredEvent {
  type: typeof POOL_EVENT.RECONFIGURED;
  at: number;
  options: PoolScalingOptions;
}

/** The pool stops taking work and winds down. */
export interface PoolDrainEvent {
  type: typeof POOL_EVENT.DRAIN;
  at: number;
  reason: string;
}

/** The pool has stopped; final. */
export interface PoolStoppedEvent {
  type: typeof POOL_EVENT.STOPPED;
  at: number;
}

/** Every event the pool machine accepts. */
export type PoolEvent =
  | PoolScaleUpEvent
  | PoolScaleDownEvent
  | SessionEvictedEvent
  | RecoveryReportedEvent
  | LeakDetectedEvent
  | PoolReconfiguredEvent
  | PoolDrainEvent
  | PoolStoppedEvent;

/** Past-tense names under which accepted pool events are persisted. */
export const POOL_PERSISTED_NAME = {
  SCALE_UP: 'PoolScaledUp',
  SCALE_DOWN: 'PoolScaledDown',
  SESSION_EVICTED: 'SessionEvicted',
  RECOVERY_REPORTED: 'RecoveryReported',
  LEAK_DETECTED: 'LeakDetected',
  RECONFIGURED: 'PoolReconfigured',
  DRAIN: 'PoolDraining',
  STOPPED: 'PoolStopped',
} as const satisfies Record<PoolEventType, string>;

/** Persisted name → input event type, for reading a `pool-<name>` stream back. */
export const POOL_EVENT_FROM_PERSISTED = invertNames(POOL_PERSISTED_NAME);

/**
 * Persisted name of a pool stream's first event, whose data is the machine's `PoolInput`: the input is
 * not an event the machine receives, but the stream must hold it for `replay(machine, input, rest)`.
 */
export const POOL_CREATED = 'PoolCreated';
