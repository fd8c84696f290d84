import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { POOL_PERSISTED_NAME as P } from '../machines/pool.events.js';
import { SESSION_PERSISTED_NAME as S } from '../machines/session.events.js';
import { storeHistory } from './testing/arbitraries.js';
import { foldAll } from './event.js';
import { idMapEntries } from './id-map.js';
import { initialPoolStatus, POOL_STATUS_SCALING_KEPT, poolStatusProjection } from './pool-status.js';
import { assertResumableFold, poolStream, sessionStream, specFor } from './testing/given-when-then.js';

const T0 = 1_700_000_000_000;
const projection = poolStatusProjection();

describe('pool-status: given/when/then', () => {
  it('PoolCreated sets the bounds, thresholds and target from the pool input', () => {
    specFor(projection)
      .given()
      .when(poolStream().created(T0, { minSize: 2, maxSize: 6, autoScaling: true, scaleUpThreshold: 0.9 }))
      .then((after) => {
        expect(after).toMatchObject({ created: true, poolState: 'running', target: 2, minSize: 2, maxSize: 6, autoScaling: true, thresholds: { scaleUp: 0.9, scaleDown: 0.3 } });
      });
  });

  it('a scale-up records the decision with the target before it', () => {
    const pool = poolStream();
    specFor(projection)
      .given([pool.created(T0, { minSize: 1, maxSize: 8 })])
      .when(pool.next(P.SCALE_UP, { type: 'SCALE_UP', at: T0 + 5, to: 3, utilisation: 0.9, reason: 'utilisation' }))
      .then((after) => {
        expect(after.target).toBe(3);
        expect(after.scaling).toEqual([{ at: T0 + 5, direction: 'up', from: 1, to: 3, utilisation: 0.9, reason: 'utilisation' }]);
      });
  });

  it('keeps only the last 50 scaling decisions', () => {
    const pool = poolStream();
    const history = [pool.created(T0, { maxSize: 100 })];
    for (let i = 1; i <= 60; i += 1) history.push(pool.next(P.SCALE_UP, { at: T0 + i, to: i, utilisation: 1, reason: 'demand' }));
    const state = foldAll(projection, history);
    expect(state.scaling).toHaveLength(POOL_STATUS_SCALING_KEPT);
    expect(state.scaling.at(-1)).toMatchObject({ from: 59, to: 60 });
  });

  it('evictions count by reason, a leak is remembered, a reconfiguration replaces the options and restarts the target at minSize', () => {
    const pool = poolStream();
    const history = [
      pool.created(T0, { minSize: 0, maxSize: 8 }),
      pool.next(P.SCALE_UP, { at: T0 + 1, to: 6, utilisation: 1, reason: 'demand' }),
      pool.next(P.SESSION_EVICTED, { at: T0 + 2, sessionId: 's1', reason: 'idle' }),
      pool.next(P.LEAK_DETECTED, { at: T0 + 3, resource: 'process', expected: 1, actual: 2, repaired: true, detail: 'pid 7' }),
    ];
    specFor(projection)
      .given(history)
      .when(pool.next(P.RECONFIGURED, { at: T0 + 4, options: { maxSize: 4 } }))
      .then((after) => {
        expect(after).toMatchObject({ target: 0, minSize: 0, maxSize: 4, evictions: { lru: 0, memory: 0, max_lifetime: 0, idle: 1 } });
        expect(after.lastLeak).toEqual({ at: T0 + 3, resource: 'process', expected: 1, actual: 2, repaired: true, detail: 'pid 7' });
      });
  });

  it('counts live sessions by state and forgets terminated ones', () => {
    const a = sessionStream('a');
    const b = sessionStream('b');
    const history = [a.provisioned(T0), b.provisioned(T0), a.next(S.AGENT_SPAWNED, { at: T0 + 1, pid: 1 }, 'provisioning', 'starting')];
    const given = specFor(projection).given(history);
    given.when(b.next(S.AGENT_SPAWNED, { at: T0 + 2, pid: 2 }, 'provisioning', 'starting')).then((after) => expect(after.sessionsByState).toEqual({ starting: 2 }));
    given.when(b.next(S.TERMINATE, { at: T0 + 2, reason: 'x' }, 'provisioning', 'terminated')).then((after) => {
      expect(after.sessionsByState).toEqual({ starting: 1 });
      expect(idMapEntries(after.sessionStates)).toEqual([['a', 'starting']]);
    });
  });

  it('another pool stream is not this pool; malformed pool data is skipped', () => {
    const other = poolStream('other');
    const pool = poolStream();
    const given = specFor(projection).given([pool.created(T0)]);
    given.when(other.created(T0)).then((after, before) => expect(after).toBe(before));
    given.when(pool.next(P.SCALE_UP, { at: T0 + 1, to: 'many' })).then((after) => expect(after.skipped).toBe(1));
  });
});

describe('pool-status: properties', () => {
  it('one pass equals two halves with a JSON round trip between', () => {
    assertResumableFold(projection, storeHistory());
  });

  it('session counts are positive and add up to the live sessions; evictions never negative; scaling bounded', () => {
    fc.assert(
      fc.property(storeHistory(), (events) => {
        const state = foldAll(projection, events);
        const counts = Object.values(state.sessionsByState);
        expect(counts.every((n) => n > 0)).toBe(true);
        expect(counts.reduce((sum, n) => sum + n, 0)).toBe(state.sessionStates.size);
        expect(Object.values(state.evictions).every((n) => n >= 0)).toBe(true);
        expect(state.scaling.length).toBeLessThanOrEqual(POOL_STATUS_SCALING_KEPT);
        expect(state.skipped).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('never throws on arbitrary data in the pool stream', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(P)), fc.anything(), fc.anything(), (type, data, to) => {
        expect(() => projection.apply(initialPoolStatus(), { stream: 'pool-main', type, revision: 1n, data, metadata: { to } })).not.toThrow();
      }),
    );
  });
});
