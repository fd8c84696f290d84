/**
 * Session events for WebSocket subscribers: ONE catch-up subscription to the store (every `session-…` stream,
 * from the head at start) dispatched synchronously by stream to whoever follows that session. Each follower gets
 * history from its `fromRevision` read with `readStream`, then live events, with no gap and no duplicate: a
 * follower is registered before its history is read, live events that arrive meanwhile are buffered, and only
 * those past the last revision sent are flushed. A live event is serialised once for all followers; with a
 * {@link LiveChannel} (uWS topics) it is published once to the followers that are live (a follower joins the
 * channel only once its history and buffered events are delivered, and leaves it the moment it stops), otherwise
 * it is one synchronous call per follower. Nothing in the dispatch loop awaits a client. A live event too large
 * to send to all its followers in one event-loop turn goes out in slices ({@link SlicedFanOut}, one send per
 * follower), and the session's later events queue behind it, so each follower still gets them in order.
 */
import { STREAM_PREFIX } from '../../runtime/index.js';
import { formatStoreError, READ_DIRECTION, STORE_ERROR_KIND, type EventStore, type RecordedEvent, type Subscription } from '../../store/index.js';
import { SlicedFanOut, type FanOutBudget, type Schedule } from './fan-out.js';

/** Where a follower starts: at a revision (inclusive, history first) or at the next new event. */
export type FeedStart = ({ readonly kind: 'revision'; readonly revision: bigint } | { readonly kind: 'head' }) & {
  /**
   * The first revision that access was not yet decided on (the subscriber was allowed as of the one before): events
   * from here that come before the start are still screened by {@link FeedAccess}, so a removal that landed between
   * the decision and the subscription ends it too.
   */
  readonly screenFrom?: bigint;
};

/** Why a follower could not start. */
export type FeedError = { readonly kind: 'StoreUnreadable'; readonly reason: string } | { readonly kind: 'FeedClosed' };

/** Where a follower starts: the first revision it gets, and the stream's last revision when it started (`-1n`: none). */
export interface FeedPosition {
  readonly fromRevision: bigint;
  readonly headRevision: bigint;
}

/** Receives one session's events, in revision order, each once. */
export interface FeedSink {
  /** History is about to be delivered from `position` (called once, before any {@link deliver}). */
  started(position: FeedPosition): void;
  /** One event and its serialised frame. */
  deliver(frame: string, event: RecordedEvent): void;
  /** The follower could not start; nothing more comes. */
  failed(error: FeedError): void;
}

/** Serialises an event of session `sessionId` into the frame clients receive. */
export type EventSerializer = (sessionId: string, event: RecordedEvent) => string;

/**
 * Delivers live events to many followers of a session at once (uWS topics): a follower {@link join}s once it is
 * live and {@link leave}s when it stops; {@link publish} reaches exactly the followers joined, once each. It must
 * not throw for one follower's sake.
 */
export interface LiveChannel<S extends FeedSink> {
  join(sessionId: string, sink: S): void;
  leave(sessionId: string, sink: S): void;
  /** Sends `frame` to every joined follower of `sessionId` (`sinks`: all of them, e.g. for backpressure checks). */
  publish(sessionId: string, frame: string, sinks: readonly S[]): void;
}

/**
 * Who may go on reading: before an event that can change it reaches anyone (live or from history), each follower of
 * the session is asked once, and one that {@link revoke} answers true for is stopped there: it gets neither that
 * event nor any later one. The check runs in the dispatch loop, so no event slips through in between.
 */
export interface FeedAccess<S extends FeedSink> {
  /** Whether `event` can take sight of its session from a follower (asked once per event; cheap). */
  changesAccess(event: RecordedEvent): boolean;
  /** Whether `sink` loses sight of session `sessionId` with `event`; true once it has been told and its handle stopped. */
  revoke(sessionId: string, event: RecordedEvent, sink: S): boolean;
}

/** How a feed fans out, beside its store and serializer. */
export interface FeedOptions<S extends FeedSink> {
  readonly budget?: FanOutBudget;
  readonly schedule?: Schedule;
  readonly now?: () => number;
  /** Publishes live events; without it each live follower's sink gets each event by its own call. */
  readonly channel?: LiveChannel<S>;
  /** Ends followers that lose sight of their session; without it every follower reads on. */
  readonly access?: FeedAccess<S>;
}

interface Follower<S extends FeedSink> {
  readonly sessionId: string;
  readonly sink: S;
  /** Live events held back while history is read; `null` once live. */
  buffer: RecordedEvent[] | null;
  /** Revision of the last event delivered (or known to be before the start). */
  last: bigint;
  stopped: boolean;
  /** On the {@link LiveChannel}. */
  joined: boolean;
}

/** A follower's handle. */
export interface FeedHandle {
  /** Stops delivery at once. Idempotent. */
  stop(): void;
}

/** The stream of session `sessionId`. */
export const sessionStream = (sessionId: string): string => `${STREAM_PREFIX.session}${sessionId}`;

/** Fans one store subscription out to the followers of each session. */
export class SessionFeed<S extends FeedSink = FeedSink> {
  readonly #followers = new Map<string, Set<Follower<S>>>();
  #subscription: Subscription | null = null;
  #position = 0n;
  #closed = false;
  #restartTimer: ReturnType<typeof setTimeout> | null = null;
  /** Live deliveries too large for one event-loop turn, sent in slices. */
  readonly #fanOut: SlicedFanOut<Follower<S>>;
  readonly #channel: LiveChannel<S> | undefined;
  readonly #access: FeedAccess<S> | undefined;
  #markStarted!: () => void;
  /** Settles on the first {@link start}: a follower reads its history only then, or an event could fall between. */
  readonly #started = new Promise<void>((resolve) => (this.#markStarted = resolve));

  constructor(
    private readonly store: EventStore,
    private readonly serialize: EventSerializer,
    private readonly onFault: (reason: string) => void = () => undefined,
    private readonly restartDelayMs = 500,
    options: FeedOptions<S> = {},
  ) {
    this.#fanOut = new SlicedFanOut((follower, frame, event) => this.#send(follower, frame, event), options.budget, options.schedule, options.now);
    this.#channel = options.channel;
    this.#access = options.access;
  }

  /** Starts the one store subscription after `fromPosition` (the head when the endpoint was mounted). */
  start(fromPosition: bigint): void {
    if (this.#closed || this.#subscription !== null) return;
    this.#position = fromPosition;
    this.#markStarted();
    const subscription = this.store.subscribe({ fromPosition, filter: { streamPrefix: STREAM_PREFIX.session } });
    this.#subscription = subscription;
    void this.#pump(subscription);
  }

  async #pump(subscription: Subscription): Promise<void> {
    try {
      for await (const event of subscription) {
        this.#position = event.position;
        this.#dispatch(event);
      }
    } catch (error) {
      this.onFault(`the store subscription failed: ${String(error)}`);
    }
    const ended = await subscription.ended;
    if (this.#closed || this.#subscription !== subscription) return;
    // The store ended the subscription under us: resume after the last event seen, so nobody misses one.
    this.onFault(`the store subscription ended${ended.isErr() ? `: ${formatStoreError(ended.error)}` : ''}; resuming`);
    this.#subscription = null;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      this.start(this.#position);
    }, this.restartDelayMs);
  }

  #dispatch(event: RecordedEvent): void {
    const followers = this.#followers.get(event.stream);
    if (followers === undefined) return;
    if (this.#access?.changesAccess(event) === true) for (const follower of [...followers]) this.#screen(follower, event);
    let live = 0;
    let sessionId = '';
    for (const follower of followers) {
      if (follower.buffer !== null) follower.buffer.push(event);
      else if (event.revision > follower.last) {
        live++;
        sessionId = follower.sessionId;
      }
    }
    if (live === 0) return;
    const frame = this.serialize(sessionId, event);
    if (this.#fanOut.fitsNow(event.stream, frame, live)) {
      if (this.#channel !== undefined) this.#publish(this.#channel, sessionId, followers, frame, event);
      else for (const follower of followers) if (follower.buffer === null) this.#send(follower, frame, event);
      return;
    }
    const targets: Follower<S>[] = [];
    for (const follower of followers) if (follower.buffer === null && event.revision > follower.last) targets.push(follower);
    this.#fanOut.enqueue(event.stream, frame, event, targets);
  }

  /** Publishes `frame` once to the joined followers; a live one that could not join gets its own send. */
  #publish(channel: LiveChannel<S>, sessionId: string, followers: ReadonlySet<Follower<S>>, frame: string, event: RecordedEvent): void {
    const sinks: S[] = [];
    for (const follower of followers) {
      if (follower.buffer !== null) continue;
      if (!follower.joined) this.#send(follower, frame, event);
      else if (event.revision > follower.last) {
        follower.last = event.revision;
        sinks.push(follower.sink);
      }
    }
    if (sinks.length === 0) return;
    try {
      channel.publish(sessionId, frame, sinks);
    } catch (error) {
      this.onFault(`publishing an event of session ${sessionId} failed: ${String(error)}`);
    }
  }

  /** Delivers `event` to `follower` unless it left or has it already; whether it did. A sink that throws is reported, never rethrown. */
  #send(follower: Follower<S>, frame: string, event: RecordedEvent): boolean {
    if (follower.stopped || event.revision <= follower.last) return false;
    follower.last = event.revision;
    try {
      follower.sink.deliver(frame, event);
    } catch (error) {
      // A bug in one follower's sink must not stop the others' events (nor, from a slice, the process).
      this.onFault(`a follower of session ${follower.sessionId} failed to take an event: ${String(error)}`);
    }
    return true;
  }

  /**
   * Follows session `sessionId` from `start`: registers at once (so no live event is missed), reads the head and
   * the history, tells the sink where it starts, delivers the history, then flushes buffered live events past it.
   */
  follow(sessionId: string, start: FeedStart, sink: S): FeedHandle {
    const stream = sessionStream(sessionId);
    const follower: Follower<S> = { sessionId, sink, buffer: [], last: -1n, stopped: false, joined: false };
    const handle: FeedHandle = { stop: () => this.#stop(follower) };
    if (this.#closed) {
      follower.stopped = true;
      queueMicrotask(() => sink.failed({ kind: 'FeedClosed' }));
      return handle;
    }
    let set = this.#followers.get(stream);
    if (set === undefined) this.#followers.set(stream, (set = new Set()));
    set.add(follower);
    void this.#catchUp(stream, start, follower).then((error) => {
      if (error === null) return;
      handle.stop();
      sink.failed(error);
    });
    return handle;
  }

  async #catchUp(stream: string, start: FeedStart, follower: Follower<S>): Promise<FeedError | null> {
    await this.#started;
    const screenFrom = this.#access === undefined ? undefined : start.screenFrom;
    const readFrom = start.kind === 'revision' ? (screenFrom !== undefined && screenFrom < start.revision ? screenFrom : start.revision) : screenFrom;
    const [head, history] = await Promise.all([
      this.store.readStream(stream, { direction: READ_DIRECTION.backwards, maxCount: 1 }),
      readFrom === undefined ? Promise.resolve(null) : this.store.readStream(stream, { from: readFrom }),
    ]);
    if (follower.stopped) return null;
    const unreadable = [head, history].find((read) => read !== null && read.isErr() && read.error.kind !== STORE_ERROR_KIND.StreamNotFound);
    if (unreadable !== undefined && unreadable !== null && unreadable.isErr()) return { kind: 'StoreUnreadable', reason: formatStoreError(unreadable.error) };
    const events = history !== null && history.isOk() ? history.value : [];
    const lastOf = (list: readonly RecordedEvent[]): bigint => list.reduce((top, event) => (event.revision > top ? event.revision : top), -1n);
    const headRevision = [lastOf(head.isOk() ? head.value : []), lastOf(events)].reduce((a, b) => (a > b ? a : b));
    const fromRevision = start.kind === 'revision' ? start.revision : headRevision + 1n;
    // Events between the access decision and the start are not delivered, but may still have revoked access.
    if (screenFrom !== undefined) for (const event of events) if (event.revision >= screenFrom && event.revision < fromRevision) this.#screen(follower, event);
    if (follower.stopped) return null;
    follower.last = fromRevision - 1n;
    follower.sink.started({ fromRevision, headRevision });
    for (const event of events) if (event.revision >= fromRevision) this.#deliverOnce(follower, event);
    const buffered = follower.buffer ?? [];
    follower.buffer = null;
    for (const event of buffered) this.#deliverOnce(follower, event);
    // Live from here: later events come through the channel, after everything sent above.
    if (this.#channel !== undefined && !follower.stopped) {
      try {
        this.#channel.join(follower.sessionId, follower.sink);
        follower.joined = true;
      } catch (error) {
        this.onFault(`a follower of session ${follower.sessionId} could not join its channel: ${String(error)}`);
      }
    }
    return null;
  }

  /** Stops delivery to `follower` at once: off the channel and out of its session's followers. Idempotent. */
  #stop(follower: Follower<S>): void {
    if (follower.stopped) return;
    follower.stopped = true;
    follower.buffer = null;
    if (follower.joined) {
      follower.joined = false;
      this.#leave(follower);
    }
    const stream = sessionStream(follower.sessionId);
    const set = this.#followers.get(stream);
    set?.delete(follower);
    if (set?.size === 0) this.#followers.delete(stream);
  }

  #leave(follower: Follower<S>): void {
    try {
      this.#channel?.leave(follower.sessionId, follower.sink);
    } catch (error) {
      this.onFault(`a follower of session ${follower.sessionId} could not leave its channel: ${String(error)}`);
    }
  }

  #deliverOnce(follower: Follower<S>, event: RecordedEvent): void {
    if (!follower.stopped && this.#access?.changesAccess(event) === true) this.#screen(follower, event);
    if (!follower.stopped && event.revision > follower.last) this.#send(follower, this.serialize(follower.sessionId, event), event);
  }

  /** Asks {@link FeedAccess.revoke} whether `follower` loses sight with `event`; one it ends is stopped (if the sink did not stop it). */
  #screen(follower: Follower<S>, event: RecordedEvent): void {
    if (follower.stopped || event.revision <= follower.last) return;
    let revoked: boolean;
    try {
      revoked = this.#access?.revoke(follower.sessionId, event, follower.sink) ?? false;
    } catch (error) {
      // Fail closed: a follower whose access cannot be decided reads no further.
      this.onFault(`deciding whether a follower of session ${follower.sessionId} may read on failed: ${String(error)}`);
      revoked = true;
    }
    if (revoked) this.#stop(follower);
  }

  /** Followers per session now. */
  followed(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [stream, set] of this.#followers) counts[stream.slice(STREAM_PREFIX.session.length)] = set.size;
    return counts;
  }

  /** Ends the store subscription and forgets every follower. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
    this.#markStarted();
    for (const set of this.#followers.values()) {
      for (const follower of set) {
        follower.stopped = true;
        if (follower.joined) this.#leave(follower);
        follower.joined = false;
      }
    }
    this.#followers.clear();
    this.#fanOut.clear();
    const subscription = this.#subscription;
    this.#subscription = null;
    await subscription?.close();
  }
}
