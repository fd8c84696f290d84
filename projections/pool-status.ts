/**
 * The `pool-status` projection: the pool's bounds and target, its last scaling decisions, evictions and the last
 * leak, folded from the `pool-<name>` stream (only accepted events are stored, so each one is applied as is), and
 * how many live sessions are in each state, folded from the `session-<id>` streams' `metadata.to`. Terminated
 * sessions leave `sessionsByState`, as they leave the pool.
 */
import { POOL_CREATED, POOL_PERSISTED_NAME as P } from '../machines/pool.events.js';
import type { EvictionReason } from '../machines/pool.events.js';
import { afterReconfigure, clampTarget } from '../machines/pool.context.js';
import { DEFAULT_POOL_SCALING_OPTIONS, mergePoolOptions, type PoolScalingOptions } from '../machines/pool.options.js';
import { SESSION_PROVISIONED } from '../machines/session.events.js';
import type { SessionStateValue } from '../machines/session.states.js';
import { STREAM_PREFIX } from '../machines/streams.js';
import { emptyIdMap, idMapDelete, idMapGet, idMapSet, type IdMap } from './id-map.js';
import { atOf, bumpCount, countOf, numberOf, recordOf, sessionIdOf, stateAfter, stringOf, type ProjectedEvent, type Projection } from './event.js';

/** One accepted scaling of the target. */
export interface ScalingDecision {
  readonly at: number;
  readonly direction: 'up' | 'down';
  /** The target before, when the fold knew it. */
  readonly from?: number;
  readonly to: number;
  readonly utilisation: number;
  /** `utilisation` or `demand` for a scale-up; `utilisation` for a scale-down. */
  readonly reason: string;
}

/** The last leak check that found something. */
export interface LeakSeen {
  readonly at: number;
  readonly resource: string;
  readonly expected: number;
  readonly actual: number;
  readonly repaired: boolean;
  readonly detail: string | null;
}

/** State of the `pool-status` projection. */
export interface PoolStatusState {
  /** The pool stream this fold follows (`pool-<poolName>`). */
  readonly poolName: string;
  /** Whether the pool's `PoolCreated` was seen. */
  readonly created: boolean;
  /** The pool machine's state (`running`, `draining`, `stopped`), `null` before `PoolCreated`. */
  readonly poolState: string | null;
  readonly target: number;
  readonly minSize: number;
  readonly maxSize: number;
  readonly thresholds: { readonly scaleUp: number; readonly scaleDown: number };
  readonly autoScaling: boolean;
  /** Live (not terminated) sessions per state. */
  readonly sessionsByState: { readonly [state: string]: number };
  /** State of every live session, so that a move from one state to another can be counted. */
  readonly sessionStates: IdMap<string>;
  /** The last {@link POOL_STATUS_SCALING_KEPT} accepted scalings, oldest first. */
  readonly scaling: readonly ScalingDecision[];
  readonly evictions: { readonly [K in EvictionReason]: number };
  readonly lastLeak: LeakSeen | null;
  readonly skipped: number;
}

/** Version of the state's shape, for checkpoints: bump it whenever the state or the fold changes. */
export const POOL_STATUS_VERSION = 2;

/** Name of the projection. */
export const POOL_STATUS = 'pool-status';

/** How many scaling decisions the status keeps. */
export const POOL_STATUS_SCALING_KEPT = 50;

const TERMINATED: SessionStateValue = 'terminated';
const ZERO_EVICTIONS: { readonly [K in EvictionReason]: number } = { lru: 0, memory: 0, max_lifetime: 0, idle: 0 };
const POOL_TYPES: ReadonlySet<string> = new Set(Object.values(P));
const UP = 'up';
const DOWN = 'down';

function withOptions(state: PoolStatusState, options: PoolScalingOptions, target: number): PoolStatusState {
  return {
    ...state,
    target,
    minSize: options.minSize,
    maxSize: options.maxSize,
    thresholds: { scaleUp: options.scaleUpThreshold, scaleDown: options.scaleDownThreshold },
    autoScaling: options.autoScaling,
  };
}

/** The status before any event, following pool `poolName` (the server's is `main`). */
export function initialPoolStatus(poolName = 'main'): PoolStatusState {
  const defaults = DEFAULT_POOL_SCALING_OPTIONS;
  return withOptions(
    {
      poolName,
      created: false,
      poolState: null,
      target: 0,
      minSize: 0,
      maxSize: 0,
      thresholds: { scaleUp: 0, scaleDown: 0 },
      autoScaling: false,
      sessionsByState: {},
      sessionStates: emptyIdMap(),
      scaling: [],
      evictions: { ...ZERO_EVICTIONS },
      lastLeak: null,
      skipped: 0,
    },
    defaults,
    clampTarget(defaults, defaults.minSize),
  );
}

const skip = (state: PoolStatusState): PoolStatusState => ({ ...state, skipped: state.skipped + 1 });

function sessionEvent(state: PoolStatusState, sessionId: string, event: ProjectedEvent): PoolStatusState {
  const to = stateAfter(event);
  const before = idMapGet(state.sessionStates, sessionId);
  if (event.type === SESSION_PROVISIONED && before !== undefined) return skip(state);
  if (event.type !== SESSION_PROVISIONED && before === undefined) return state;
  if (to === null) return skip(state);
  if (to === before) return state;
  const counts = before === undefined ? state.sessionsByState : bumpCount(state.sessionsByState, before, -1);
  if (to === TERMINATED) return withSessions(state, idMapDelete(state.sessionStates, sessionId), counts);
  return withSessions(state, idMapSet(state.sessionStates, sessionId, to), bumpCount(counts, to, 1));
}

/**
 * `state` with new session states and counts, built field by field: this runs for most session events, and in V8
 * spreading an object that was itself made by a spread is about ten times slower than a literal.
 */
function withSessions(state: PoolStatusState, sessionStates: IdMap<string>, sessionsByState: { readonly [state: string]: number }): PoolStatusState {
  return {
    poolName: state.poolName,
    created: state.created,
    poolState: state.poolState,
    target: state.target,
    minSize: state.minSize,
    maxSize: state.maxSize,
    thresholds: state.thresholds,
    autoScaling: state.autoScaling,
    sessionsByState,
    sessionStates,
    scaling: state.scaling,
    evictions: state.evictions,
    lastLeak: state.lastLeak,
    skipped: state.skipped,
  };
}

/** The option keys of `data` whose values have the default's type; anything else is left out, as an unset key. */
function optionOverrides(data: { readonly [key: string]: unknown }): Partial<PoolScalingOptions> {
  const defaults: { readonly [key: string]: unknown } = DEFAULT_POOL_SCALING_OPTIONS;
  const typed = Object.entries(data).filter(([key, value]) => Object.hasOwn(defaults, key) && typeof value === typeof defaults[key] && (typeof value !== 'number' || Number.isFinite(value)));
  return Object.fromEntries(typed) as Partial<PoolScalingOptions>;
}

function created(state: PoolStatusState, event: ProjectedEvent): PoolStatusState {
  const options = recordOf(recordOf(event.data)?.['options']);
  if (options === null) return skip(state);
  const merged = mergePoolOptions(DEFAULT_POOL_SCALING_OPTIONS, optionOverrides(options));
  return { ...withOptions(state, merged, clampTarget(merged, merged.minSize)), created: true, poolState: stateAfter(event) };
}

function scaled(state: PoolStatusState, event: ProjectedEvent, data: { readonly [key: string]: unknown }, at: number): PoolStatusState {
  const to = countOf(data['to']);
  const utilisation = numberOf(data['utilisation']);
  const up = event.type === P.SCALE_UP;
  const reason = up ? stringOf(data['reason']) : 'utilisation';
  if (to === null || utilisation === null || reason === null) return skip(state);
  const decision: ScalingDecision = { at, direction: up ? UP : DOWN, ...(state.created ? { from: state.target } : {}), to, utilisation, reason };
  return { ...state, target: to, scaling: [...state.scaling, decision].slice(-POOL_STATUS_SCALING_KEPT) };
}

function evicted(state: PoolStatusState, data: { readonly [key: string]: unknown }): PoolStatusState {
  const reason = stringOf(data['reason']);
  if (reason === null || !Object.hasOwn(ZERO_EVICTIONS, reason)) return skip(state);
  const key = reason as EvictionReason;
  return { ...state, evictions: { ...state.evictions, [key]: state.evictions[key] + 1 } };
}

function leaked(state: PoolStatusState, data: { readonly [key: string]: unknown }, at: number): PoolStatusState {
  const resource = stringOf(data['resource']);
  const expected = numberOf(data['expected']);
  const actual = numberOf(data['actual']);
  const repaired = data['repaired'];
  if (resource === null || expected === null || actual === null || typeof repaired !== 'boolean') return skip(state);
  return { ...state, lastLeak: { at, resource, expected, actual, repaired, detail: stringOf(data['detail']) } };
}

function reconfigured(state: PoolStatusState, data: { readonly [key: string]: unknown }): PoolStatusState {
  const options = recordOf(data['options']);
  if (options === null) return skip(state);
  // The machine's rule: the options are replaced wholly and the target restarts at their minSize.
  const after = afterReconfigure(optionOverrides(options));
  return withOptions(state, after.options, after.target);
}

function poolEvent(state: PoolStatusState, event: ProjectedEvent): PoolStatusState {
  if (event.type === POOL_CREATED) return created(state, event);
  const data = recordOf(event.data);
  const at = atOf(event);
  if (!POOL_TYPES.has(event.type)) return state;
  if (data === null || at === null) return skip(state);
  const next = ((): PoolStatusState => {
    switch (event.type) {
      case P.SCALE_UP:
      case P.SCALE_DOWN:
        return scaled(state, event, data, at);
      case P.SESSION_EVICTED:
        return evicted(state, data);
      case P.LEAK_DETECTED:
        return leaked(state, data, at);
      case P.RECONFIGURED:
        return reconfigured(state, data);
      default:
        return state;
    }
  })();
  const to = stateAfter(event);
  return to === null || to === next.poolState ? next : { ...next, poolState: to };
}

/** Folds one stored event into the status; events of other streams and unknown types leave it unchanged. */
export function applyPoolStatus(state: PoolStatusState, event: ProjectedEvent): PoolStatusState {
  const sessionId = sessionIdOf(event);
  if (sessionId !== null) return sessionEvent(state, sessionId, event);
  return event.stream === `${STREAM_PREFIX.pool}${state.poolName}` ? poolEvent(state, event) : state;
}

/** The `pool-status` projection of pool `poolName`, for the host. */
export function poolStatusProjection(poolName = 'main'): Projection<PoolStatusState> {
  return { name: POOL_STATUS, version: POOL_STATUS_VERSION, initial: () => initialPoolStatus(poolName), apply: applyPoolStatus };
}
