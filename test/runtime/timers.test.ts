import { afterEach, describe, expect, it, vi } from 'vitest';
import { ev, testSessionInput } from '../../machines/testing/session-fixtures.js';
import { createActorHost, SESSION_ACTOR, type HostFault } from '../../src/runtime/index.js';
import { MemoryEventStore, storeUnavailable, type EventStore, type RecordedEvent } from '../../src/store/index.js';
import { effectsLog } from './support/effects-log.js';
import { gatedStore } from './support/gated-store.js';
import { manualTime } from './support/manual-time.js';

const STREAM = 'session-sess-1';
const read = async (store: EventStore): Promise<readonly RecordedEvent[]> => (await store.readStream(STREAM))._unsafeUnwrap();
const timerEvents = async (store: EventStore) => (await read(store)).filter((event) => event.type === 'TimerElapsed').map((event) => event.data);

describe('actor host: deadlines (injected clock)', () => {
  it('fires TIMER_ELAPSED at the deadline, persists it with the arming event as its cause', async () => {
    const store = new MemoryEventStore();
    const time = manualTime(0);
    const log = effectsLog();
    const host = createActorHost({ store, clock: time.clock, timers: time.timers });
    const actor = (await host.actors(SESSION_ACTOR, log.effects).create(testSessionInput))._unsafeUnwrap();
    await time.advance(999);
    expect(await timerEvents(store)).toEqual([]);
    await time.advance(1);
    expect(await timerEvents(store)).toEqual([{ type: 'TIMER_ELAPSED', name: 'startTimeout', at: 1_000 }]);
    const [provisioned, elapsed] = await read(store);
    expect(elapsed?.metadata).toMatchObject({ from: 'provisioning', to: 'recovering', causationId: provisioned?.id, at: 1_000 });
    expect(elapsed?.metadata['correlationId']).toBe(provisioned?.metadata['correlationId']);
    expect(actor.getSnapshot().value).toBe('recovering');
    expect(log.calls.map((call) => call.type)).toEqual(['spawnAgent', 'killAgent', 'resumeAgent']);
    await host.close();
  });

  it('never fires a superseded deadline, and fires the one that replaced it', async () => {
    const store = new MemoryEventStore();
    const time = manualTime(0);
    const host = createActorHost({ store, clock: time.clock, timers: time.timers });
    const actor = (await host.actors(SESSION_ACTOR, effectsLog().effects).create(testSessionInput))._unsafeUnwrap();
    await time.advance(500);
    await actor.send(ev.spawned(500));
    await actor.send(ev.ready(600));
    expect(actor.getSnapshot().context.deadline).toEqual({ name: 'idleTimeout', at: 60_600 });
    await time.advance(30_000);
    expect(await timerEvents(store)).toEqual([]);
    expect(time.pending()).toBe(1);
    await time.advance(30_100);
    expect(await timerEvents(store)).toEqual([{ type: 'TIMER_ELAPSED', name: 'idleTimeout', at: 60_600 }]);
    expect(actor.getSnapshot().value).toBe('hibernated');
    expect(time.pending()).toBe(0);
    await host.close();
  });

  it('clears the timer when the actor stops or the host closes', async () => {
    const store = new MemoryEventStore();
    const time = manualTime(0);
    const host = createActorHost({ store, clock: time.clock, timers: time.timers });
    const sessions = host.actors(SESSION_ACTOR, effectsLog().effects);
    const actor = (await sessions.create(testSessionInput))._unsafeUnwrap();
    await actor.stop();
    expect(time.pending()).toBe(0);
    expect(host.live()).toEqual([]);
    (await sessions.load('sess-1'))._unsafeUnwrap();
    expect(time.pending()).toBe(1);
    await host.close();
    expect(time.pending()).toBe(0);
    await time.advance(5_000);
    expect(await timerEvents(store)).toEqual([]);
  });

  it('re-arms from the stream on restore, firing a deadline that passed while nobody hosted the actor', async () => {
    const store = new MemoryEventStore();
    const first = createActorHost({ store, clock: manualTime(0).clock, timers: manualTime(0).timers });
    (await first.actors(SESSION_ACTOR, effectsLog().effects).create(testSessionInput))._unsafeUnwrap();
    await first.close();
    const later = manualTime(7_000);
    const log = effectsLog();
    const second = createActorHost({ store, clock: later.clock, timers: later.timers });
    const restored = (await second.actors(SESSION_ACTOR, log.effects).load('sess-1'))._unsafeUnwrap();
    expect(log.calls).toEqual([]);
    await later.advance(0);
    expect(await timerEvents(store)).toEqual([{ type: 'TIMER_ELAPSED', name: 'startTimeout', at: 7_000 }]);
    expect((await read(store)).at(-1)?.metadata['causationId']).toBeNull();
    expect(restored.getSnapshot().value).toBe('recovering');
    expect(log.calls.map((call) => call.type)).toEqual(['killAgent', 'resumeAgent']);
    await second.close();
  });

  it('retries a TIMER_ELAPSED the store refused, reporting the failure', async () => {
    const gated = gatedStore();
    const time = manualTime(0);
    const faults: HostFault[] = [];
    const host = createActorHost({ store: gated.store, clock: time.clock, timers: time.timers, timerRetryMs: 250, onFault: (fault) => faults.push(fault) });
    const actor = (await host.actors(SESSION_ACTOR, effectsLog().effects).create(testSessionInput))._unsafeUnwrap();
    gated.fail(storeUnavailable('blip'));
    await time.advance(1_000);
    expect(faults).toMatchObject([{ kind: 'TimerFailed', deadline: { name: 'startTimeout', at: 1_000 } }]);
    expect(actor.getSnapshot().value).toBe('provisioning');
    gated.open();
    await time.advance(250);
    expect(await timerEvents(gated.store)).toEqual([{ type: 'TIMER_ELAPSED', name: 'startTimeout', at: 1_250 }]);
    expect(actor.getSnapshot().value).toBe('recovering');
    await host.close();
  });
});

describe('actor host: deadlines (vi fake timers, default clock and timers)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires through setTimeout and Date.now', async () => {
    vi.useFakeTimers({ now: 0 });
    const store = new MemoryEventStore();
    const host = createActorHost({ store });
    const actor = (await host.actors(SESSION_ACTOR, effectsLog().effects).create(testSessionInput))._unsafeUnwrap();
    await vi.advanceTimersByTimeAsync(999);
    expect(await timerEvents(store)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await timerEvents(store)).toEqual([{ type: 'TIMER_ELAPSED', name: 'startTimeout', at: 1_000 }]);
    expect(actor.getSnapshot().value).toBe('recovering');
    await host.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
