import fc from 'fast-check';
import { ResultAsync } from 'neverthrow';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryEventStore, type EventStore, type RecordedEvent } from '../../store/index.js';
import { SessionFeed, sessionStream, type FeedPosition, type FeedStart } from './session-feed.js';

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

describe('session feed', () => {
  it('delivers history from fromRevision then live events, once each and in order, whatever appends race the read', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (initial, from, racing, later, readFirst) => {
          const { store, release } = gatedStore(readFirst);
          await append(store, 'a', initial);
          const feed = new SessionFeed(store, serialize);
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
          await feed.close();
        },
      ),
      { numRuns: 40 },
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
