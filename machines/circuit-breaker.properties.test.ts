import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admission } from './circuit-breaker.admission.js';
import { BREAKER_EVENT, type BreakerEvent } from './circuit-breaker.events.js';
import { circuitBreakerMachine } from './circuit-breaker.machine.js';
import { completeBreakerOptions, sameBreakerOptions, type BreakerInput, type BreakerOptions } from './circuit-breaker.options.js';
import { BREAKER_WINDOW_BUCKETS } from './circuit-breaker.window.js';
import { persist, replay, restore, start, step } from './replay.js';
import { replayMismatch } from './testing/given-when-then.js';

const { CALL_SUCCEEDED, CALL_FAILED, PROBE_STARTED, PROBE_ABANDONED, TIMER_ELAPSED, RESET, ISOLATE, RECONFIGURED } = BREAKER_EVENT;

/**
 * An independent reference breaker: keeps every call since the last close in a plain list and
 * computes the window by filtering it, instead of buckets. Semantics as documented on the machine.
 */
class ReferenceBreaker {
  state: 'closed' | 'open' | 'halfOpen' | 'isolated' = 'closed';
  calls: { at: number; failed: boolean }[] = [];
  consecutive = 0;
  trips = 0;
  sinceClose = 0;
  duration: number;
  deadlineAt: number | null = null;
  deadlineName: 'openTimeout' | 'probeTimeout' | null = null;
  probes = 0;
  successes = 0;

  constructor(readonly o: BreakerOptions) {
    this.duration = o.openDurationMs;
  }

  private close(): void {
    Object.assign(this, { state: 'closed', calls: [], consecutive: 0, sinceClose: 0, deadlineAt: null, deadlineName: null, probes: 0, successes: 0 });
    this.duration = this.o.openDurationMs;
  }

  private open(at: number): void {
    this.duration = Math.min(this.o.maxOpenDurationMs, this.o.openDurationMs * this.o.backoffMultiplier ** this.sinceClose);
    Object.assign(this, { state: 'open', trips: this.trips + 1, sinceClose: this.sinceClose + 1, calls: [], consecutive: 0 });
    Object.assign(this, { deadlineAt: at + this.duration, deadlineName: 'openTimeout', probes: 0, successes: 0 });
  }

  /** One more probe in flight; the first of a batch starts the probe timeout. */
  private admit(at: number): void {
    if (this.probes === 0) {
      const timeout = this.o.probeTimeoutMs;
      Object.assign(this, timeout === null ? { deadlineAt: null, deadlineName: null } : { deadlineAt: at + timeout, deadlineName: 'probeTimeout' });
    }
    this.probes += 1;
  }

  /** One probe fewer in flight (reported or abandoned); the timeout goes with the last one. */
  private release(): void {
    this.probes -= 1;
    if (this.probes === 0) Object.assign(this, { deadlineAt: null, deadlineName: null });
  }

  private tripped(at: number): boolean {
    if (this.consecutive >= this.o.consecutiveFailureThreshold) return true;
    const width = Math.max(1, Math.ceil(this.o.windowMs / BREAKER_WINDOW_BUCKETS));
    const live = this.calls.filter((c) => Math.floor(c.at / width) > Math.floor(at / width) - BREAKER_WINDOW_BUCKETS);
    const failures = live.filter((c) => c.failed).length;
    return live.length > 0 && live.length >= this.o.minimumCalls && failures / live.length >= this.o.failureRateThreshold;
  }

  apply(e: BreakerEvent): void {
    if (e.type === RESET) return this.close();
    if (e.type === ISOLATE && this.state !== 'isolated') {
      Object.assign(this, { state: 'isolated', deadlineAt: null, deadlineName: null, probes: 0, successes: 0, calls: [], consecutive: 0 });
      return;
    }
    const call = e.type === CALL_SUCCEEDED || e.type === CALL_FAILED;
    const failed =
      e.type === CALL_FAILED ||
      (e.type === CALL_SUCCEEDED && this.o.slowCallDurationMs !== null && e.durationMs >= this.o.slowCallDurationMs);
    if (this.state === 'closed' && call) {
      this.calls.push({ at: e.at, failed });
      this.consecutive = failed ? this.consecutive + 1 : 0;
      if (this.tripped(e.at)) this.open(e.at);
    } else if (this.state === 'open' && this.deadlineAt !== null && e.at >= this.deadlineAt) {
      if (e.type === TIMER_ELAPSED && e.name === 'openTimeout') Object.assign(this, { state: 'halfOpen', deadlineAt: null, deadlineName: null });
      if (e.type === PROBE_STARTED && this.o.halfOpenMaxProbes > 0) {
        Object.assign(this, { state: 'halfOpen', deadlineAt: null, deadlineName: null });
        this.admit(e.at);
      }
    } else if (this.state === 'halfOpen') {
      if (e.type === PROBE_STARTED && this.probes < this.o.halfOpenMaxProbes) this.admit(e.at);
      if (e.type === PROBE_ABANDONED && this.probes > 0) this.release();
      const timedOut = e.type === TIMER_ELAPSED && e.name === 'probeTimeout' && this.deadlineName === 'probeTimeout' && this.deadlineAt !== null && e.at >= this.deadlineAt;
      if (timedOut && this.probes > 0) return this.open(e.at);
      if (!call || this.probes === 0) return;
      if (failed) return this.open(e.at);
      if (this.successes + 1 >= this.o.halfOpenSuccessesToClose) return this.close();
      this.release();
      this.successes += 1;
    }
  }
}

type Command =
  | { kind: 'ok' | 'fail'; dt: number; durationMs: number }
  | { kind: 'probe' | 'abandon' | 'reset' | 'isolate'; dt: number }
  | { kind: 'timer'; dt: number; jump: boolean };

const optionsArb: fc.Arbitrary<BreakerInput> = fc.record({
  name: fc.constant('prop'),
  consecutiveFailureThreshold: fc.integer({ min: 1, max: 6 }),
  failureRateThreshold: fc.constantFrom(0.3, 0.5, 0.7, 1),
  minimumCalls: fc.integer({ min: 1, max: 8 }),
  windowMs: fc.integer({ min: 50, max: 5_000 }),
  slowCallDurationMs: fc.option(fc.integer({ min: 200, max: 2_000 }), { nil: null }),
  openDurationMs: fc.integer({ min: 100, max: 2_000 }),
  maxOpenDurationMs: fc.integer({ min: 2_000, max: 10_000 }),
  backoffMultiplier: fc.constantFrom(1, 1.5, 2, 3),
  halfOpenMaxProbes: fc.integer({ min: 1, max: 3 }),
  halfOpenSuccessesToClose: fc.integer({ min: 1, max: 3 }),
  probeTimeoutMs: fc.option(fc.integer({ min: 100, max: 3_000 }), { nil: null, freq: 5 }),
});

const dt = fc.integer({ min: 0, max: 1_500 });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('fail' as const), dt, durationMs: fc.integer({ min: 0, max: 2_500 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ok' as const), dt, durationMs: fc.integer({ min: 0, max: 2_500 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('probe' as const), dt }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abandon' as const), dt }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('timer' as const), dt, jump: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('reset' as const, 'isolate' as const), dt }) },
);

/** Turns commands into events with a monotonic clock; a timer fires the reference's current deadline (a jumping one on time). */
function materialise(options: BreakerInput, commands: Command[]): BreakerEvent[] {
  const reference = new ReferenceBreaker(start(circuitBreakerMachine, options).snapshot.context.options);
  let clock = 0;
  return commands.map((command) => {
    clock += command.dt;
    if (command.kind === 'timer' && command.jump && reference.deadlineAt !== null) clock = Math.max(clock, reference.deadlineAt);
    const at = clock;
    const event: BreakerEvent =
      command.kind === 'ok'
        ? { type: CALL_SUCCEEDED, at, durationMs: command.durationMs }
        : command.kind === 'fail'
          ? { type: CALL_FAILED, at, durationMs: command.durationMs }
          : command.kind === 'probe'
            ? { type: PROBE_STARTED, at }
            : command.kind === 'abandon'
              ? { type: PROBE_ABANDONED, at, reason: 'test' }
              : command.kind === 'timer'
                ? { type: TIMER_ELAPSED, name: reference.deadlineName ?? 'openTimeout', at }
                : { type: command.kind === 'reset' ? RESET : ISOLATE, at };
    reference.apply(event);
    return event;
  });
}

const historyArb = optionsArb.chain((options) =>
  fc.array(commandArb, { maxLength: 60 }).map((commands) => ({ options, events: materialise(options, commands) })),
);

const RUNS = { numRuns: 300 };

describe('circuit breaker properties', () => {
  it('agrees with the reference model after every event (opens exactly when the thresholds say)', () => {
    fc.assert(
      fc.property(historyArb, ({ options, events }) => {
        let snapshot = start(circuitBreakerMachine, options).snapshot;
        const reference = new ReferenceBreaker(snapshot.context.options);
        for (const event of events) {
          snapshot = step(circuitBreakerMachine, snapshot, event).snapshot;
          reference.apply(event);
          const { context } = snapshot;
          expect({
            state: snapshot.value,
            trips: context.trips,
            consecutiveTrips: context.consecutiveTrips,
            deadlineAt: context.deadline?.at ?? null,
            deadlineName: context.deadline?.name ?? null,
            probes: context.probesInFlight,
            successes: context.probeSuccesses,
            consecutive: context.consecutiveFailures,
          }).toEqual({
            state: reference.state,
            trips: reference.trips,
            consecutiveTrips: reference.sinceClose,
            deadlineAt: reference.deadlineAt,
            deadlineName: reference.deadlineName,
            probes: reference.probes,
            successes: reference.successes,
            consecutive: reference.consecutive,
          });
        }
      }),
      RUNS,
    );
  });

  it('never admits more than halfOpenMaxProbes probes, and admission() predicts acceptance', () => {
    fc.assert(
      fc.property(historyArb, ({ options, events }) => {
        let snapshot = start(circuitBreakerMachine, options).snapshot;
        const max = snapshot.context.options.halfOpenMaxProbes;
        for (const event of events) {
          const before = snapshot;
          const next = step(circuitBreakerMachine, before, event);
          snapshot = next.snapshot;
          expect(snapshot.context.probesInFlight).toBeLessThanOrEqual(max);
          if (event.type === PROBE_STARTED && before.value !== 'closed') {
            expect(next.accepted).toBe(admission(before, event.at) === 'probe');
          }
        }
      }),
      RUNS,
    );
  });

  it('grows open periods by the multiplier until the cap, and resets them on close', () => {
    fc.assert(
      fc.property(historyArb, ({ options, events }) => {
        let snapshot = start(circuitBreakerMachine, options).snapshot;
        const o = snapshot.context.options;
        let previous: number | null = null;
        for (const event of events) {
          const trips = snapshot.context.trips;
          snapshot = step(circuitBreakerMachine, snapshot, event).snapshot;
          if (snapshot.value === 'closed') previous = null;
          if (snapshot.context.trips === trips) continue;
          const duration = snapshot.context.openDurationMs;
          expect(duration).toBeLessThanOrEqual(o.maxOpenDurationMs);
          expect(duration).toBe(previous === null ? Math.min(o.openDurationMs, o.maxOpenDurationMs) : Math.min(o.maxOpenDurationMs, previous * o.backoffMultiplier));
          previous = duration;
        }
      }),
      RUNS,
    );
  });

  it('always closes after enough successful probes once the open deadline elapsed', () => {
    fc.assert(
      fc.property(historyArb, ({ options, events }) => {
        let snapshot = start(circuitBreakerMachine, options).snapshot;
        for (const event of events) {
          snapshot = step(circuitBreakerMachine, snapshot, event).snapshot;
          const deadline = snapshot.context.deadline;
          if (snapshot.value !== 'open' || deadline === null) continue;
          const recovery: BreakerEvent[] = [{ type: TIMER_ELAPSED, name: deadline.name, at: deadline.at }];
          for (let i = 0; i < snapshot.context.options.halfOpenSuccessesToClose; i += 1) {
            recovery.push({ type: PROBE_STARTED, at: deadline.at + i }, { type: CALL_SUCCEEDED, at: deadline.at + i, durationMs: 0 });
          }
          expect(replay(circuitBreakerMachine, options, recovery, snapshot).value).toBe('closed');
        }
      }),
      RUNS,
    );
  });

  it('never waits in halfOpen without a way out: a free probe slot, or a probe timeout (issue 11, defect 4)', () => {
    fc.assert(
      fc.property(historyArb, ({ options, events }) => {
        let snapshot = start(circuitBreakerMachine, options).snapshot;
        for (const event of events) {
          snapshot = step(circuitBreakerMachine, snapshot, event).snapshot;
          if (snapshot.value !== 'halfOpen') continue;
          const { context } = snapshot;
          if (context.probesInFlight === 0) {
            expect(admission(snapshot, event.at)).toBe('probe');
            expect(context.deadline).toBeNull();
          } else if (context.options.probeTimeoutMs !== null) {
            expect(context.deadline).toMatchObject({ name: 'probeTimeout' });
            expect(context.deadline!.at).toBeLessThanOrEqual(event.at + context.options.probeTimeoutMs);
          }
        }
      }),
      RUNS,
    );
  });

  it('every halfOpen leaves it on probe outcomes: a failed probe re-opens it, enough successes close it, silence times out', () => {
    fc.assert(
      fc.property(historyArb, fc.boolean(), ({ options, events }, succeed) => {
        let snapshot = start(circuitBreakerMachine, options).snapshot;
        for (const event of events) {
          snapshot = step(circuitBreakerMachine, snapshot, event).snapshot;
          if (snapshot.value !== 'halfOpen') continue;
          const { context } = snapshot;
          const at = event.at;
          // Outcomes for the probes in flight, then as many fresh probes as it takes; each probe admitted first.
          const outcomes: BreakerEvent[] = [];
          const outcome = (t: number): BreakerEvent => (succeed ? { type: CALL_SUCCEEDED, at: t, durationMs: 0 } : { type: CALL_FAILED, at: t, durationMs: 0 });
          for (let i = 0; i < context.probesInFlight; i += 1) outcomes.push(outcome(at));
          for (let i = 0; i < context.options.halfOpenSuccessesToClose; i += 1) outcomes.push({ type: PROBE_STARTED, at }, outcome(at));
          let after = snapshot;
          for (const next of outcomes) {
            if (after.value !== 'halfOpen') break;
            const stepped = step(circuitBreakerMachine, after, next);
            if (next.type === PROBE_STARTED) expect(stepped.accepted).toBe(true);
            after = stepped.snapshot;
          }
          expect(after.value).toBe(succeed ? 'closed' : 'open');
          // Probes that never report: the timeout re-opens it.
          const deadline = context.deadline;
          if (context.probesInFlight > 0 && deadline !== null) {
            expect(step(circuitBreakerMachine, snapshot, { type: TIMER_ELAPSED, name: deadline.name, at: deadline.at }).snapshot.value).toBe('open');
          }
        }
      }),
      RUNS,
    );
  });

  it('a breaker restored in halfOpen with probes in flight admits a probe once the lost probes are abandoned', () => {
    fc.assert(
      fc.property(historyArb, ({ options, events }) => {
        let snapshot = start(circuitBreakerMachine, options).snapshot;
        for (const event of events) {
          snapshot = step(circuitBreakerMachine, snapshot, event).snapshot;
          if (snapshot.value !== 'halfOpen' || snapshot.context.probesInFlight === 0) continue;
          // The previous run died with its probes; so did the deadline of a breaker stored before probe timeouts.
          const stored = JSON.parse(JSON.stringify(persist(circuitBreakerMachine, snapshot))) as { context: { deadline: unknown } };
          for (const legacy of [false, true]) {
            if (legacy) stored.context.deadline = null;
            let restored = restore(circuitBreakerMachine, stored);
            expect(admission(restored, event.at)).toBe(restored.context.probesInFlight < restored.context.options.halfOpenMaxProbes ? 'probe' : 'reject');
            for (let i = restored.context.probesInFlight; i > 0; i -= 1) {
              const abandoned = step(circuitBreakerMachine, restored, { type: PROBE_ABANDONED, at: event.at, reason: 'restart' });
              expect(abandoned.accepted).toBe(true);
              restored = abandoned.snapshot;
            }
            expect(restored.value).toBe('halfOpen');
            expect(restored.context.deadline).toBeNull();
            expect(admission(restored, event.at)).toBe('probe');
          }
        }
      }),
      RUNS,
    );
  });

  it('a reconfiguration at any point replaces the options wholly and keeps the state; the same options again are ignored', () => {
    fc.assert(
      fc.property(historyArb, optionsArb, fc.nat(), ({ options, events }, next, cut) => {
        let snapshot = start(circuitBreakerMachine, options).snapshot;
        for (const event of events.slice(0, cut % (events.length + 1))) snapshot = step(circuitBreakerMachine, snapshot, event).snapshot;
        const at = snapshot.context.openedAt ?? 0;
        const { name: _name, ...wanted } = next;
        const reconfigured = step(circuitBreakerMachine, snapshot, { type: RECONFIGURED, at, options: wanted });
        expect(reconfigured.snapshot.context.options).toEqual(completeBreakerOptions(wanted));
        expect(reconfigured.snapshot.value).toBe(snapshot.value);
        const { options: _before, ...rest } = snapshot.context;
        const { options: _after, ...restAfter } = reconfigured.snapshot.context;
        expect(restAfter).toEqual(rest);
        expect(reconfigured.accepted).toBe(!sameBreakerOptions(snapshot.context.options, wanted));
        expect(step(circuitBreakerMachine, reconfigured.snapshot, { type: RECONFIGURED, at, options: wanted }).accepted).toBe(false);
      }),
      RUNS,
    );
  });

  it('replay from zero and persist/restore at any point reproduce the live actor', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), ({ options, events }, cut) => {
        expect(replayMismatch(circuitBreakerMachine, options, events, cut % (events.length + 1))).toBeNull();
      }),
      { numRuns: 200 },
    );
  });
});
