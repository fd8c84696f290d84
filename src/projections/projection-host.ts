/**
 * The live host of the store projections: on `start()` it reads the log in `readAll` pages, folding every event
 * into every projection, reports `ready()` once it has folded up to the head position it saw at start, then
 * subscribes from there and goes on folding live events until `close()`. Reads (`state`, `position`) are
 * synchronous, so the REST routes never wait on the store.
 *
 * With `checkpoints`, each versioned projection starts from its saved checkpoint (see `checkpoint.ts`) when the
 * store has a usable one, so only the tail of the log is read; a refused checkpoint is reported with its reason and
 * that projection folds from 0 (the others skip events they already hold). Checkpoints are written a few seconds
 * after a catch-up that folded from 0 or many events, then at most every `intervalMs` while events arrive (sooner after
 * `everyEvents`, never within `minGapMs` of the last), and at `close()`; never on the path of an append.
 */
import { ok, err, ResultAsync, type Result } from 'neverthrow';
import type { Projection } from '../../projections/index.js';
import { storeUnavailable, type EventStore, type RecordedEvent, type StoreError, type Subscription } from '../store/index.js';
import { checkpointName, encodeCheckpoint, loadCheckpoint, type CheckpointRefusal, type ProjectionCheckpoint } from './checkpoint.js';
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

/** When the host saves and whether it uses checkpoints (see the module comment). */
export interface CheckpointOptions {
  /** Write at most this often while events arrive (default {@link PROJECTION_HOST_DEFAULTS}). */
  readonly intervalMs?: number;
  /** Write sooner once this many events were folded since the last write. */
  readonly everyEvents?: number;
  /** ... but never within this long of the last write (a write encodes every state on the event loop). */
  readonly minGapMs?: number;
  /** Ignore the saved checkpoints and fold the whole log (then save new ones). */
  readonly refold?: boolean;
}

/** What the host tells about its checkpoints, for the log. */
export type CheckpointNote =
  | { readonly kind: 'restored'; readonly projection: string; readonly position: bigint }
  | { readonly kind: 'refused'; readonly projection: string; readonly refusal: CheckpointRefusal }
  | { readonly kind: 'written'; readonly position: bigint; readonly bytes: number; readonly encodeMs: number }
  | { readonly kind: 'writeFailed'; readonly position: bigint; readonly error: StoreError };

/** Options of {@link createProjectionHost}. */
export interface ProjectionHostOptions<TSet extends ProjectionSet> {
  readonly projections: TSet;
  /** Events per `readAll` page while catching up (default {@link PROJECTION_HOST_DEFAULTS}). */
  readonly pageSize?: number;
  /** Start from and save checkpoints of the versioned projections; absent = always fold from 0, save nothing. */
  readonly checkpoints?: CheckpointOptions;
  /** Hears about checkpoints restored, refused and written. */
  readonly onCheckpoint?: (note: CheckpointNote) => void;
}

/** Defaults of {@link createProjectionHost}'s options. */
export const PROJECTION_HOST_DEFAULTS = {
  pageSize: 500,
  checkpointIntervalMs: 60_000,
  checkpointEveryEvents: 200_000,
  checkpointMinGapMs: 10_000,
} as const;

/** A running set of projections over one store. */
export interface ProjectionHost<TSet extends ProjectionSet> {
  /** Starts folding (from the checkpoints, or position 0); settles like {@link ProjectionHost.ready}. Calling it again returns the same outcome. */
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
  /** Saves a checkpoint of every versioned projection now (when checkpoints are on and anything was folded since the last). */
  checkpoint(): Promise<void>;
  /** Stops folding (the states stay readable), then saves a last checkpoint. Idempotent. */
  close(): Promise<void>;
}

/** A catch-up that folded this many events is saved soon after ready ({@link SAVE_AFTER_START_MS}). */
const LONG_CATCH_UP = 10_000;
const SAVE_AFTER_START_MS = 5_000;

/** Creates a host for `options.projections` over `store`; nothing is read before `start()`. */
export function createProjectionHost<TSet extends ProjectionSet>(store: EventStore, options: ProjectionHostOptions<TSet>): ProjectionHost<TSet> {
  const projections = Object.entries(options.projections);
  const pageSize = options.pageSize ?? PROJECTION_HOST_DEFAULTS.pageSize;
  const saving = options.checkpoints;
  const intervalMs = saving?.intervalMs ?? PROJECTION_HOST_DEFAULTS.checkpointIntervalMs;
  const everyEvents = saving?.everyEvents ?? PROJECTION_HOST_DEFAULTS.checkpointEveryEvents;
  const minGapMs = saving?.minGapMs ?? PROJECTION_HOST_DEFAULTS.checkpointMinGapMs;
  const note = (checkpointNote: CheckpointNote): void => options.onCheckpoint?.(checkpointNote);
  const states = new Map<string, unknown>(projections.map(([name, projection]) => [name, projection.initial()]));
  /** Per projection, the position its state already holds (its checkpoint's): events up to it are not folded again. */
  const heldTo = new Map<string, bigint>();
  const updateListeners = new Set<(update: ProjectionUpdate) => void>();
  const errorListeners = new Set<(error: ProjectionHostError) => void>();
  let position = 0n;
  /** The last folded event's id and the position before it: what a checkpoint at `position` names. */
  let lastEventId = '';
  let previous = 0n;
  /** Events folded since the last checkpoint, and when it was written. */
  let unsaved = 0;
  let savedAt = Date.now();
  let pendingWrite: Promise<void> | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
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

  /** Encodes every versioned projection's state at the current position and stores it; one write at a time. */
  const writeCheckpoints = (): Promise<void> => {
    if (saving === undefined || unsaved === 0 || position === 0n) return pendingWrite ?? Promise.resolve();
    if (pendingWrite !== null) return pendingWrite;
    const at = { position, eventId: lastEventId, previous };
    const started = performance.now();
    const encoded = projections.flatMap(([name, projection]) =>
      projection.version === undefined ? [] : [{ name, stored: encodeCheckpoint({ version: projection.version, ...at, state: states.get(name) }) }],
    );
    const encodeMs = performance.now() - started;
    const bytes = encoded.reduce((sum, { stored }) => sum + stored.body.length, 0);
    const covered = unsaved;
    unsaved = 0;
    savedAt = Date.now();
    pendingWrite = (async () => {
      for (const { name, stored } of encoded) {
        const written = await store.writeCheckpoint(checkpointName(name), stored);
        if (written.isErr()) {
          unsaved += covered;
          note({ kind: 'writeFailed', position: at.position, error: written.error });
          return;
        }
      }
      note({ kind: 'written', position: at.position, bytes, encodeMs });
    })().finally(() => {
      pendingWrite = null;
    });
    return pendingWrite;
  };

  /** Writes soon (off the fold, on a later turn) when enough events were folded and the last write is old enough. */
  const maybeSave = (): void => {
    if (saving === undefined || unsaved < everyEvents || pendingWrite !== null || Date.now() - savedAt < minGapMs) return;
    setImmediate(() => void writeCheckpoints());
  };

  const fold = (event: RecordedEvent): void => {
    const changed: string[] = [];
    for (const [name, projection] of projections) {
      const held = heldTo.get(name);
      if (held !== undefined && event.position <= held) continue;
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
    previous = position;
    position = event.position;
    lastEventId = event.id;
    unsaved += 1;
    const update: ProjectionUpdate = { position, event, changed, caughtUp };
    for (const listener of updateListeners) {
      try {
        listener(update);
      } catch (cause) {
        report({ kind: PROJECTION_HOST_ERROR_KIND.ListenerFailed, cause });
      }
    }
    if (caughtUp) maybeSave();
  };

  const finish = (result: Result<void, ProjectionHostError>): void => {
    if (result.isErr()) report(result.error);
    settleReady(err(result.isErr() ? result.error : hostClosed()));
    settleEnded(result);
  };

  /**
   * Restores each versioned projection from its usable checkpoint and moves the catch-up's start to the lowest
   * position they hold, or leaves it at 0 when any projection has none (then the restored ones skip the events
   * their checkpoints hold, as do those ahead of the lowest). Returns whether every projection was restored.
   */
  const restore = async (): Promise<boolean> => {
    if (saving === undefined || saving.refold === true || projections.length === 0) return false;
    const restored = await Promise.all(
      projections.map(async ([name, projection]) => {
        const loaded = await loadCheckpoint(store, projection);
        if (loaded.isErr()) note({ kind: 'refused', projection: name, refusal: loaded.error });
        return { name, checkpoint: loaded.isOk() ? loaded.value : null };
      }),
    );
    const all = restored.every(({ checkpoint }) => checkpoint !== null);
    let lowest: ProjectionCheckpoint | null = null;
    for (const { checkpoint } of restored) if (all && checkpoint !== null && (lowest === null || checkpoint.position < lowest.position)) lowest = checkpoint;
    if (lowest !== null) {
      position = lowest.position;
      lastEventId = lowest.eventId;
      previous = lowest.previous;
    }
    for (const { name, checkpoint } of restored) {
      if (checkpoint === null) continue;
      states.set(name, checkpoint.state);
      if (checkpoint.position > position) heldTo.set(name, checkpoint.position);
      note({ kind: 'restored', projection: name, position: checkpoint.position });
    }
    return all;
  };

  /** Folds `readAll` pages from the start position until the head seen at start (or a short page: the head may be an event no reader sees). */
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
    const restoredAll = await restore();
    unsaved = 0;
    const caught = await catchUp(head.value);
    if (caught.isErr()) return finish(caught);
    if (closed) return finish(ok(undefined));
    caughtUp = true;
    settleReady(ok(position));
    if (saving !== undefined) {
      // A fold from 0 or a long tail is saved soon, so a crash does not fold it again; not at once: the server is
      // still opening the pool and starting to listen, and encoding the states would delay that.
      if (unsaved > 0 && (!restoredAll || unsaved >= LONG_CATCH_UP)) setTimeout(() => void writeCheckpoints(), SAVE_AFTER_START_MS).unref();
      timer = setInterval(() => {
        if (unsaved > 0 && Date.now() - savedAt >= minGapMs) void writeCheckpoints();
      }, intervalMs);
      timer.unref();
    }
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
    checkpoint: () => (caughtUp ? writeCheckpoints() : Promise.resolve()),
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== null) clearInterval(timer);
      if (subscription === null) finish(ok(undefined));
      else await subscription.close();
      await endedPromise;
      if (caughtUp) {
        await pendingWrite;
        await writeCheckpoints();
      }
    },
  };
}
