import { describe, expect, it } from 'vitest';
import { ev } from '../../machines/testing/session-fixtures.js';
import { checkEvent, decodeEvent } from './codec.js';
import { actorKindOf, BREAKER_ACTOR, POOL_ACTOR, POOL_EFFECT_NAMES, SESSION_ACTOR, SESSION_EFFECT_NAMES } from './kinds.js';

describe('actor kinds and the event codec', () => {
  it('finds the kind by stream prefix, and refuses other streams', () => {
    expect(actorKindOf('session-42')._unsafeUnwrap()).toBe(SESSION_ACTOR);
    expect(actorKindOf('breaker-payments')._unsafeUnwrap()).toBe(BREAKER_ACTOR);
    expect(actorKindOf('pool-main')._unsafeUnwrap()).toBe(POOL_ACTOR);
    expect(actorKindOf('session-')._unsafeUnwrapErr().kind).toBe('UnknownActorKind');
    expect(actorKindOf('pool-')._unsafeUnwrapErr().kind).toBe('UnknownActorKind');
    expect(actorKindOf('snapshot-session-42')._unsafeUnwrapErr()).toMatchObject({
      kind: 'UnknownActorKind',
      known: ['session-…', 'breaker-…', 'pool-…'],
    });
  });

  it('names side effects the session machine really declares', () => {
    const declared = Object.keys(SESSION_ACTOR.machine.implementations.actions);
    expect(SESSION_EFFECT_NAMES.filter((name) => !declared.includes(name))).toEqual([]);
    expect(SESSION_EFFECT_NAMES).toHaveLength(7);
    expect(SESSION_ACTOR.outcomes.actions).toEqual(['abortTurns', 'closeApproval']);
    expect(declared).toContain('abortTurns');
    expect(declared).toContain('closeApproval');
  });

  it('names the pool machine’s one side effect, and its stream starts with PoolCreated', () => {
    expect(POOL_EFFECT_NAMES).toEqual(['adjustWarm']);
    expect(Object.keys(POOL_ACTOR.machine.implementations.actions)).toContain('adjustWarm');
    expect(POOL_ACTOR.createdType).toBe('PoolCreated');
    expect(POOL_ACTOR.idOf({ name: 'main', at: 0, options: {} })).toBe('main');
    expect(checkEvent(POOL_ACTOR, 'pool-main', { type: 'SCALE_UP', at: 1, to: 2, utilisation: 1, reason: 'demand' })._unsafeUnwrap()).toBe('PoolScaledUp');
  });

  it('persists input events under their past-tense name and reads them back only as that event', () => {
    expect(checkEvent(SESSION_ACTOR, 'session-1', ev.spawned(1))._unsafeUnwrap()).toBe('AgentSpawned');
    const recorded = {
      id: 'x',
      type: 'AgentSpawned',
      data: ev.spawned(1),
      metadata: {},
      stream: 'session-1',
      revision: 1n,
      position: 2n,
      recordedAt: new Date(0),
    } as const;
    expect(decodeEvent(SESSION_ACTOR, recorded as never)._unsafeUnwrap()).toEqual(ev.spawned(1));
    expect(decodeEvent(SESSION_ACTOR, { ...recorded, type: 'AgentFaulted' } as never)._unsafeUnwrapErr()).toMatchObject({
      kind: 'StreamCorrupt',
      revision: 1n,
    });
    expect(decodeEvent(BREAKER_ACTOR, recorded as never)._unsafeUnwrapErr().kind).toBe('StreamCorrupt');
  });
});
