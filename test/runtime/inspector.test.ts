import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { BREAKER_EVENT } from '../../machines/index.js';
import { ev, testSessionInput } from '../../machines/testing/session-fixtures.js';
import { BREAKER_ACTOR, createActorHost, createInspectorHook, SESSION_ACTOR, type InspectorLike } from '../../src/runtime/index.js';
import { MemoryEventStore } from '../../src/store/index.js';
import { effectsLog } from './support/effects-log.js';
import { manualTime } from './support/manual-time.js';

/** An inspector that records calls instead of connecting anywhere. */
function fakeInspector() {
  const calls: { method: string; actor: unknown; payload: unknown; info: unknown }[] = [];
  let stopped = 0;
  const inspector: InspectorLike = {
    actor: (actor, snapshot, info) => void calls.push({ method: 'actor', actor, payload: snapshot, info }),
    event: (actor, event, info) => void calls.push({ method: 'event', actor, payload: event, info }),
    snapshot: (actor, snapshot, info) => void calls.push({ method: 'snapshot', actor, payload: snapshot, info }),
    stop: () => void (stopped += 1),
  };
  return { inspector, calls, stopped: () => stopped };
}

describe('inspector hook', () => {
  it('reports hosted actors with their machine, then each committed event and the snapshot it produced', async () => {
    const fake = fakeInspector();
    const hook = (await createInspectorHook({ inspector: fake.inspector, environment: 'development' }))._unsafeUnwrap();
    expect(hook.url).toBeNull();
    const time = manualTime();
    const host = createActorHost({ store: new MemoryEventStore(), clock: time.clock, timers: time.timers, observers: [hook] });
    const actor = (await host.actors(SESSION_ACTOR, effectsLog().effects).create(testSessionInput))._unsafeUnwrap();
    await actor.send(ev.spawned(1));
    await actor.send(ev.ready(1));
    expect((await actor.send(ev.spawned(2)))._unsafeUnwrap().kind).toBe('ignored');

    expect(fake.calls.map((call) => call.method)).toEqual(['actor', 'event', 'snapshot', 'event', 'snapshot']);
    const [registered, event, snapshot] = fake.calls;
    expect(registered?.actor).toMatchObject({ sessionId: 'session-sess-1', logic: SESSION_ACTOR.machine });
    expect(registered?.payload).toMatchObject({ status: 'active', value: 'provisioning' });
    expect(event).toMatchObject({ actor: 'session-sess-1', payload: { type: 'AGENT_SPAWNED', at: 1, pid: 100 } });
    expect(snapshot).toMatchObject({ actor: 'session-sess-1', payload: { value: 'starting', status: 'active' }, info: { event: { type: 'AGENT_SPAWNED' } } });
    expect((snapshot?.payload as { context: { agent: { pid: number } } }).context.agent.pid).toBe(100);

    await host.close();
    expect(fake.stopped()).toBe(0);
  });

  it('works with the real createInspector given a recording adapter (no network)', async () => {
    const { createInspector } = await import('@statelyai/inspect');
    const sent: { type: string; sessionId: string; name?: string; definition?: string }[] = [];
    const inspector = createInspector({ send: (event) => void sent.push(event as (typeof sent)[number]) });
    const hook = (await createInspectorHook({ inspector, environment: 'test' }))._unsafeUnwrap();
    const host = createActorHost({ store: new MemoryEventStore(), observers: [hook] });
    const breaker = (await host.actors(BREAKER_ACTOR, {}).create({ name: 'api' }))._unsafeUnwrap();
    await breaker.send({ type: BREAKER_EVENT.CALL_FAILED, at: 1, durationMs: 3 });
    await host.close();
    expect(sent.map((event) => [event.type, event.sessionId])).toEqual([
      ['@xstate.actor', 'breaker-api'],
      ['@xstate.event', 'breaker-api'],
      ['@xstate.snapshot', 'breaker-api'],
    ]);
    expect(sent[0]?.name).toBe('circuitBreaker');
    expect(JSON.parse(sent[0]?.definition ?? '{}')).toMatchObject({ id: 'circuitBreaker' });
  });

  it('refuses production and URLs that are not ws:// or wss://, before connecting', async () => {
    expect((await createInspectorHook({ environment: 'production' }))._unsafeUnwrapErr()).toMatchObject({ kind: 'InspectorRefused' });
    expect((await createInspectorHook({ environment: 'development', url: 'http://127.0.0.1:8081' }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'InspectorRefused',
      reason: 'the inspector URL must be ws:// or wss://, got http://127.0.0.1:8081',
    });
    expect((await createInspectorHook({ environment: 'development', url: 'not a url' })).isErr()).toBe(true);
  });

  it('says once that the inspector cannot be reached, keeps retrying, and delivers what it held back when one listens', async () => {
    // Something listens but is no inspector: it hangs up on every connection, so each attempt fails and is counted.
    let attempts = 0;
    const refuser: Server = createServer((socket) => {
      attempts += 1;
      socket.destroy();
    });
    refuser.listen(0, '127.0.0.1');
    await once(refuser, 'listening');
    const port = (refuser.address() as { port: number }).port;
    const url = `ws://127.0.0.1:${port}`;
    const unreachable: string[] = [];
    const connected: string[] = [];
    const hook = (
      await createInspectorHook({
        url,
        environment: 'development',
        retryMs: 10,
        onUnreachable: (reason) => void unreachable.push(reason),
        onConnected: () => void connected.push(url),
      })
    )._unsafeUnwrap();
    const host = createActorHost({ store: new MemoryEventStore(), observers: [hook] });
    (await host.actors(BREAKER_ACTOR, {}).create({ name: 'api' }))._unsafeUnwrap();

    await until(() => attempts >= 4);
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]).toMatch(/socket hang up|ECONNRESET/);
    refuser.close();
    await once(refuser, 'close');

    // An inspector comes up on the same address: the next attempt connects and the held-back actor arrives.
    const inspector = new WebSocketServer({ host: '127.0.0.1', port });
    const received: { type: string; sessionId: string }[] = [];
    inspector.on('connection', (socket) => socket.on('message', (data) => void received.push(JSON.parse(String(data)) as { type: string; sessionId: string })));
    await until(() => received.length > 0);
    expect(received[0]).toMatchObject({ type: '@xstate.actor', sessionId: 'breaker-api' });
    expect(connected).toEqual([url]);
    expect(unreachable).toHaveLength(1);

    // Closing the host closes the connection, and nothing tries again.
    const [client] = [...inspector.clients];
    const closed = once(client!, 'close');
    await host.close();
    await closed;
    let after = 0;
    inspector.on('connection', () => void (after += 1));
    await new Promise((resolve) => setTimeout(resolve, 100)); // ten retry periods: a negative can only be waited for
    expect(after).toBe(0);
    inspector.close();
  });
});

/** Resolves once `condition` holds; fails the test after five seconds. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

