/**
 * The session pool as a pure XState machine: it decides nothing on its own (the runtime samples
 * utilisation and asks `scalingDecision`), but it is the authority on which scaling requests and pool
 * facts are accepted, so the `pool-<name>` stream replays every scaling decision. States:
 * - `running`: `SCALE_UP`/`SCALE_DOWN` move `target` within `[minSize, maxSize]`, at most once per
 *   `cooldownMs` (a `demand` scale-up skips the cooldown), each asking for `adjustWarm`. `RECONFIGURED`
 *   replaces the options wholly and restarts the target at the new `minSize` (asking for `adjustWarm` only if
 *   it moved).
 * - `draining` (`DRAIN`): no scaling or reconfiguration; facts are still recorded.
 * - `stopped` (`STOPPED`, from `running` or `draining`): final.
 *
 * Facts (`SESSION_EVICTED`, `RECOVERY_REPORTED`, `LEAK_DETECTED`) only add to `counts`, in `running`
 * and `draining`. The one side effect is the named action `adjustWarm` (a no-op here; the runtime
 * provides it). The pool waits on no timer: `context.deadline` is always `null`.
 */
import { assign, setup } from 'xstate';
import {
  afterReconfigure,
  afterScaling,
  countLeak,
  countRecovery,
  initialPoolContext,
  mayScaleDown,
  mayScaleUp,
  type PoolContext,
} from './pool.context.js';
import { POOL_EVENT, type PoolEvent } from './pool.events.js';
import type { PoolInput } from './pool.options.js';

const { SCALE_UP, SCALE_DOWN, SESSION_EVICTED, RECOVERY_REPORTED, LEAK_DETECTED, RECONFIGURED, DRAIN, STOPPED } = POOL_EVENT;

/** Params of `adjustWarm`: bring pool `name` from `from` to `to` live processes (spawn warm ones, or retire idle ones). */
export interface AdjustWarmParams {
  name: string;
  from: number;
  to: number;
}

/** Every state of the pool machine, in document order. */
export const POOL_STATES = ['running', 'draining', 'stopped'] as const;

/** A state value of the pool machine (the machine is flat, so values are plain strings). */
export type PoolStateValue = (typeof POOL_STATES)[number];

/** The target the event asks for: `to` of a scaling, the clamped target of a reconfiguration. */
function requestedTarget(context: PoolContext, event: PoolEvent): number {
  if (event.type === SCALE_UP || event.type === SCALE_DOWN) return event.to;
  if (event.type === RECONFIGURED) return afterReconfigure(event.options).target;
  return context.target;
}

/** `adjustWarm` from the current target to the one the event asks for; listed before the `assign` that moves it. */
const adjustWarm = {
  type: 'adjustWarm',
  params: ({ context, event }: { context: PoolContext; event: PoolEvent }): AdjustWarmParams => ({
    name: context.name,
    from: context.target,
    to: requestedTarget(context, event),
  }),
} as const;

const poolSetup = setup({
  types: {
    context: {} as PoolContext,
    events: {} as PoolEvent,
    input: {} as PoolInput,
  },
  actions: {
    // The side effect: a no-op here, provided by the runtime; the second parameter types its params.
    adjustWarm: (_, _params: AdjustWarmParams) => {},
    applyScaling: assign(({ context, event }) =>
      event.type === SCALE_UP || event.type === SCALE_DOWN ? afterScaling(context, event) : {},
    ),
    reconfigure: assign(({ context, event }) => (event.type === RECONFIGURED ? afterReconfigure(event.options) : {})),
    countEviction: assign({ counts: ({ context }) => ({ ...context.counts, evictions: context.counts.evictions + 1 }) }),
    countRecovery: assign({
      counts: ({ context, event }) => (event.type === RECOVERY_REPORTED ? countRecovery(context.counts, event) : context.counts),
    }),
    countLeak: assign({
      counts: ({ context, event }) => (event.type === LEAK_DETECTED ? countLeak(context.counts, event) : context.counts),
    }),
  },
  guards: {
    mayScaleUp: ({ context, event }) => event.type === SCALE_UP && mayScaleUp(context, event),
    mayScaleDown: ({ context, event }) => event.type === SCALE_DOWN && mayScaleDown(context, event),
    reconfigureMovesTarget: ({ context, event }) => requestedTarget(context, event) !== context.target,
  },
});

/** Facts recorded in every live state. */
const facts = {
  [SESSION_EVICTED]: { actions: 'countEviction' },
  [RECOVERY_REPORTED]: { actions: 'countRecovery' },
  [LEAK_DETECTED]: { actions: 'countLeak' },
} as const;

/**
 * The pool machine (id `pool`). Create it with `createActor(poolMachine, { input: { name, at, options } })`,
 * or fold events with `replay`/`step` from `./replay.js`; ask `scalingDecision` (`./pool.scaling.js`)
 * what to send after each utilisation sample.
 */
export const poolMachine = poolSetup.createMachine({
  id: 'pool',
  context: ({ input }) => initialPoolContext(input),
  initial: 'running',
  states: {
    running: {
      on: {
        ...facts,
        [SCALE_UP]: { guard: 'mayScaleUp', actions: [adjustWarm, 'applyScaling'] },
        [SCALE_DOWN]: { guard: 'mayScaleDown', actions: [adjustWarm, 'applyScaling'] },
        [RECONFIGURED]: [{ guard: 'reconfigureMovesTarget', actions: [adjustWarm, 'reconfigure'] }, { actions: 'reconfigure' }],
        [DRAIN]: { target: 'draining' },
        [STOPPED]: { target: 'stopped' },
      },
    },
    draining: {
      on: {
        ...facts,
        [STOPPED]: { target: 'stopped' },
      },
    },
    stopped: {
      type: 'final',
    },
  },
});
