/**
 * The circuit breaker as a pure XState machine, event-driven like cockatiel's breakers but with
 * time carried by events. States:
 * - `closed`: calls flow; outcomes fill the sliding window and the consecutive-failure count.
 *   Trips to `open` when either threshold is met. Waits on nothing (resting).
 * - `open`: calls are refused until `context.deadline` (`openTimeout`); the period grows by
 *   `backoffMultiplier` on each trip since the last successful close, capped at `maxOpenDurationMs`.
 *   `TIMER_ELAPSED openTimeout`, or a `PROBE_STARTED` at or after the deadline, moves it to `halfOpen`.
 * - `halfOpen`: up to `halfOpenMaxProbes` probes at a time; `halfOpenSuccessesToClose` successful
 *   probes close it, one failed (or slow) probe re-opens it with a longer period. Waits on probe results,
 *   with a deadline while any probe is in flight (`probeTimeout`, from the first probe admitted while none
 *   was): probes that have not reported by then count as failed. `PROBE_ABANDONED` frees the slot of a probe
 *   that will never report (refused, aborted, or lost with the previous run) without counting anything.
 *   So half-open never waits forever: with no probe in flight it admits one, with probes in flight it has a
 *   deadline (unless `probeTimeoutMs` is `null`).
 * - `isolated`: forced open by an operator (`ISOLATE`) until `RESET`; no deadline.
 *
 * `RECONFIGURED` in any state replaces the options wholly (the configuration in force at start wins over the
 * stored one) and keeps the state, counts and current deadline; the same options again are ignored.
 * `RESET` from any state closes the breaker and resets the back-off. Call results that arrive while
 * open or isolated (calls started before the trip) are ignored; in half-open, results are attributed
 * to admitted probes while any are in flight and ignored otherwise (a caller that can tell its probes from
 * other calls reports only the probes' outcomes there). The machine has no side effects.
 */
import { and, assign, setup } from 'xstate';
import {
  afterCall,
  initialBreakerContext,
  isFailure,
  openDurationAfter,
  probeDeadline,
  tripsOn,
  type BreakerContext,
} from './circuit-breaker.context.js';
import { BREAKER_EVENT, type BreakerEvent } from './circuit-breaker.events.js';
import { completeBreakerOptions, sameBreakerOptions, type BreakerInput } from './circuit-breaker.options.js';
import { isDue } from './deadline.js';

const { CALL_SUCCEEDED, CALL_FAILED, PROBE_STARTED, PROBE_ABANDONED, TIMER_ELAPSED, RESET, ISOLATE, RECONFIGURED } = BREAKER_EVENT;

/** The state values of the circuit breaker. */
export type BreakerStateValue = 'closed' | 'open' | 'halfOpen' | 'isolated';

/** Every state of the circuit breaker, in document order. */
export const BREAKER_STATES = ['closed', 'open', 'halfOpen', 'isolated'] as const satisfies readonly BreakerStateValue[];

/**
 * The circuit-breaker machine (id `circuitBreaker`). Create it with
 * `createActor(circuitBreakerMachine, { input: { name, ...overrides } })`, or fold events with
 * `replay`/`step` from `./replay.js`; ask `admission(snapshot, at)` before each call.
 */
export const circuitBreakerMachine = setup({
  types: {
    context: {} as BreakerContext,
    events: {} as BreakerEvent,
    input: {} as BreakerInput,
  },
  guards: {
    optionsChange: ({ context, event }) => event.type === RECONFIGURED && !sameBreakerOptions(context.options, event.options),
    tripsOnCall: ({ context, event }) =>
      (event.type === CALL_SUCCEEDED || event.type === CALL_FAILED) && tripsOn(context, event),
    openTimeoutDue: ({ context, event }) => event.type === TIMER_ELAPSED && isDue(context.deadline, event, 'openTimeout'),
    probeTimeoutDue: ({ context, event }) =>
      event.type === TIMER_ELAPSED && context.probesInFlight > 0 && isDue(context.deadline, event, 'probeTimeout'),
    openPeriodOver: ({ context, event }) => context.deadline !== null && event.at >= context.deadline.at,
    probeSlotFree: ({ context }) => context.probesInFlight < context.options.halfOpenMaxProbes,
    probeInFlight: ({ context }) => context.probesInFlight > 0,
    probeFailed: ({ context, event }) =>
      context.probesInFlight > 0 &&
      (event.type === CALL_SUCCEEDED || event.type === CALL_FAILED) &&
      isFailure(context.options, event),
    probesClose: ({ context }) =>
      context.probesInFlight > 0 && context.probeSuccesses + 1 >= context.options.halfOpenSuccessesToClose,
  },
  actions: {
    reconfigure: assign({ options: ({ event }) => completeBreakerOptions(event.type === RECONFIGURED ? event.options : {}) }),
    recordCall: assign(({ context, event }) =>
      event.type === CALL_SUCCEEDED || event.type === CALL_FAILED ? afterCall(context, event) : {},
    ),
    startOpenPeriod: assign(({ context, event }) => {
      const openDurationMs = openDurationAfter(context.options, context.consecutiveTrips);
      return {
        trips: context.trips + 1,
        consecutiveTrips: context.consecutiveTrips + 1,
        openDurationMs,
        openedAt: event.at,
        deadline: { name: 'openTimeout' as const, at: event.at + openDurationMs },
        window: [],
        consecutiveFailures: 0,
        probesInFlight: 0,
        probeSuccesses: 0,
      };
    }),
    clearDeadline: assign({ deadline: null }),
    admitProbe: assign(({ context, event }) => ({
      probesInFlight: context.probesInFlight + 1,
      deadline: context.probesInFlight === 0 ? probeDeadline(context.options, event.at) : context.deadline,
    })),
    countProbeSuccess: assign(({ context }) => ({
      probesInFlight: context.probesInFlight - 1,
      probeSuccesses: context.probeSuccesses + 1,
      deadline: context.probesInFlight > 1 ? context.deadline : null,
    })),
    abandonProbe: assign(({ context }) => ({
      probesInFlight: context.probesInFlight - 1,
      deadline: context.probesInFlight > 1 ? context.deadline : null,
    })),
    resetToClosed: assign({
      window: [],
      consecutiveFailures: 0,
      consecutiveTrips: 0,
      openDurationMs: ({ context }) => context.options.openDurationMs,
      openedAt: null,
      deadline: null,
      probesInFlight: 0,
      probeSuccesses: 0,
    }),
    isolate: assign({ deadline: null, openedAt: null, probesInFlight: 0, probeSuccesses: 0, window: [], consecutiveFailures: 0 }),
  },
}).createMachine({
  id: 'circuitBreaker',
  context: ({ input }) => initialBreakerContext(input),
  initial: 'closed',
  on: {
    [RESET]: { target: '.closed', reenter: true },
    [RECONFIGURED]: { guard: 'optionsChange', actions: 'reconfigure' },
  },
  states: {
    closed: {
      entry: 'resetToClosed',
      on: {
        [CALL_SUCCEEDED]: [{ guard: 'tripsOnCall', target: 'open' }, { actions: 'recordCall' }],
        [CALL_FAILED]: [{ guard: 'tripsOnCall', target: 'open' }, { actions: 'recordCall' }],
        [ISOLATE]: { target: 'isolated' },
      },
    },
    open: {
      entry: 'startOpenPeriod',
      exit: 'clearDeadline',
      on: {
        [TIMER_ELAPSED]: { guard: 'openTimeoutDue', target: 'halfOpen' },
        [PROBE_STARTED]: { guard: and(['openPeriodOver', 'probeSlotFree']), target: 'halfOpen', actions: 'admitProbe' },
        [ISOLATE]: { target: 'isolated' },
      },
    },
    halfOpen: {
      on: {
        [PROBE_STARTED]: { guard: 'probeSlotFree', actions: 'admitProbe' },
        [PROBE_ABANDONED]: { guard: 'probeInFlight', actions: 'abandonProbe' },
        [TIMER_ELAPSED]: { guard: 'probeTimeoutDue', target: 'open' },
        [CALL_SUCCEEDED]: [
          { guard: 'probeFailed', target: 'open' },
          { guard: 'probesClose', target: 'closed' },
          { guard: 'probeInFlight', actions: 'countProbeSuccess' },
        ],
        [CALL_FAILED]: { guard: 'probeInFlight', target: 'open' },
        [ISOLATE]: { target: 'isolated' },
      },
    },
    isolated: {
      entry: 'isolate',
    },
  },
});
