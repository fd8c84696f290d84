import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BREAKER_PERSISTED_NAME as B } from '../machines/circuit-breaker.events.js';
import { POOL_PERSISTED_NAME as P } from '../machines/pool.events.js';
import { SESSION_PERSISTED_NAME as S } from '../machines/session.events.js';
import { storeHistory } from './testing/arbitraries.js';
import { errorRecoveryProjection as projection, initialErrorRecovery, successRate } from './error-recovery.js';
import { foldAll } from './event.js';
import { assertResumableFold, breakerStream, poolStream, sessionStream, specFor } from './testing/given-when-then.js';

const T0 = 1_700_000_000_000;

describe('error-recovery: given/when/then', () => {
  it('recovery reports count by outcome and set the success rate', () => {
    const pool = poolStream();
    const history = [
      pool.created(T0),
      pool.next(P.RECOVERY_REPORTED, { at: T0 + 1, sessionId: 's1', outcome: 'started', detail: null }),
      pool.next(P.RECOVERY_REPORTED, { at: T0 + 2, sessionId: 's1', outcome: 'succeeded', detail: null }),
      pool.next(P.RECOVERY_REPORTED, { at: T0 + 3, sessionId: 's2', outcome: 'started', detail: null }),
    ];
    specFor(projection)
      .given(history)
      .when(pool.next(P.RECOVERY_REPORTED, { at: T0 + 4, sessionId: 's2', outcome: 'failed', detail: 'gave up' }))
      .then((after, before) => {
        expect(before.successRate).toBe(1);
        expect(after.recoveries).toEqual({ started: 2, succeeded: 1, failed: 1 });
        expect(after.successRate).toBe(0.5);
      });
  });

  it('faults count by kind: AgentFaulted by its fault, fault deadlines only in the state where they are faults', () => {
    const s = sessionStream('s1');
    const history = [s.provisioned(T0), s.next(S.AGENT_FAULT, { at: T0 + 1, fault: 'garbage' }, 'ready', 'recovering')];
    const given = specFor(projection).given(history);
    given.when(s.next(S.TIMER_ELAPSED, { at: T0 + 2, name: 'startTimeout' }, 'resuming', 'recovering')).then((after) => {
      expect(after.faultsByKind).toEqual({ crash: 0, hang: 1, stall: 0, garbage: 1, exit: 0 });
    });
    given.when(s.next(S.TIMER_ELAPSED, { at: T0 + 2, name: 'interruptTimeout' }, 'interrupting', 'recovering')).then((after) => expect(after.faultsByKind.hang).toBe(1));
    given.when(s.next(S.TIMER_ELAPSED, { at: T0 + 2, name: 'stallTimeout' }, 'busy', 'failed')).then((after) => expect(after.faultsByKind.stall).toBe(1));
    given.when(s.next(S.TIMER_ELAPSED, { at: T0 + 2, name: 'stallTimeout' }, 'idle', 'idle')).then((after, before) => expect(after).toBe(before));
    given.when(s.next(S.TIMER_ELAPSED, { at: T0 + 2, name: 'idleTimeout' }, 'idle', 'hibernated')).then((after, before) => expect(after).toBe(before));
    given.when(s.next(S.AGENT_FAULT, { at: T0 + 2, fault: 'meltdown' }, 'ready', 'recovering')).then((after) => expect(after.skipped).toBe(1));
  });

  it('a breaker shows its state, counts calls and counts each move into open once', () => {
    const breaker = breakerStream('agent-spawn');
    const history = [
      breaker.created(T0),
      breaker.next(B.CALL_SUCCEEDED, { at: T0 + 1, durationMs: 5 }, 'closed', 'closed'),
      breaker.next(B.CALL_FAILED, { at: T0 + 2, durationMs: 5 }, 'closed', 'open'),
      breaker.next(B.TIMER_ELAPSED, { at: T0 + 3, name: 'openTimeout' }, 'open', 'halfOpen'),
      breaker.next(B.PROBE_STARTED, { at: T0 + 4 }, 'halfOpen', 'halfOpen'),
    ];
    specFor(projection)
      .given(history)
      .when(breaker.next(B.CALL_FAILED, { at: T0 + 5, durationMs: 5 }, 'halfOpen', 'open'))
      .then((after) => {
        expect(after.breakers['agent-spawn']).toEqual({ state: 'open', opens: 2, lastChangeAt: T0 + 5, failures: 2, successes: 1 });
      });
  });

  it('a breaker event before its BreakerCreated, or a second BreakerCreated, is skipped', () => {
    const breaker = breakerStream('x');
    const created = breaker.created(T0);
    const given = specFor(projection).given();
    given.when(breaker.next(B.CALL_FAILED, { at: T0 + 1, durationMs: 1 }, 'closed', 'closed')).then((after) => expect(after).toMatchObject({ skipped: 1, breakers: {} }));
    specFor(projection).given([created]).when(created).then((after) => expect(after.skipped).toBe(1));
  });
});

describe('error-recovery: properties', () => {
  it('one pass equals two halves with a JSON round trip between', () => {
    assertResumableFold(projection, storeHistory());
  });

  it('the success rate stays within [0, 1] and equals succeeded / finished; counts never negative', () => {
    fc.assert(
      fc.property(storeHistory(), (events) => {
        const state = foldAll(projection, events);
        expect(state.successRate).toBeGreaterThanOrEqual(0);
        expect(state.successRate).toBeLessThanOrEqual(1);
        expect(state.successRate).toBe(successRate(state.recoveries));
        for (const n of [...Object.values(state.recoveries), ...Object.values(state.faultsByKind), state.skipped]) expect(n).toBeGreaterThanOrEqual(0);
        for (const breaker of Object.values(state.breakers)) {
          expect(Math.min(breaker.opens, breaker.failures, breaker.successes)).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('never throws on arbitrary data, and the initial rate is 1', () => {
    expect(initialErrorRecovery().successRate).toBe(1);
    fc.assert(
      fc.property(fc.constantFrom('session-s1', 'breaker-b', 'pool-main'), fc.string(), fc.anything(), fc.anything(), (stream, type, data, metadata) => {
        const meta = typeof metadata === 'object' && metadata !== null ? (metadata as { [key: string]: unknown }) : {};
        expect(() => projection.apply(initialErrorRecovery(), { stream, type, revision: 0n, data, metadata: meta })).not.toThrow();
      }),
    );
  });
});
