import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BREAKER_PERSISTED_NAME as B } from '../machines/circuit-breaker.events.js';
import { SESSION_OUTCOME_NAME, SESSION_PERSISTED_NAME as S } from '../machines/session.events.js';
import { errorRecoveryProjection } from './error-recovery.js';
import { countEvent, type EventCountSink } from './event-counts.js';
import { foldAll, type ProjectedEvent } from './event.js';
import { storeHistory } from './testing/arbitraries.js';
import { breakerStream, sessionStream } from './testing/given-when-then.js';

const T0 = 1_700_000_000_000;

/** Every count `events` make, as `name:labels` strings in order. */
function countsOf(events: readonly ProjectedEvent[]): string[] {
  const seen: string[] = [];
  const sink: EventCountSink = {
    fault: (kind) => seen.push(`fault:${kind}`),
    recovery: (outcome) => seen.push(`recovery:${outcome}`),
    turn: (outcome) => seen.push(`turn:${outcome}`),
    apiRetry: () => seen.push('apiRetry'),
    breakerTransition: (breaker, from, to) => seen.push(`transition:${breaker}:${from}>${to}`),
    breakerProbe: (breaker, outcome) => seen.push(`probe:${breaker}:${outcome}`),
  };
  for (const event of events) countEvent(event, sink);
  return seen;
}

describe('event counts', () => {
  it('a crash starts a recovery; a recovery that ends straight in busy counts as succeeded', () => {
    const s = sessionStream('s1');
    expect(
      countsOf([
        s.provisioned(T0),
        s.next(S.AGENT_FAULT, { at: T0 + 1, fault: 'crash' }, 'busy', 'recovering'),
        s.next(SESSION_OUTCOME_NAME.TURN_ABORTED, { at: T0 + 1, turnId: 't1', reason: 'agent-fault' }, 'busy', 'recovering'),
        s.next(S.MESSAGE_ACCEPTED, { at: T0 + 2, turnId: 't2', text: 'hi', userId: 'ada' }, 'recovering', 'recovering'),
        s.next(S.RECOVERY_SUCCEEDED, { at: T0 + 3 }, 'recovering', 'busy'),
        s.next(S.TURN_COMPLETED, { at: T0 + 4, turnId: 't2', isError: false }, 'busy', 'ready'),
      ]),
    ).toEqual(['fault:crash', 'recovery:started', 'turn:aborted', 'recovery:succeeded', 'turn:completed']);
  });

  it('a recovery fails when the session gives up (enters failed); a failed attempt that starts another is the same recovery', () => {
    const s = sessionStream('s1');
    expect(
      countsOf([
        s.next(S.TIMER_ELAPSED, { at: T0 + 1, name: 'stallTimeout' }, 'busy', 'recovering'),
        s.next(S.RECOVERY_FAILED, { at: T0 + 2, detail: 'no' }, 'recovering', 'recovering'),
        s.next(S.TIMER_ELAPSED, { at: T0 + 3, name: 'recoveryTimeout' }, 'recovering', 'failed'),
        s.next(S.TURN_COMPLETED, { at: T0 + 4, turnId: 't2', isError: true }, 'busy', 'ready'),
        s.next(S.AGENT_FAULT, { at: T0 + 5, fault: 'exit' }, 'ready', 'failed'),
      ]),
    ).toEqual(['fault:stall', 'recovery:started', 'recovery:failed', 'turn:error', 'fault:exit', 'recovery:failed']);
  });

  it('an api_retry output line is an agent API retry; other output counts for nothing', () => {
    const s = sessionStream('s1');
    expect(
      countsOf([
        s.next(S.AGENT_OUTPUT, { at: T0 + 1, turnId: 't1', chunkType: 'api_retry', content: {} }, 'busy', 'busy'),
        s.next(S.AGENT_OUTPUT, { at: T0 + 2, turnId: 't1', chunkType: 'assistant', content: { text: 'hi' } }, 'busy', 'busy'),
      ]),
    ).toEqual(['apiRetry']);
  });

  it('breaker transitions and probes by breaker', () => {
    const b = breakerStream('agent-spawn');
    expect(
      countsOf([
        b.created(T0),
        b.next(B.CALL_FAILED, { at: T0 + 1, durationMs: 1 }, 'closed', 'open'),
        b.next(B.PROBE_STARTED, { at: T0 + 2 }, 'open', 'halfOpen'),
        b.next(B.CALL_FAILED, { at: T0 + 3, durationMs: 1 }, 'halfOpen', 'open'),
        b.next(B.PROBE_STARTED, { at: T0 + 4 }, 'open', 'halfOpen'),
        b.next(B.CALL_SUCCEEDED, { at: T0 + 5, durationMs: 1 }, 'halfOpen', 'closed'),
      ]),
    ).toEqual([
      'transition:agent-spawn:closed>open',
      'transition:agent-spawn:open>halfOpen',
      'probe:agent-spawn:started',
      'transition:agent-spawn:halfOpen>open',
      'probe:agent-spawn:failed',
      'transition:agent-spawn:open>halfOpen',
      'probe:agent-spawn:started',
      'transition:agent-spawn:halfOpen>closed',
      'probe:agent-spawn:succeeded',
    ]);
  });

  it('counts faults by kind exactly as the error-recovery projection does, and never throws', () => {
    fc.assert(
      fc.property(storeHistory(), (history) => {
        const faults = countsOf(history).filter((count) => count.startsWith('fault:'));
        const byKind = foldAll(errorRecoveryProjection, history).faultsByKind;
        for (const [kind, total] of Object.entries(byKind)) expect(faults.filter((count) => count === `fault:${kind}`).length).toBe(total);
      }),
    );
  });
});
