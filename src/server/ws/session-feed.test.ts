import fc from 'fast-check';
import { ResultAsync } from 'neverthrow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryEventStore, type EventStore, type RecordedEvent } from '../../store/index.js';
import { fanOutCost } from './fan-out.js';
import { SessionFeed, sessionStream, type FeedHandle, type FeedPosition, type FeedSink, type FeedStart, type LiveChannel } from './session-feed.js';
import { manualTurns } from './testing/manual-turns.js';

const stores: EventStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

/** `inner` with some methods replaced (private fields rule out `Object.create`). */
function wrap(inner: EventStore, overrides: Partial<EventStore>): EventStore {
  return {
    append: (stream, events, options) => inner.append(stream, events, options),
    readStream: (stream, options) => inner.readStream(stream, options),
    readAll: (options) => inner.readAll(options),
    headPosition: () => inner.headPosition(),
    subscribe: (options) => inner.subscribe(options),
    setStreamMetadata: (stream, metadata) => inner.setStreamMetadata(stream, metadata),
    getStreamMetadata: (stream) => inner.getStreamMetadata(stream),
    deleteStream: (stream, options) => inner.deleteStream(stream, options),
    listStreams: (options) => inner.listStreams(options),
    writeCheckpoint: (name, checkpoint) => inner.writeCheckpoint(name, checkpoint),
    readCheckpoint: (name) => inner.readCheckpoint(name),
    ping: () => inner.ping(),
    close: () => inner.close(),
    ...overrides,
  };
}

const append = async (store: EventStore, sessionId: string, count: number): Promise<void> => {
  for (let index = 0; index < count; index++) (await store.append(sessionStream(sessionId), [{ type: 'Thing', data: { index } }], { expectedRevision: 'any' }))._unsafeUnwrap();
};

/**
 * A memory store whose `readStream` is held until `release()`: with `readFirst` the read is done at once and only
 * its answer is held (events appended meanwhile must come live), otherwise the read itself waits (events appended
 * meanwhile are in the history and also come live, so they must be deduplicated).
 */
function gatedStore(readFirst: boolean): { store: EventStore; release: () => void } {
  const inner = new MemoryEventStore();
  stores.push(inner);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const store = wrap(inner, {
    readStream: (stream, options) =>
      new ResultAsync(
        readFirst
          ? Promise.resolve(inner.readStream(stream, options)).then(async (read) => (await gate, read))
          : gate.then(() => Promise.resolve(inner.readStream(stream, options))),
      ),
  });
  return { store, release };
}

interface Received {
  readonly started: FeedPosition[];
  readonly revisions: number[];
  readonly frames: string[];
}

const serialize = (sessionId: string, event: RecordedEvent): string => `${sessionId}:${event.revision}`;

/**
 * A channel that behaves like uWS topics: `publish` reaches the sinks joined at that moment, whatever list it is
 * given; it checks that the list is exactly them (the hub checks backpressure on that list).
 */
function topicChannel(): LiveChannel<FeedSink> & { readonly joined: Map<string, Set<FeedSink>>; publishes: number; mismatches: number } {
  const joined = new Map<string, Set<FeedSink>>();
  const channel = {
    joined,
    publishes: 0,
    mismatches: 0,
    join: (sessionId: string, sink: FeedSink) => {
      if (!joined.has(sessionId)) joined.set(sessionId, new Set());
      joined.get(sessionId)!.add(sink);
    },
    leave: (sessionId: string, sink: FeedSink) => void joined.get(sessionId)?.delete(sink),
    publish: (sessionId: string, frame: string, sinks: readonly FeedSink[]) => {
      channel.publishes++;
      const members = joined.get(sessionId) ?? new Set<FeedSink>();
      if (sinks.length !== members.size || sinks.some((sink) => !members.has(sink))) channel.mismatches++;
      const event = { revision: BigInt(frame.slice(frame.indexOf(':') + 1)) } as RecordedEvent;
      for (const sink of members) sink.deliver(frame, event);
    },
  };
  return channel;
}

describe('session feed', () => {
  it('delivers history from fromRevision then live events, once each and in order, whatever appends race the read', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        async (initial, from, racing, later, readFirst, sliced, topics) => {
          const { store, release } = gatedStore(readFirst);
          await append(store, 'a', initial);
          // Sliced: every live event goes out one send per event-loop turn, racing the history read all the more.
          // Topics: live events are published to the followers that joined once caught up (as uWS topics do).
          const channel = topicChannel();
          const feed = new SessionFeed(store, serialize, undefined, undefined, {
            ...(sliced ? { budget: { syncCost: 0, sliceMs: 0, maxPendingCost: Number.POSITIVE_INFINITY } } : {}),
            ...(topics ? { channel } : {}),
          });
          feed.start((await store.headPosition())._unsafeUnwrap());
          // A fromRevision past the end is valid: the follower waits for it, so append until it exists.
          const extra = from === undefined ? 0 : Math.max(0, from + 1 - (initial + racing + later));
          const start: FeedStart = from === undefined ? { kind: 'head' } : { kind: 'revision', revision: BigInt(from) };
          // The last event is appended once the follower has started, so it must come live.
          const sentinel = initial + racing + later + extra;
          const { received, done, started } = collectInto(sentinel);
          feed.follow('a', start, received.sink);
          await append(store, 'a', racing);
          await append(store, 'b', 2);
          release();
          await append(store, 'a', later + extra);
          await started;
          await append(store, 'a', 1);
          await done;
          expect(received.started).toHaveLength(1);
          const position = received.started[0]!;
          // A head follower starts after whatever the stream held when it was read.
          const first = from ?? Number(position.fromRevision);
          if (from === undefined) expect(position.fromRevision).toBe(position.headRevision + 1n);
          expect(Number(position.headRevision)).toBeGreaterThanOrEqual(initial - 1);
          expect(position.fromRevision).toBe(BigInt(first));
          const expected = Array.from({ length: sentinel + 1 - first }, (_, index) => first + index);
          expect(received.revisions).toEqual(expected);
          expect(received.frames).toEqual(expected.map((revision) => `a:${revision}`));
          expect(channel.mismatches).toBe(0);
          if (topics && !sliced) expect(channel.publishes).toBeGreaterThan(0);
          await feed.close();
          expect(channel.joined.get('a')?.size ?? 0).toBe(0);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('fans one store subscription out to every follower and stops delivering to a stopped one', async () => {
    const store = new MemoryEventStore();
    stores.push(store);
    await append(store, 'a', 1);
    let subscriptions = 0;
    const counting = wrap(store, { subscribe: (options) => (subscriptions++, store.subscribe(options)) });
    const feed = new SessionFeed(counting, serialize);
    feed.start((await store.headPosition())._unsafeUnwrap());
    const one = collectInto(3);
    const two = collectInto(3);
    const stopped = collectInto(3);
    feed.follow('a', { kind: 'revision', revision: 0n }, one.received.sink);
    feed.follow('a', { kind: 'head' }, two.received.sink);
    const handle = feed.follow('a', { kind: 'head' }, stopped.received.sink);
    expect(feed.followed()).toEqual({ a: 3 });
    handle.stop();
    await Promise.all([one.started, two.started]);
    await append(store, 'a', 3);
    await Promise.all([one.done, two.done]);
    expect(one.received.revisions).toEqual([0, 1, 2, 3]);
    expect(two.received.revisions).toEqual([1, 2, 3]);
    expect(two.received.started).toEqual([{ fromRevision: 1n, headRevision: 0n }]);
    expect(stopped.received.revisions).toEqual([]);
    expect(subscriptions).toBe(1);
    await feed.close();
    expect(feed.followed()).toEqual({});
  });

  it('publishes each live event once to every caught-up follower; a stopped one leaves the channel at once', async () => {
    const store = new MemoryEventStore();
    stores.push(store);
    await append(store, 'a', 2);
    const channel = topicChannel();
    const feed = new SessionFeed(store, serialize, undefined, undefined, { channel });
    feed.start((await store.headPosition())._unsafeUnwrap());
    const one = collectInto(4);
    const two = collectInto(4);
    const leaving = collectInto(4);
    feed.follow('a', { kind: 'revision', revision: 0n }, one.received.sink);
    feed.follow('a', { kind: 'head' }, two.received.sink);
    const handle = feed.follow('a', { kind: 'revision', revision: 1n }, leaving.received.sink);
    await Promise.all([one.started, two.started, leaving.started]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(channel.joined.get('a')?.size).toBe(3);
    // A follower catching up while the others are live: it must not get live events before its history.
    const late = collectInto(4);
    feed.follow('a', { kind: 'revision', revision: 0n }, late.received.sink);
    await append(store, 'a', 1);
    handle.stop();
    await append(store, 'a', 2);
    await Promise.all([one.done, two.done, late.done]);
    expect(channel.joined.get('a')?.size).toBe(3);
    expect(late.received.revisions).toEqual([0, 1, 2, 3, 4]);
    expect(one.received.revisions).toEqual([0, 1, 2, 3, 4]);
    expect(two.received.revisions).toEqual([2, 3, 4]);
    expect(leaving.received.revisions).toEqual([1, 2]);
    expect(channel.publishes).toBe(3);
    expect(channel.mismatches).toBe(0);
    await feed.close();
  });

  it('starts a follower of a session with no events yet at revision 0', async () => {
    const store = new MemoryEventStore();
    stores.push(store);
    const feed = new SessionFeed(store, serialize);
    feed.start(0n);
    const { received, done, started } = collectInto(0);
    feed.follow('new', { kind: 'head' }, received.sink);
    await started;
    await append(store, 'new', 1);
    await done;
    expect(received.started).toEqual([{ fromRevision: 0n, headRevision: -1n }]);
    expect(received.revisions).toEqual([0]);
    await feed.close();
  });
});

describe('session feed, fan-out too large for one event-loop turn', () => {
  const SMALL = 10;
  const LARGE = 100_000;
  const FOLLOWERS = 6;
  /** Frames as long as the event's `size`. */
  const sized = (_sessionId: string, event: RecordedEvent): string => 'x'.repeat((event.data as { size: number }).size);
  const appendSized = async (store: EventStore, ...sizes: number[]): Promise<void> => {
    for (const size of sizes) (await store.append(sessionStream('a'), [{ type: 'Thing', data: { size } }], { expectedRevision: 'any' }))._unsafeUnwrap();
  };

  /**
   * A feed whose slices are driven by hand and whose clock advances 1 ms per delivery (a slice of 2 ms makes 2
   * sends); a small event to all followers fits in the dispatching turn, a large one does not. Records, per
   * follower, the revisions received and, per delivery, the turn it was made in (`0`: outside any slice).
   */
  async function slicedFeed() {
    const store = new MemoryEventStore();
    stores.push(store);
    const turns = manualTurns();
    let clock = 0;
    let turn = 0;
    const feed = new SessionFeed(store, sized, undefined, undefined, {
      budget: { syncCost: fanOutCost('x'.repeat(SMALL), FOLLOWERS), sliceMs: 2, maxPendingCost: Number.POSITIVE_INFINITY },
      schedule: turns.schedule,
      now: () => clock,
    });
    feed.start((await store.headPosition())._unsafeUnwrap());
    const received = new Map<string, number[]>();
    const deliveries: { follower: string; revision: number; turn: number }[] = [];
    const follow = (name: string, start: FeedStart): { handle: FeedHandle; started: Promise<void> } => {
      received.set(name, []);
      let begin!: () => void;
      const started = new Promise<void>((resolve) => (begin = resolve));
      const handle = feed.follow('a', start, {
        started: () => begin(),
        deliver: (_frame, event) => {
          clock++;
          received.get(name)!.push(Number(event.revision));
          deliveries.push({ follower: name, revision: Number(event.revision), turn });
        },
        failed: (error) => {
          throw new Error(`follower ${name} failed: ${error.kind}`);
        },
      });
      return { handle, started };
    };
    const handles = new Map<string, FeedHandle>();
    for (let index = 0; index < FOLLOWERS; index++) {
      const { handle, started } = follow(`f${index}`, { kind: 'head' });
      handles.set(`f${index}`, handle);
      await started;
    }
    let turnsRun = 0;
    /** Lets the store subscription run and runs the slices, one per loop iteration, until `done()`. */
    const until = async (done: () => boolean): Promise<void> => {
      for (let step = 0; step < 10_000 && !done(); step++) {
        await new Promise((resolve) => setImmediate(resolve));
        if (turns.waiting() > 0) {
          turn = ++turnsRun;
          turns.turn();
          turn = 0;
        }
      }
      expect(done()).toBe(true);
    };
    /** Lets the store subscription run (no slice) until `done()`. */
    const dispatched = async (done: () => boolean): Promise<void> => {
      for (let step = 0; step < 10_000 && !done(); step++) await new Promise((resolve) => setImmediate(resolve));
      expect(done()).toBe(true);
    };
    return { store, feed, turns, received, deliveries, follow, handles, until, dispatched, turnsRun: () => turnsRun };
  }

  it('sends a large event over several turns, at most one slice per turn, and small events behind it in order', async () => {
    const { store, feed, received, deliveries, until } = await slicedFeed();
    await appendSized(store, SMALL, LARGE, SMALL, LARGE, SMALL);
    await until(() => [...received.values()].every((revisions) => revisions.at(-1) === 4));
    for (const revisions of received.values()) expect(revisions).toEqual([0, 1, 2, 3, 4]);
    // The first small event went out at once; the large one never all in one turn, nor anything after it.
    expect(deliveries.filter((delivery) => delivery.revision === 0).every((delivery) => delivery.turn === 0)).toBe(true);
    expect(deliveries.filter((delivery) => delivery.revision > 0).every((delivery) => delivery.turn > 0)).toBe(true);
    const perTurn = new Map<number, number>();
    for (const delivery of deliveries) if (delivery.turn > 0) perTurn.set(delivery.turn, (perTurn.get(delivery.turn) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(2);
    await feed.close();
  });

  it('sends nothing more to followers that leave during a fan-out', async () => {
    const { store, feed, turns, received, handles, until, dispatched } = await slicedFeed();
    await appendSized(store, LARGE);
    await dispatched(() => turns.waiting() > 0);
    turns.turn();
    expect(received.get('f0')).toEqual([0]);
    handles.get('f3')!.stop();
    handles.get('f4')!.stop();
    await appendSized(store, SMALL);
    await until(() => received.get('f5')!.at(-1) === 1);
    expect(received.get('f3')).toEqual([]);
    expect(received.get('f4')).toEqual([]);
    for (const name of ['f0', 'f1', 'f2', 'f5']) expect(received.get(name)).toEqual([0, 1]);
    await feed.close();
  });

  it('drops the fan-out still waiting when the feed closes', async () => {
    const { store, feed, turns, received, dispatched } = await slicedFeed();
    await appendSized(store, LARGE, LARGE);
    await dispatched(() => turns.waiting() > 0);
    turns.turn();
    const before = structuredClone(Object.fromEntries(received));
    await feed.close();
    expect(turns.waiting()).toBe(0);
    while (turns.turn());
    expect(Object.fromEntries(received)).toEqual(before);
  });

  it('hands a new follower over from history to live events exactly once while a fan-out is under way', async () => {
    const { store, feed, turns, received, follow, until, dispatched } = await slicedFeed();
    await appendSized(store, SMALL, LARGE);
    await dispatched(() => turns.waiting() > 0);
    turns.turn();
    // Event 1 is still going out to the first followers when these two start: one from the history, one at the head.
    const fromHistory = follow('history', { kind: 'revision', revision: 0n });
    const atHead = follow('head', { kind: 'head' });
    await appendSized(store, LARGE, SMALL);
    await Promise.all([fromHistory.started, atHead.started]);
    await appendSized(store, SMALL);
    await until(() => [...received.values()].every((revisions) => revisions.at(-1) === 4));
    expect(received.get('history')).toEqual([0, 1, 2, 3, 4]);
    expect(received.get('head')).toEqual(received.get('head')![0] === 2 ? [2, 3, 4] : [3, 4]);
    for (let index = 0; index < FOLLOWERS; index++) expect(received.get(`f${index}`)).toEqual([0, 1, 2, 3, 4]);
    await feed.close();
  });
});

function collectInto(untilRevision: number): { received: Received & { sink: Parameters<SessionFeed['follow']>[2] }; done: Promise<void>; started: Promise<void> } {
  const received = { started: [] as FeedPosition[], revisions: [] as number[], frames: [] as string[] };
  let finish!: () => void;
  let begin!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const started = new Promise<void>((resolve) => (begin = resolve));
  const sink = {
    started: (position: FeedPosition) => {
      received.started.push(position);
      begin();
    },
    deliver: (frame: string, event: RecordedEvent) => {
      received.frames.push(frame);
      received.revisions.push(Number(event.revision));
      if (Number(event.revision) >= untilRevision) finish();
    },
    failed: () => finish(),
  };
  // A guard, not a wait: a follower that misses an event would otherwise hang the test.
  const guard = new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref());
  return { received: { ...received, sink }, done: Promise.race([done, guard]), started: Promise.race([started, guard]) };
}

describe('session feed access', () => {
  /** A sink that records revisions; revoked (by the gate) when a `Revoke` event names it. */
  const named = (name: string) => {
    const revisions: number[] = [];
    const sink: FeedSink & { readonly name: string } = { name, started: () => undefined, deliver: (_frame, event) => void revisions.push(Number(event.revision)), failed: () => undefined };
    return { sink, revisions };
  };
  const revoking = (store: EventStore, topics: boolean) =>
    new SessionFeed<FeedSink & { readonly name: string }>(store, serialize, undefined, undefined, {
      ...(topics ? { channel: topicChannel() } : {}),
      access: {
        changesAccess: (event) => event.type === 'Revoke',
        revoke: (_sessionId, event, sink) => (event.data as { name: string }).name === sink.name,
      },
    });

  it.each([false, true])('stops a follower before the event that revokes it, live or in history (topics: %s)', async (topics) => {
    const store = new MemoryEventStore();
    stores.push(store);
    const feed = revoking(store, topics);
    feed.start((await store.headPosition())._unsafeUnwrap());
    await append(store, 's', 2);
    const live = named('live');
    const kept = named('kept');
    feed.follow('s', { kind: 'revision', revision: 0n }, live.sink);
    feed.follow('s', { kind: 'revision', revision: 0n }, kept.sink);
    await vi.waitFor(() => expect(live.revisions).toEqual([0, 1]));
    (await store.append(sessionStream('s'), [{ type: 'Revoke', data: { name: 'live' } }], { expectedRevision: 'any' }))._unsafeUnwrap();
    await append(store, 's', 2);
    await vi.waitFor(() => expect(kept.revisions).toEqual([0, 1, 2, 3, 4]));
    expect(live.revisions).toEqual([0, 1]);
    // A follower whose history holds its revocation reads up to it and no further.
    const late = named('live');
    feed.follow('s', { kind: 'revision', revision: 0n }, late.sink);
    await append(store, 's', 1);
    await vi.waitFor(() => expect(kept.revisions.at(-1)).toBe(5));
    expect(late.revisions).toEqual([0, 1]);
    expect(feed.followed()).toEqual({ s: 1 });
    await feed.close();
  });

  it.each([false, true])('screens the events between the access decision and the start: a revocation there ends the follower (head start: %s)', async (head) => {
    const store = new MemoryEventStore();
    stores.push(store);
    const feed = revoking(store, true);
    feed.start((await store.headPosition())._unsafeUnwrap());
    await append(store, 's', 2);
    // Access was decided as of revision 1; the revocation (2) lands before the follower starts at the head (or at 3).
    (await store.append(sessionStream('s'), [{ type: 'Revoke', data: { name: 'late' } }], { expectedRevision: 'any' }))._unsafeUnwrap();
    await append(store, 's', 1);
    const late = named('late');
    const other = named('other');
    const start = (screenFrom: bigint): FeedStart => (head ? { kind: 'head', screenFrom } : { kind: 'revision', revision: 4n, screenFrom });
    feed.follow('s', start(2n), late.sink);
    feed.follow('s', start(2n), other.sink);
    await append(store, 's', 2);
    // A head follower starts wherever the head was when it read it (4 or 5 here); either way it reaches 5.
    await vi.waitFor(() => expect(other.revisions.at(-1)).toBe(5));
    if (!head) expect(other.revisions).toEqual([4, 5]);
    expect(late.revisions).toEqual([]);
    expect(feed.followed()).toEqual({ s: 1 });
    await feed.close();
  });
});
