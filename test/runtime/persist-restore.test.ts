import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replay, type SessionEvent } from '../../machines/index.js';
import { testSessionInput } from '../../machines/testing/session-fixtures.js';
import { createActorHost, replayStream, SESSION_ACTOR, snapshotStreamOf, type HostFault } from '../../src/runtime/index.js';
import { MemoryEventStore, type JsonObject } from '../../src/store/index.js';
import { gatedStore } from './support/gated-store.js';
import { effectsLog } from './support/effects-log.js';
import { manualTime } from './support/manual-time.js';
import { materialise, sessionCommands, type SessionCommand } from './support/session-history.js';

const observed = (snapshot: unknown) => {
  const { value, context, status } = snapshot as { value: unknown; context: unknown; status: string };
  return JSON.parse(JSON.stringify({ value, context, status })) as unknown;
};

/**
 * Runs `commands` through a live hosted session, snapshotting every `every` events; returns what it saw: the
 * accepted events, the state after each stored revision (an outcome such as `TurnAborted` keeps the state of the
 * event it was stored with), and the last revision at which a snapshot was due.
 */
async function live(commands: readonly SessionCommand[], every: number) {
  const store = new MemoryEventStore();
  const time = manualTime();
  const log = effectsLog();
  const faults: HostFault[] = [];
  const host = createActorHost({ store, clock: time.clock, timers: time.timers, snapshotEvery: every, onFault: (fault) => faults.push(fault) });
  const actor = (await host.actors(SESSION_ACTOR, log.effects).create(testSessionInput))._unsafeUnwrap();
  const accepted: SessionEvent[] = [];
  const history: unknown[] = [observed(actor.getSnapshot())];
  let snapshotAt: number | undefined;
  let at = testSessionInput.at;
  for (const command of commands) {
    const event = materialise(actor.getSnapshot(), command, at + command.dt);
    at = event.at;
    const outcome = (await actor.send(event))._unsafeUnwrap();
    if (outcome.kind === 'committed') {
      accepted.push(event);
      const { revision, outcomes } = outcome.commit;
      for (let i = 0; i <= outcomes.length; i += 1) history.push(observed(outcome.commit.snapshot));
      const last = Number(revision) + outcomes.length;
      if (Math.floor((last + 1) / every) > Math.floor(Number(revision) / every)) snapshotAt = last;
    }
  }
  const result = { store, host, actor, log, accepted, history, snapshotAt, faults, snapshot: observed(actor.getSnapshot()), revision: actor.revision };
  await host.close();
  return result;
}

describe('persisted actors: restore and replay equal the live actor', () => {
  it('a restored actor (snapshot every N, random N) has the live snapshot and revision, and performs nothing', async () => {
    await fc.assert(
      fc.asyncProperty(sessionCommands(60), fc.integer({ min: 1, max: 12 }), async (commands, every) => {
        const run = await live(commands, every);
        expect(run.faults).toEqual([]);
        expect(run.revision).toBe(BigInt(run.history.length - 1));
        expect(run.log.calls.map((call) => call.type)).not.toContain('abortTurns');

        const { snapshotAt } = run;
        const snapshots = await run.store.readStream(snapshotStreamOf('session-sess-1'));
        if (snapshotAt === undefined) expect(snapshots.isErr()).toBe(true);
        else expect((snapshots._unsafeUnwrap()[0]?.data as { revision: string }).revision).toBe(String(snapshotAt));

        const restoring = gatedStore(run.store);
        const restoredLog = effectsLog();
        const restoringHost = createActorHost({ store: restoring.store, timers: manualTime().timers, clock: manualTime().clock });
        const restored = (await restoringHost.actors(SESSION_ACTOR, restoredLog.effects).load('sess-1'))._unsafeUnwrap();
        expect(observed(restored.getSnapshot())).toEqual(run.snapshot);
        expect(restored.revision).toBe(run.revision);
        expect(restoredLog.calls).toEqual([]);
        const tailRead = restoring.reads.find((read) => read.stream === 'session-sess-1');
        expect(tailRead?.from).toBe(BigInt(snapshotAt ?? 0));
        await restoringHost.close();

        expect(observed(replay(SESSION_ACTOR.machine, testSessionInput, run.accepted))).toEqual(run.snapshot);
      }),
      { numRuns: 100 },
    );
  });

  it('replaying a stream from position 0 reproduces every live state, with no side effects', async () => {
    await fc.assert(
      fc.asyncProperty(sessionCommands(40), async (commands) => {
        const run = await live(commands, 1_000);
        const effectsBefore = run.log.calls.length;
        const replayed = (await replayStream(run.store, 'session-sess-1'))._unsafeUnwrap();
        expect(replayed.entries).toHaveLength(run.history.length);
        expect(replayed.entries.every((entry) => entry.accepted)).toBe(true);
        for (const entry of replayed.entries.filter((e) => e.type === 'TurnAborted')) expect(entry.from).toEqual(entry.to);
        expect(observed(replayed.state)).toEqual(run.snapshot);
        expect(replayed.state.revision).toBe(run.revision);
        for (const [index, expected] of run.history.entries()) {
          const at = (await replayStream(run.store, 'session-sess-1', { at: BigInt(index) }))._unsafeUnwrap();
          expect(observed(at.state)).toEqual(expected);
        }
        expect(run.log.calls).toHaveLength(effectsBefore);
      }),
      { numRuns: 25 },
    );
  });

  it('ignores a snapshot of another history, or one today’s machine cannot resolve, and replays from the first event', async () => {
    const run = await live([{ dt: 1, pick: 'progress', variant: 0 }, { dt: 1, pick: 'progress', variant: 0 }], 1);
    const snapshotStream = snapshotStreamOf('session-sess-1');
    const stale = (await run.store.readStream(snapshotStream))._unsafeUnwrap()[0]?.data as { snapshot: { context: JsonObject } };
    const forged = { ...stale.snapshot, context: { ...stale.snapshot.context, tenant: 'forged' } };
    const otherHistory = { ...stale, snapshot: forged, eventId: '00000000-0000-7000-8000-000000000000' };
    await run.store.append(snapshotStream, [{ type: 'SnapshotTaken', data: otherHistory }], { expectedRevision: 'any' });
    const host = createActorHost({ store: run.store, timers: manualTime().timers, clock: manualTime().clock });
    const restored = (await host.actors(SESSION_ACTOR, effectsLog().effects).load('sess-1'))._unsafeUnwrap();
    expect(observed(restored.getSnapshot())).toEqual(run.snapshot);
    expect(restored.revision).toBe(run.revision);
    await restored.stop();

    const renamedState = { ...stale, snapshot: { ...stale.snapshot, value: 'aStateThatNoLongerExists' } };
    await run.store.append(snapshotStream, [{ type: 'SnapshotTaken', data: renamedState }], { expectedRevision: 'any' });
    const again = (await host.actors(SESSION_ACTOR, effectsLog().effects).load('sess-1'))._unsafeUnwrap();
    expect(observed(again.getSnapshot())).toEqual(run.snapshot);
    await host.close();
  });

  it('load of an unknown actor is ActorNotFound; two concurrent loads share one handle', async () => {
    const run = await live([], 100);
    const host = createActorHost({ store: run.store, timers: manualTime().timers, clock: manualTime().clock });
    const sessions = host.actors(SESSION_ACTOR, effectsLog().effects);
    expect((await sessions.load('nobody'))._unsafeUnwrapErr()).toEqual({ kind: 'ActorNotFound', stream: 'session-nobody' });
    const [a, b] = await Promise.all([sessions.load('sess-1'), sessions.load('sess-1')]);
    expect(a._unsafeUnwrap()).toBe(b._unsafeUnwrap());
    expect(host.live()).toEqual(['session-sess-1']);
    await host.close();
  });
});
