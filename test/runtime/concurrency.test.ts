import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BREAKER_EVENT, type BreakerEvent } from '../../machines/index.js';
import { ev, testSessionInput } from '../../machines/testing/session-fixtures.js';
import {
  BREAKER_ACTOR,
  createActorHost,
  replayStream,
  SESSION_ACTOR,
  type ActorHost,
  type Commit,
  type SendOutcome,
} from '../../src/runtime/index.js';
import { MemoryEventStore, type EventStore } from '../../src/store/index.js';
import { effectsLog } from './support/effects-log.js';
import { gatedStore } from './support/gated-store.js';
import { manualTime } from './support/manual-time.js';

const hostOn = (store: EventStore, maxConflictRetries = 3): ActorHost =>
  createActorHost({ store, clock: manualTime().clock, timers: manualTime().timers, maxConflictRetries, onFault: () => undefined });

const call = (at: number, failed: boolean): BreakerEvent =>
  failed ? { type: BREAKER_EVENT.CALL_FAILED, at, durationMs: 5 } : { type: BREAKER_EVENT.CALL_SUCCEEDED, at, durationMs: 5 };

/** Revisions of a stream, in order. */
const revisions = async (store: EventStore, stream: string) => (await store.readStream(stream))._unsafeUnwrap().map((event) => event.revision);

describe('actor host: concurrency', () => {
  it('serialises concurrent sends to one actor in one process: no conflict, revisions in send order', async () => {
    const gated = gatedStore();
    const host = hostOn(gated.store);
    const breaker = (await host.actors(BREAKER_ACTOR, {}).create({ name: 'api', consecutiveFailureThreshold: 1_000, minimumCalls: 1_000 }))._unsafeUnwrap();
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => breaker.send(call(i + 1, i % 3 === 0))));
    const committed = outcomes.map((outcome) => outcome._unsafeUnwrap()).filter((outcome) => outcome.kind === 'committed');
    expect(committed.map((outcome) => outcome.commit.revision)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
    expect(gated.appends.slice(1).map((append) => append.expected)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
    await host.close();
  });

  it('the loser of a race catches up on the winner’s event, tells its subscribers, and applies on top', async () => {
    const store = new MemoryEventStore();
    const a = hostOn(store);
    const b = hostOn(store);
    const logA = effectsLog();
    const logB = effectsLog();
    const actorA = (await a.actors(SESSION_ACTOR, logA.effects).create(testSessionInput))._unsafeUnwrap();
    const actorB = (await b.actors(SESSION_ACTOR, logB.effects).load('sess-1'))._unsafeUnwrap();
    const seenByB: Commit[] = [];
    actorB.subscribe((commit) => seenByB.push(commit as Commit));

    expect((await actorA.send(ev.spawned(1)))._unsafeUnwrap().kind).toBe('committed');
    const late = (await actorB.send(ev.ready(2)))._unsafeUnwrap() as Extract<SendOutcome<never>, { kind: 'committed' }>;
    expect(late.commit.revision).toBe(2n);
    expect(seenByB.map((commit) => [commit.revision, commit.type, commit.local])).toEqual([
      [1n, 'AgentSpawned', false],
      [2n, 'AgentInitialized', true],
    ]);
    expect(actorB.getSnapshot().value).toBe('ready');
    expect(logB.calls).toEqual([]);

    const stale = (await actorA.send(ev.spawned(3)))._unsafeUnwrap();
    expect(stale.kind).toBe('ignored');
    expect(actorA.revision).toBe(2n);
    expect(await revisions(store, 'session-sess-1')).toEqual([0n, 1n, 2n]);
    await a.close();
    await b.close();
  });

  it('stores a step’s aborted turns in the same append as its event; another writer catches up on them as one commit', async () => {
    const gated = gatedStore();
    const a = hostOn(gated.store);
    const b = hostOn(gated.store);
    const actorA = (await a.actors(SESSION_ACTOR, effectsLog().effects).create(testSessionInput))._unsafeUnwrap();
    for (const event of [ev.spawned(1), ev.ready(2), ev.msg(3, 't1'), ev.msg(4, 't2')]) (await actorA.send(event))._unsafeUnwrap();
    const actorB = (await b.actors(SESSION_ACTOR, effectsLog().effects).load('sess-1'))._unsafeUnwrap();
    const seenByB: Commit[] = [];
    actorB.subscribe((commit) => seenByB.push(commit as Commit));

    const appendsBefore = gated.appends.length;
    const ended = (await actorA.send(ev.terminate(5, 'bye')))._unsafeUnwrap() as Extract<SendOutcome<never>, { kind: 'committed' }>;
    expect(gated.appends.length - appendsBefore).toBe(1);
    expect(ended.commit.revision).toBe(5n);
    expect(ended.commit.outcomes.map(({ revision, type, data }) => [revision, type, data])).toEqual([
      [6n, 'TurnAborted', { turnId: 't1', reason: 'terminated', at: 5 }],
      [7n, 'TurnAborted', { turnId: 't2', reason: 'terminated', at: 5 }],
    ]);
    expect(actorA.revision).toBe(7n);
    const stored = (await gated.store.readStream('session-sess-1'))._unsafeUnwrap().slice(5);
    expect(stored.map((event) => [event.type, event.metadata['from'], event.metadata['to'], event.metadata['causationId']])).toEqual([
      ['SessionTerminated', 'busy', 'terminated', null],
      ['TurnAborted', 'terminated', 'terminated', ended.commit.eventId],
      ['TurnAborted', 'terminated', 'terminated', ended.commit.eventId],
    ]);

    // B's stale "ignored" decision makes it catch up: one commit with its two outcomes, and the revision after them.
    expect((await actorB.send(ev.output(6, 't1')))._unsafeUnwrap().kind).toBe('ignored');
    expect(actorB.revision).toBe(7n);
    expect(seenByB.map((commit) => [commit.revision, commit.type, commit.outcomes.map((o) => o.revision)])).toEqual([[5n, 'SessionTerminated', [6n, 7n]]]);
    const replayed = (await replayStream(gated.store, 'session-sess-1'))._unsafeUnwrap();
    expect(replayed.state).toMatchObject({ revision: 7n, value: 'terminated' });
    await a.close();
    await b.close();
  });

  it('after WrongExpectedVersion the loser folds the winner’s event and appends on top of it', async () => {
    const gated = gatedStore();
    const a = hostOn(gated.store);
    const b = hostOn(gated.store);
    const breakerA = (await a.actors(BREAKER_ACTOR, {}).create({ name: 'api', consecutiveFailureThreshold: 10 }))._unsafeUnwrap();
    const breakerB = (await b.actors(BREAKER_ACTOR, {}).load('api'))._unsafeUnwrap();
    await breakerA.send(call(1, true));
    const outcome = (await breakerB.send(call(2, true)))._unsafeUnwrap();
    expect(outcome.kind === 'committed' && outcome.commit.revision).toBe(2n);
    expect(gated.appends.slice(-2).map((append) => append.expected)).toEqual([0n, 1n]);
    expect(breakerB.getSnapshot().context.consecutiveFailures).toBe(2);
    expect(breakerB.revision).toBe(2n);
    await a.close();
    await b.close();
  });

  it('fails with a typed ActorConflict once the retries are spent', async () => {
    const store = new MemoryEventStore();
    const a = hostOn(store, 0);
    const b = hostOn(store, 0);
    const breakerA = (await a.actors(BREAKER_ACTOR, {}).create({ name: 'api' }))._unsafeUnwrap();
    const breakerB = (await b.actors(BREAKER_ACTOR, {}).load('api'))._unsafeUnwrap();
    await breakerA.send(call(1, false));
    const lost = await breakerB.send(call(2, false));
    expect(lost._unsafeUnwrapErr()).toEqual({ kind: 'ActorConflict', stream: 'breaker-api', attempts: 1 });
    expect(breakerB.revision).toBe(0n);
    await a.close();
    await b.close();
  });

  it('two hosts racing on one stream never commit the same revision; the stream stays contiguous', async () => {
    let caughtUp = 0;
    let lostAppends = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.nat(3)), { minLength: 2, maxLength: 30 }),
        fc.integer({ min: 0, max: 3 }),
        async (sends, retries) => {
          const gated = gatedStore();
          const store = gated.store;
          const hosts = [hostOn(store, retries), hostOn(store, retries)] as const;
          const input = { name: 'race', consecutiveFailureThreshold: 3, minimumCalls: 4, openDurationMs: 10 };
          const first = (await hosts[0].actors(BREAKER_ACTOR, {}).create(input))._unsafeUnwrap();
          const second = (await hosts[1].actors(BREAKER_ACTOR, {}).load('race'))._unsafeUnwrap();
          const actors = [first, second];
          for (const actor of actors) actor.subscribe((commit) => void (caughtUp += commit.local ? 0 : 1));
          const outcomes = await Promise.all(
            sends.map(async ([onSecond, failed, delay], i) => {
              for (let tick = 0; tick < delay; tick++) await Promise.resolve();
              return (actors[onSecond ? 1 : 0] ?? first).send(call(i + 1, failed));
            }),
          );
          const committed: bigint[] = [];
          for (const outcome of outcomes) {
            if (outcome.isErr()) expect(outcome.error.kind).toBe('ActorConflict');
            else if (outcome.value.kind === 'committed') committed.push(outcome.value.commit.revision);
          }
          expect(new Set(committed).size).toBe(committed.length);
          const stream = await revisions(store, 'breaker-race');
          expect(stream).toEqual(stream.map((_, i) => BigInt(i)));
          expect([...committed].sort((x, y) => (x < y ? -1 : 1))).toEqual(stream.slice(1));
          lostAppends += gated.appends.length - stream.length;

          for (const actor of actors) {
            const asOfRevision = (await replayStream(store, 'breaker-race', { at: actor.revision }))._unsafeUnwrap();
            expect(actor.getSnapshot().context).toEqual(asOfRevision.state.context);
            expect(actor.getSnapshot().value).toEqual(asOfRevision.state.value);
          }
          const replayed = (await replayStream(store, 'breaker-race'))._unsafeUnwrap();
          const fresh = hostOn(store);
          const loaded = (await fresh.actors(BREAKER_ACTOR, {}).load('race'))._unsafeUnwrap();
          expect(replayed.state.context).toEqual(loaded.getSnapshot().context);
          await Promise.all([...hosts, fresh].map((host) => host.close()));
        },
      ),
      { numRuns: 60 },
    );
    expect(caughtUp).toBeGreaterThan(0);
    expect(lostAppends).toBeGreaterThan(0);
  });
});
