import { describe, expect, it } from 'vitest';
import { admission, canAttempt } from './circuit-breaker.admission.js';
import { BREAKER_EVENT, BREAKER_EVENT_FROM_PERSISTED, BREAKER_PERSISTED_NAME, type BreakerEvent } from './circuit-breaker.events.js';
import { BREAKER_STATES, circuitBreakerMachine } from './circuit-breaker.machine.js';
import { DEFAULT_BREAKER_OPTIONS, type BreakerInput } from './circuit-breaker.options.js';
import { replay } from './replay.js';
import { specFor } from './testing/given-when-then.js';

const { CALL_SUCCEEDED, CALL_FAILED, PROBE_STARTED, PROBE_ABANDONED, TIMER_ELAPSED, RESET, ISOLATE } = BREAKER_EVENT;

const input: BreakerInput = {
  probeTimeoutMs: 5_000,
  name: 'claude',
  consecutiveFailureThreshold: 3,
  failureRateThreshold: 0.5,
  minimumCalls: 4,
  windowMs: 10_000,
  slowCallDurationMs: 5_000,
  openDurationMs: 1_000,
  maxOpenDurationMs: 3_000,
  backoffMultiplier: 2,
  halfOpenMaxProbes: 2,
  halfOpenSuccessesToClose: 2,
};
const spec = specFor(circuitBreakerMachine, input);

const ok = (at: number, durationMs = 10): BreakerEvent => ({ type: CALL_SUCCEEDED, at, durationMs });
const fail = (at: number, durationMs = 10): BreakerEvent => ({ type: CALL_FAILED, at, durationMs, errorKind: 'exit' });
const probe = (at: number): BreakerEvent => ({ type: PROBE_STARTED, at });
const timer = (at: number): BreakerEvent => ({ type: TIMER_ELAPSED, name: 'openTimeout', at });
const threeFailures = [fail(100), fail(200), fail(300)];
const toHalfOpen = [...threeFailures, timer(1_300)];

describe('circuit breaker: closed', () => {
  it('starts closed with the defaults filled in', () => {
    const snapshot = replay(circuitBreakerMachine, { name: 'x' }, []);
    expect(snapshot.value).toBe('closed');
    expect(snapshot.context.options).toEqual(DEFAULT_BREAKER_OPTIONS);
    expect(BREAKER_STATES).toEqual(Object.keys(circuitBreakerMachine.root.states));
  });

  it('opens on the consecutive-failure threshold and records the deadline', () => {
    spec.given([fail(100), fail(200)]).when(fail(300)).then({
      state: 'open',
      context: { trips: 1, consecutiveTrips: 1, openedAt: 300, openDurationMs: 1_000, deadline: { name: 'openTimeout', at: 1_300 } },
      actions: [],
    });
  });

  it('a success resets the consecutive count', () => {
    const noRate = specFor(circuitBreakerMachine, { ...input, minimumCalls: 100 });
    noRate.given([fail(100), fail(200), ok(250)]).when(fail(300)).then({ state: 'closed', context: { consecutiveFailures: 1 } });
  });

  it('counts a slow success as a failure', () => {
    spec.given([fail(100), fail(200)]).when(ok(300, 5_000)).then({ state: 'open' });
  });

  it('opens on the failure rate once minimumCalls are in the window', () => {
    spec.given([fail(100), ok(200), fail(300)]).when(ok(400)).then({ state: 'open' });
    spec.given([fail(100), ok(200)]).when(fail(300)).then({ state: 'closed' });
  });

  it('forgets calls that left the window', () => {
    spec.given([fail(100), ok(200), fail(300)]).when(ok(20_000)).then({ state: 'closed', context: { window: [{ calls: 1, failures: 0 }] } });
  });

  it('is isolated by the operator and ignores calls until RESET', () => {
    spec.given([{ type: ISOLATE, at: 1 }]).when(ok(2)).then({ accepted: false, state: 'isolated' });
    spec.given([{ type: ISOLATE, at: 1 }]).when({ type: RESET, at: 2 }).then({ state: 'closed' });
  });
});

describe('circuit breaker: open', () => {
  it('ignores an early or misnamed timer and call results', () => {
    spec.given(threeFailures).when(timer(1_299)).then({ accepted: false, state: 'open' });
    spec.given(threeFailures).when(ok(400)).then({ accepted: false, state: 'open' });
  });

  it('moves to half-open when the open timer is due, clearing the deadline', () => {
    spec.given(threeFailures).when(timer(1_300)).then({ state: 'halfOpen', context: { deadline: null, probesInFlight: 0 } });
  });

  it('admits a probe that arrives after the deadline even before the timer event', () => {
    spec.given(threeFailures).when(probe(1_299)).then({ accepted: false, state: 'open' });
    spec.given(threeFailures).when(probe(1_400)).then({ state: 'halfOpen', context: { probesInFlight: 1 } });
  });

  it('RESET closes and forgets the back-off but keeps the trip count', () => {
    spec.given([...toHalfOpen, probe(1_400), fail(1_500)]).when({ type: RESET, at: 1_600 }).then({
      state: 'closed',
      context: { trips: 2, consecutiveTrips: 0, openDurationMs: 1_000, deadline: null, openedAt: null },
    });
  });
});

describe('circuit breaker: half-open', () => {
  it('admits at most halfOpenMaxProbes concurrent probes', () => {
    spec.given([...toHalfOpen, probe(1_400), probe(1_401)]).when(probe(1_402)).then({ accepted: false, context: { probesInFlight: 2 } });
  });

  it('closes after halfOpenSuccessesToClose successful probes', () => {
    spec.given([...toHalfOpen, probe(1_400), probe(1_401), ok(1_500)]).when(ok(1_600)).then({
      state: 'closed',
      context: { consecutiveTrips: 0, trips: 1, probesInFlight: 0, probeSuccesses: 0 },
    });
  });

  it('waits for probe outcomes until the probe timeout, counted from the first probe of a batch', () => {
    spec.given([...toHalfOpen, probe(1_400)]).when(probe(2_000)).then({ context: { probesInFlight: 2, deadline: { name: 'probeTimeout', at: 6_400 } } });
    spec.given([...toHalfOpen, probe(1_400), probe(2_000)]).when({ type: TIMER_ELAPSED, name: 'probeTimeout', at: 6_399 }).then({ accepted: false, state: 'halfOpen' });
    spec.given([...toHalfOpen, probe(1_400), probe(2_000)]).when({ type: TIMER_ELAPSED, name: 'probeTimeout', at: 6_400 }).then({
      state: 'open',
      context: { trips: 2, openDurationMs: 2_000, probesInFlight: 0, deadline: { name: 'openTimeout', at: 8_400 } },
    });
    // The last outstanding probe takes the timeout with it.
    spec.given([...toHalfOpen, probe(1_400), probe(2_000), ok(2_100)]).when(ok(2_200)).then({ state: 'closed', context: { deadline: null } });
  });

  it('frees the slot of an abandoned probe without counting an outcome', () => {
    spec.given([...toHalfOpen, probe(1_400)]).when({ type: PROBE_ABANDONED, at: 1_500, reason: 'message refused' }).then({
      state: 'halfOpen',
      context: { probesInFlight: 0, probeSuccesses: 0, trips: 1, deadline: null },
    });
    spec.given(toHalfOpen).when({ type: PROBE_ABANDONED, at: 1_500 }).then({ accepted: false, context: { probesInFlight: 0 } });
    spec.given(threeFailures).when({ type: PROBE_ABANDONED, at: 1_500 }).then({ accepted: false, state: 'open' });
  });

  it('ignores call results when no probe is in flight', () => {
    spec.given(toHalfOpen).when(ok(1_400)).then({ accepted: false, state: 'halfOpen' });
  });

  it('re-opens on a failed or slow probe with a doubled, capped period', () => {
    spec.given([...toHalfOpen, probe(1_400)]).when(fail(1_500)).then({
      state: 'open',
      context: { trips: 2, openDurationMs: 2_000, deadline: { name: 'openTimeout', at: 3_500 } },
    });
    spec.given([...toHalfOpen, probe(1_400), ok(1_500, 9_000), timer(3_500), probe(3_600)]).when(fail(3_700)).then({
      state: 'open',
      context: { trips: 3, openDurationMs: 3_000 },
    });
  });
});

describe('circuit breaker: admission', () => {
  const at = (events: BreakerEvent[]) => replay(circuitBreakerMachine, input, events);

  it('answers call, probe or reject without changing anything', () => {
    expect(admission(at([]), 0)).toBe('call');
    expect(admission(at(threeFailures), 1_299)).toBe('reject');
    expect(admission(at(threeFailures), 1_300)).toBe('probe');
    expect(admission(at([...toHalfOpen, probe(1_400)]), 1_400)).toBe('probe');
    expect(canAttempt(at([...toHalfOpen, probe(1_400), probe(1_401)]), 1_402)).toBe(false);
    expect(canAttempt(at([{ type: ISOLATE, at: 1 }]), 2)).toBe(false);
  });
});

describe('circuit breaker: event names', () => {
  it('maps every input type to one persisted name and back', () => {
    for (const type of Object.values(BREAKER_EVENT)) {
      expect(BREAKER_EVENT_FROM_PERSISTED[BREAKER_PERSISTED_NAME[type]]).toBe(type);
    }
  });
});
