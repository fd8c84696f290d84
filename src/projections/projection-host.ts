/**
 * The live host of the store projections: on `start()` it reads the whole log from position 0 in `readAll` pages,
 * folding every event into every projection, reports `ready()` once it has folded up to the head position it saw
 * at start, then subscribes from there and goes on folding live events until `close()`. Reads (`state`, `position`) are synchronous, so the
 * REST routes never wait on the store.
 */
import { ok, err, ResultAsync, type Result } from 'neverthrow';
import type { Projection } from '../../projections/index.js';
import { storeUnavailable, type EventStore, type RecordedEvent, type Subscription } from '../store/index.js';
import { hostClosed, PROJECTION_HOST_ERROR_KIND, storeFailed, type ProjectionHostError } from './errors.js';

/** Projections keyed by name. */
export type ProjectionSet = { readonly [name: string]: Projection<unknown> };

/** The state type of one projection. */
export type StateOf<TProjection> = TProjection extends Projection<infer TState> ? TState : never;

/** What `onUpdate` listeners hear after each folded event. */
export interface ProjectionUpdate {
  readonly position: bigint;
  readonly event: RecordedEvent;
  /** Names of the projections whose state changed with this event (may be empty). */
  readonly changed: readonly string[];
  /** Whether the host has reached the head it saw at start. */
  readonly caughtUp: boolean;
}

/** Options of {@link createProjectionHost}. */
export interface ProjectionHostOptions<TSet extends ProjectionSet> {
  readonly projections: TSet;
  /** Events per `readAll` page while catching up (default {@link PROJECTION_HOST_DEFAULTS}). */
  readonly pageSize?: number;
}

/** Defaults of {@link createProjectionHost}'s options. */
export const PROJECTION_HOST_DEFAULTS = {
  pageSize: 500,
} as const;

/** A running set of projections over one store. */
export interface ProjectionHost<TSet extends ProjectionSet> {
  /** Starts folding from position 0; settles like {@link ProjectionHost.ready}. Calling it again returns the same outcome. */
  start(): ResultAsync<bigint, ProjectionHostError>;
  /** Settles once the host has folded up to the head position captured at start (with the position reached), or failed before. */
  ready(): ResultAsync<bigint, ProjectionHostError>;
  /** The current state of projection `name`. */
  state<TName extends keyof TSet & string>(name: TName): StateOf<TSet[TName]>;
  /** Global position of the last folded event; `0n` before the first. */
  readonly position: bigint;
  /** Whether the host has reached the head it saw at start. */
  readonly caughtUp: boolean;
  /** Calls `listener` after every folded event; returns the unsubscribe function. */
  onUpdate(listener: (update: ProjectionUpdate) => void): () => void;
  /** Calls `listener` for failures that do not stop the host (a fold or listener threw) and for the one that does. */
  onError(listener: (error: ProjectionHostError) => void): () => void;
  /** Settles when folding stops: `ok` after `close()`, `err` when the store failed or closed under the host. */
  readonly ended: ResultAsync<void, ProjectionHostError>;
  /** Stops folding (the states stay readable). Idempotent. */
  close(): Promise<void>;
}

/** Creates a host for `options.projections` over `store`; nothing is read before `start()`. */
export function createProjectionHost<TSet extends ProjectionSet>(store: EventStore, options: ProjectionHostOptions<TSet>): ProjectionHost<TSet> {
  const projections = Object.entries(options.projections);
  const pageSize = options.pageSize ?? PROJECTION_HOST_DEFAULTS.pageSize;
  const states = new Map<string, unknown>(projections.map(([name, projection]) => [name, projection.initial()]));
  const updateListeners = new Set<(update: ProjectionUpdate) => void>();
  const errorListeners = new Set<(error: ProjectionHostError) => void>();
  let position = 0n;
  let caughtUp = false;
  let closed = false;
  let started: ResultAsync<bigint, ProjectionHostError> | null = null;
  let subscription: Subscription | null = null;

  let settleReady!: (result: Result<bigint, ProjectionHostError>) => void;
  const readyPromise = new Promise<Result<bigint, ProjectionHostError>>((resolve) => {
    settleReady = resolve;
  });
  let settleEnded!: (result: Result<void, ProjectionHostError>) => void;
  const endedPromise = new Promise<Result<void, ProjectionHostError>>((resolve) => {
    settleEnded = resolve;
  });

  const report = (error: ProjectionHostError): void => {
    for (const listener of errorListeners) {
      try {
        listener(error);
      } catch {
        // An error listener that throws has nobody left to tell.
      }
    }
  };

  const fold = (event: RecordedEvent): void => {
    const changed: string[] = [];
    for (const [name, projection] of projections) {
      const before = states.get(name);
      try {
        const after = projection.apply(before, event);
        if (after !== before) {
          states.set(name, after);
          changed.push(name);
        }
      } catch (cause) {
        report({ kind: PROJECTION_HOST_ERROR_KIND.ProjectionFailed, projection: name, stream: event.stream, revision: event.revision, cause });
      }
    }
    position = event.position;
    const update: ProjectionUpdate = { position, event, changed, caughtUp };
    for (const listener of updateListeners) {
      try {
        listener(update);
      } catch (cause) {
        report({ kind: PROJECTION_HOST_ERROR_KIND.ListenerFailed, cause });
      }
    }
  };

  const finish = (result: Result<void, ProjectionHostError>): void => {
    if (result.isErr()) report(result.error);
    settleReady(err(result.isErr() ? result.error : hostClosed()));
    settleEnded(result);
  };

  /** Folds `readAll` pages from position 0 until the head seen at start (or a short page: the head may be an event no reader sees). */
  const catchUp = async (head: bigint): Promise<Result<void, ProjectionHostError>> => {
    for (;;) {
      if (closed) return ok(undefined);
      const page = await store.readAll({ fromPosition: position, maxCount: pageSize });
      if (page.isErr()) return err(storeFailed(page.error));
      for (const event of page.value) fold(event);
      if (page.value.length < pageSize || position >= head) return ok(undefined);
    }
  };

  const follow = async (live: Subscription): Promise<void> => {
    try {
      for await (const event of live) fold(event);
    } catch (cause) {
      finish(err(storeFailed(storeUnavailable('the subscription failed while iterating', cause))));
      return;
    }
    const ended = await live.ended;
    if (ended.isErr()) finish(err(storeFailed(ended.error)));
    else finish(closed ? ok(undefined) : err(hostClosed()));
  };

  const run = async (): Promise<void> => {
    const head = await store.headPosition();
    if (head.isErr()) return finish(err(storeFailed(head.error)));
    const caught = await catchUp(head.value);
    if (caught.isErr()) return finish(caught);
    if (closed) return finish(ok(undefined));
    caughtUp = true;
    settleReady(ok(position));
    subscription = store.subscribe({ fromPosition: position });
    await follow(subscription);
  };

  const start = (): ResultAsync<bigint, ProjectionHostError> => {
    if (started !== null) return started;
    if (closed) return new ResultAsync(Promise.resolve(err(hostClosed())));
    started = new ResultAsync(readyPromise);
    void run();
    return started;
  };

  return {
    start,
    ready: () => new ResultAsync(readyPromise),
    state: (name) => states.get(name) as StateOf<TSet[typeof name]>,
    get position() {
      return position;
    },
    get caughtUp() {
      return caughtUp;
    },
    onUpdate(listener) {
      updateListeners.add(listener);
      return () => void updateListeners.delete(listener);
    },
    onError(listener) {
      errorListeners.add(listener);
      return () => void errorListeners.delete(listener);
    },
    ended: new ResultAsync(endedPromise),
    async close() {
      if (closed) return;
      closed = true;
      if (subscription === null) finish(ok(undefined));
      else await subscription.close();
      await endedPromise;
    },
  };
}
