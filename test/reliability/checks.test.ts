/**
 * The reliability suites' checkers must catch what they look for, or a green suite proves nothing: the breaker
 * specification check agrees with the breaker machine on every generated history and flags broken ones; the
 * delivery and turn-end checks flag a lost, duplicated or mismatched message and a turn without (or with two)
 * terminal events.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BREAKER_EVENT, BREAKER_PERSISTED_NAME, circuitBreakerMachine, RUNTIME_EVENT_TYPE, start, step, type BreakerEvent } from '../../machines/index.js';
import type { RecordedEvent } from '../../src/store/index.js';
import type { HistoryEvent } from './support/api.js';
import { checkBreakerStream, type BreakerSpec } from './support/breaker-spec.js';
import { checkDelivery, type SentMessage } from './support/message-ledger.js';
import { checkTurnEnds } from './support/turn-ends.js';

const SPEC: BreakerSpec = { consecutiveFailureThreshold: 3, openDurationMs: 100, maxOpenDurationMs: 400, backoffMultiplier: 2, halfOpenMaxProbes: 2, halfOpenSuccessesToClose: 2 };

const INPUT = { name: 'test', ...SPEC, minimumCalls: 1_000_000, slowCallDurationMs: null };

/** The stored stream the runtime would write for `events`: the accepted ones, each with its states before and after. */
function storedStream(events: readonly BreakerEvent[]): RecordedEvent[] {
  let snapshot = start(circuitBreakerMachine, INPUT).snapshot;
  const stored: RecordedEvent[] = [record(0, RUNTIME_EVENT_TYPE.breakerCreated, INPUT, null, String(snapshot.value), 0)];
  for (const event of events) {
    const next = step(circuitBreakerMachine, snapshot, event);
    if (!next.accepted) continue;
    stored.push(record(stored.length, BREAKER_PERSISTED_NAME[event.type], event, String(snapshot.value), String(next.snapshot.value), event.at));
    snapshot = next.snapshot;
  }
  return stored;
}

/**
 * A history driven by the breaker's state, so that generated runs trip, probe, re-open and close often: each
 * `[choice, gap]` picks an event that suits the current state (with some that do not, which the machine ignores;
 * in half-open also abandoned probes and the probe timeout)
 * and how much later it happens (in open, often right after the open period ends).
 */
function generatedStream(choices: ReadonlyArray<readonly [number, number]>): RecordedEvent[] {
  let snapshot = start(circuitBreakerMachine, INPUT).snapshot;
  let at = 1_000;
  const events: BreakerEvent[] = [];
  for (const [choice, gap] of choices) {
    const deadline = snapshot.context.deadline;
    at = snapshot.value === 'open' && deadline !== null && choice % 2 === 0 ? Math.max(at, deadline.at + (gap % 50)) : at + gap;
    const kind =
      snapshot.value === 'closed' ? (choice < 55 ? 'failure' : 'success')
      : snapshot.value === 'open' ? (choice < 50 ? 'timer' : choice < 80 ? 'probe' : 'failure')
      : choice < 30 ? 'probe' : choice < 55 ? 'success' : choice < 75 ? 'failure' : choice < 88 ? 'abandon' : 'probeTimeout';
    const event: BreakerEvent =
      kind === 'success' ? { type: BREAKER_EVENT.CALL_SUCCEEDED, at, durationMs: 5 }
      : kind === 'failure' ? { type: BREAKER_EVENT.CALL_FAILED, at, durationMs: 5, errorKind: 'x' }
      : kind === 'probe' ? { type: BREAKER_EVENT.PROBE_STARTED, at }
      : kind === 'abandon' ? { type: BREAKER_EVENT.PROBE_ABANDONED, at, reason: 'refused before the call' }
      : kind === 'probeTimeout' ? { type: BREAKER_EVENT.TIMER_ELAPSED, name: 'probeTimeout', at: Math.max(at, deadline?.at ?? at) }
      : { type: BREAKER_EVENT.TIMER_ELAPSED, name: 'openTimeout', at };
    events.push(event);
    const next = step(circuitBreakerMachine, snapshot, event);
    if (next.accepted) snapshot = next.snapshot;
  }
  return storedStream(events);
}

function record(revision: number, type: string, data: object, from: string | null, to: string, at: number): RecordedEvent {
  return { id: `${revision}`, type, data: data as RecordedEvent['data'], metadata: { ...(from === null ? {} : { from }), to, at }, stream: 'breaker-test', revision: BigInt(revision), position: BigInt(revision + 1), recordedAt: new Date(at) };
}

describe('the breaker specification check', () => {
  it('finds no violation in any history the breaker machine produces, and counts its trips and closes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(99), fc.nat(300)), { minLength: 10, maxLength: 150, size: 'max' }), (choices) => {
        const stream = generatedStream(choices);
        const history = checkBreakerStream(stream, SPEC);
        expect(history.violations).toEqual([]);
        const moves = stream.map((event) => `${String(event.metadata['from'])}>${String(event.metadata['to'])}`);
        expect(history.trips).toBe(moves.filter((move) => move === 'closed>open').length);
        expect(history.reopens).toBe(moves.filter((move) => move === 'halfOpen>open').length);
        expect(history.closes).toBe(moves.filter((move) => move === 'halfOpen>closed').length);
      }),
      { numRuns: 150 },
    );
  });

  it('flags a trip before the threshold, a half-open before the open period ends, too many probes and a broken chain', () => {
    const failure = (at: number) => ({ type: BREAKER_EVENT.CALL_FAILED, at, durationMs: 1, errorKind: 'x' });
    const valid = storedStream([failure(1), failure(2), failure(3), { type: BREAKER_EVENT.PROBE_STARTED, at: 200 }]);
    expect(checkBreakerStream(valid, SPEC).violations).toEqual([]);

    const early = valid.filter((event) => event.revision !== 1n);
    expect(checkBreakerStream(early, SPEC).violations.join('\n')).toMatch(/after only 2 failures in a row/);

    const soon = valid.map((event) => (event.type === BREAKER_PERSISTED_NAME.PROBE_STARTED ? record(4, event.type, {}, 'open', 'halfOpen', 50) : event));
    expect(checkBreakerStream(soon, SPEC).violations.join('\n')).toMatch(/before the open period ends/);

    const probes = [...valid, record(5, BREAKER_PERSISTED_NAME.PROBE_STARTED, {}, 'halfOpen', 'halfOpen', 201), record(6, BREAKER_PERSISTED_NAME.PROBE_STARTED, {}, 'halfOpen', 'halfOpen', 202)];
    expect(checkBreakerStream(probes, SPEC).violations.join('\n')).toMatch(/3 probes in flight \(max 2\)/);

    const gap = [...valid, record(5, BREAKER_PERSISTED_NAME.CALL_SUCCEEDED, {}, 'closed', 'closed', 300)];
    expect(checkBreakerStream(gap, SPEC).violations.join('\n')).toMatch(/starts from closed but the previous event left halfOpen/);
  });
});

const event = (revision: number, type: string, data: Record<string, unknown>): HistoryEvent => ({ revision, type, data, at: revision });

describe('the turn-end check', () => {
  it('accepts one TurnCompleted or TurnAborted per accepted turn and flags a missing, doubled or stray one', () => {
    const good = [event(0, 'MessageAccepted', { turnId: 'a' }), event(1, 'TurnCompleted', { turnId: 'a' }), event(2, 'MessageAccepted', { turnId: 'b' }), event(3, 'TurnAborted', { turnId: 'b', reason: 'crash' })];
    expect(checkTurnEnds(new Map([['s', good]]))).toEqual([]);
    const bad = [event(0, 'MessageAccepted', { turnId: 'a' }), event(1, 'MessageAccepted', { turnId: 'b' }), event(2, 'TurnCompleted', { turnId: 'b' }), event(3, 'TurnAborted', { turnId: 'b' }), event(4, 'TurnCompleted', { turnId: 'c' })];
    expect(checkTurnEnds(new Map([['s', bad]])).map((v) => `${v.turnId}: ${v.problem}`)).toEqual([
      'a: no terminal event',
      'b: more than one terminal event',
      'c: terminal event for an unknown turn',
    ]);
  });
});

describe('the delivery check', () => {
  const sent = (clientMsgId: string, ackTurnIds: string[]): SentMessage => ({ sessionId: 's', userId: 'u', clientMsgId, text: '', attempts: 1, ackTurnIds, refusals: [] });
  it('flags an acknowledged message that is missing, one stored twice, and one stored under another turn id', () => {
    const history = [
      event(0, 'MessageAccepted', { turnId: 't1', clientMsgId: 'm1' }),
      event(1, 'MessageAccepted', { turnId: 't2', clientMsgId: 'm2' }),
      event(2, 'MessageAccepted', { turnId: 't2', clientMsgId: 'm2' }),
      event(3, 'MessageAccepted', { turnId: 'other', clientMsgId: 'm3' }),
    ];
    const report = checkDelivery([sent('m1', ['t1']), sent('m2', []), sent('m3', ['t3']), sent('m4', ['t4']), sent('m5', [])], new Map([['s', history]]));
    expect(report.acked).toBe(3);
    expect(report.lost.map((v) => v.clientMsgId)).toEqual(['m4']);
    expect(report.duplicated.map((v) => v.clientMsgId)).toEqual(['m2']);
    expect(report.mismatched.map((v) => v.clientMsgId)).toEqual(['m3']);
  });
});
