import { describe, expect, it } from 'vitest';
import { ev, testSessionInput } from '../../machines/testing/session-fixtures.js';
import { createActorHost, SESSION_ACTOR, type Commit, type HostFault } from '../../src/runtime/index.js';
import { storeUnavailable } from '../../src/store/index.js';
import { effectsLog } from './support/effects-log.js';
import { gatedStore } from './support/gated-store.js';
import { manualTime } from './support/manual-time.js';

/** A session actor in `ready` on a gated store, with a log of everything that happened in order. */
async function readySession() {
  const gated = gatedStore();
  const time = manualTime();
  const timeline: string[] = [];
  const faults: HostFault[] = [];
  const log = effectsLog((call) => timeline.push(`effect ${call.type}`));
  const host = createActorHost({ store: gated.store, clock: time.clock, timers: time.timers, onFault: (fault) => faults.push(fault) });
  const actor = (await host.actors(SESSION_ACTOR, log.effects).create(testSessionInput))._unsafeUnwrap();
  await actor.send(ev.spawned(1));
  await actor.send(ev.ready(2));
  const commits: Commit[] = [];
  actor.subscribe((commit) => {
    commits.push(commit as Commit);
    timeline.push(`notify #${commit.revision}`);
  });
  timeline.length = 0;
  log.calls.length = 0;
  return { gated, host, actor, log, commits, timeline, faults };
}

describe('actor host: the append is durable before anything else happens', () => {
  it('runs no effect and tells no subscriber until a held append resolves', async () => {
    const { gated, actor, log, commits, timeline, host } = await readySession();
    const release = gated.hold();
    const sending = actor.send(ev.msg(3, 't1')).map((outcome) => {
      timeline.push('send resolved');
      return outcome;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(gated.appends.at(-1)).toMatchObject({ stream: 'session-sess-1', types: ['MessageAccepted'], expected: 2n });
    expect(log.calls).toEqual([]);
    expect(commits).toEqual([]);
    expect(actor.getSnapshot().value).toBe('ready');
    expect(actor.revision).toBe(2n);

    release();
    const outcome = (await sending)._unsafeUnwrap();
    expect(outcome.kind).toBe('committed');
    expect(timeline).toEqual(['effect sendToAgent', 'notify #3', 'send resolved']);
    expect(actor.getSnapshot().value).toBe('busy');
    expect(actor.revision).toBe(3n);
    expect(commits.map((commit) => [commit.revision, commit.type, commit.local])).toEqual([[3n, 'MessageAccepted', true]]);
    await host.close();
  });

  it('keeps the snapshot, runs nothing and notifies nobody when the append fails', async () => {
    const { gated, actor, log, commits, host } = await readySession();
    const before = actor.getSnapshot();
    gated.fail(storeUnavailable('disk on fire'));
    const failed = await actor.send(ev.msg(3, 't1'));
    expect(failed._unsafeUnwrapErr()).toEqual({ kind: 'StoreFailure', cause: { kind: 'StoreUnavailable', reason: 'disk on fire' } });
    expect(actor.getSnapshot()).toBe(before);
    expect(actor.revision).toBe(2n);
    expect(log.calls).toEqual([]);
    expect(commits).toEqual([]);

    gated.open();
    expect((await actor.send(ev.msg(4, 't1')))._unsafeUnwrap().kind).toBe('committed');
    expect(log.calls.map((call) => call.type)).toEqual(['sendToAgent']);
    await host.close();
  });

  it('performs no entry action when the first append of a new actor fails', async () => {
    const gated = gatedStore();
    const log = effectsLog();
    const time = manualTime();
    const host = createActorHost({ store: gated.store, clock: time.clock, timers: time.timers });
    gated.fail(storeUnavailable('down'));
    const created = await host.actors(SESSION_ACTOR, log.effects).create(testSessionInput);
    expect(created._unsafeUnwrapErr().kind).toBe('StoreFailure');
    expect(log.calls).toEqual([]);
    expect(time.pending()).toBe(0);
    expect(host.live()).toEqual([]);
    gated.open();
    expect((await host.actors(SESSION_ACTOR, log.effects).create(testSessionInput)).isOk()).toBe(true);
    expect(log.calls.map((call) => call.type)).toEqual(['spawnAgent']);
    await host.close();
  });

  it('stores nothing for an ignored event and says so', async () => {
    const { gated, actor, log, host } = await readySession();
    const appended = gated.appends.length;
    const outcome = (await actor.send(ev.spawned(3)))._unsafeUnwrap();
    expect(outcome).toMatchObject({ kind: 'ignored', revision: 2n });
    expect(gated.appends).toHaveLength(appended);
    expect(log.calls).toEqual([]);
    await host.close();
  });

  it('rejects an event of another machine, or one without a numeric at, without storing it', async () => {
    const { gated, actor, host } = await readySession();
    const appended = gated.appends.length;
    const foreign = await actor.send({ type: 'CALL_FAILED', at: 3 } as never);
    expect(foreign._unsafeUnwrapErr()).toMatchObject({ kind: 'EventRejected', eventType: 'CALL_FAILED' });
    const timeless = await actor.send({ type: 'HIBERNATE' } as never);
    expect(timeless._unsafeUnwrapErr()).toMatchObject({ kind: 'EventRejected', eventType: 'HIBERNATE' });
    expect(gated.appends).toHaveLength(appended);
    await host.close();
  });

  it('refuses a second create of the same actor (same host or another), and sends after stop', async () => {
    const { actor, host, gated } = await readySession();
    const log = effectsLog();
    const again = await host.actors(SESSION_ACTOR, log.effects).create(testSessionInput);
    expect(again._unsafeUnwrapErr()).toEqual({ kind: 'ActorExists', stream: 'session-sess-1' });
    const other = createActorHost({ store: gated.store, clock: manualTime().clock, timers: manualTime().timers });
    expect((await other.actors(SESSION_ACTOR, log.effects).create(testSessionInput))._unsafeUnwrapErr().kind).toBe('ActorExists');
    expect(log.calls).toEqual([]);
    await actor.stop();
    expect((await actor.send(ev.msg(9, 't9')))._unsafeUnwrapErr()).toEqual({ kind: 'ActorStopped', stream: 'session-sess-1' });
    await host.close();
    await other.close();
  });

  it('reports a throwing listener as a fault and still commits; refuses an incomplete effects table', async () => {
    const { actor, host, faults } = await readySession();
    actor.subscribe(() => {
      throw new Error('listener broke');
    });
    const outcome = (await actor.send(ev.msg(3, 't1')))._unsafeUnwrap();
    expect(outcome.kind).toBe('committed');
    expect(faults.map((fault) => fault.kind)).toEqual(['ObserverFailed']);
    expect(() => host.actors(SESSION_ACTOR, { ...effectsLog().effects, killAgent: undefined } as never)).toThrow(/killAgent/);
    await host.close();
  });
});
