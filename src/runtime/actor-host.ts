/**
 * The actor host: creates persisted actors (first event `expectedRevision: 'no_stream'`, then the initial snapshot
 * and its entry actions), restores them from their streams (latest snapshot + tail, no side effects), and keeps at
 * most one live handle per stream per process so every send to an actor goes through one queue. Two hosts — two
 * processes, or two runtimes on one store in a test — coordinate only through the store's optimistic concurrency.
 */
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { AnyStateMachine, InputFrom } from 'xstate';
import { start } from '../../machines/index.js';
import { isWrongExpectedVersion, newEventId, type EventStore } from '../store/index.js';
import { streamOf, type ActorKind } from './actor-kind.js';
import { systemClock, systemTimers, type Clock, type Timers } from './clock.js';
import { encodeCreated, stateValueOf } from './codec.js';
import { HOST_DEFAULTS, HOST_FAULT_KIND } from './constants.js';
import type { EffectHandlers } from './effects.js';
import { actorExists, actorStopped, storeFailure, type RuntimeError } from './errors.js';
import type { Folded } from './fold.js';
import type { HostServices } from './host-services.js';
import { loadActor } from './load.js';
import { guarded, warnFault, type HostFault, type HostObserver } from './observer.js';
import { PersistedActor, type SendOptions } from './persisted-actor.js';

/** Options of {@link createActorHost}. */
export interface ActorHostOptions {
  readonly store: EventStore;
  /** Default: `Date.now()`. */
  readonly clock?: Clock;
  /** Default: `setTimeout`, looked up on each call (fake timers work). */
  readonly timers?: Timers;
  /** Store a snapshot after every this many events of a stream (default 100). */
  readonly snapshotEvery?: number;
  /** Reload-and-retry rounds after a concurrency conflict before `ActorConflict` (default 3). */
  readonly maxConflictRetries?: number;
  /** Delay before retrying a `TIMER_ELAPSED` that could not be stored (default 1 s). */
  readonly timerRetryMs?: number;
  /** Events per read when folding a stream (default 500). */
  readonly readPageSize?: number;
  /** Host-wide observers, e.g. `createInspectorHook(...)`. */
  readonly observers?: readonly HostObserver[];
  /** Failures after a durable append (effect threw, snapshot not stored ...); default: a process warning. */
  readonly onFault?: (fault: HostFault) => void;
}

/** Creating and loading actors of one kind, with that kind's side-effect implementations bound. */
export interface ActorRepository<TMachine extends AnyStateMachine> {
  /** Appends the stream's first event (fails with `ActorExists` if the stream exists), then starts the actor. */
  create(input: InputFrom<TMachine>, options?: SendOptions): ResultAsync<PersistedActor<TMachine>, RuntimeError>;
  /** The live handle of actor `id`, restoring it from its stream when this host does not hold it yet. */
  load(id: string): ResultAsync<PersistedActor<TMachine>, RuntimeError>;
}

/** A process's actor host. */
export interface ActorHost {
  /** Binds `kind` to its side-effect implementations; throws (a bug) when one of `kind.effectNames` is missing. */
  actors<TMachine extends AnyStateMachine, TEffects extends EffectHandlers<TMachine>>(
    kind: ActorKind<TMachine, TEffects>,
    effects: TEffects,
  ): ActorRepository<TMachine>;
  /** Streams of the live handles. */
  live(): readonly string[];
  /** Stops every handle (waiting for queued sends), clears timers, closes observers. Does not close the store. */
  close(): Promise<void>;
}

type AnyActor = PersistedActor<AnyStateMachine>;

/** Builds an actor host over `options.store`. */
export function createActorHost(options: ActorHostOptions): ActorHost {
  const services: HostServices = {
    store: options.store,
    clock: options.clock ?? systemClock,
    timers: options.timers ?? systemTimers,
    snapshotEvery: Math.max(1, options.snapshotEvery ?? HOST_DEFAULTS.snapshotEvery),
    maxConflictRetries: Math.max(0, options.maxConflictRetries ?? HOST_DEFAULTS.maxConflictRetries),
    timerRetryMs: options.timerRetryMs ?? HOST_DEFAULTS.timerRetryMs,
    readPageSize: options.readPageSize ?? HOST_DEFAULTS.readPageSize,
    observers: options.observers ?? [],
    report: options.onFault ?? warnFault,
  };
  const live = new Map<string, AnyActor>();
  /** Creates and loads in flight, so a concurrent load of the same stream waits instead of building a second handle. */
  const opening = new Map<string, Promise<unknown>>();
  let closed = false;

  const track = <T>(stream: string, opened: ResultAsync<T, RuntimeError>): ResultAsync<T, RuntimeError> => {
    const pending: Promise<unknown> = Promise.resolve(opened).finally(() => {
      if (opening.get(stream) === pending) opening.delete(stream);
    });
    opening.set(stream, pending);
    return new ResultAsync(pending as Promise<Awaited<typeof opened>>);
  };

  function host<TMachine extends AnyStateMachine>(
    kind: ActorKind<TMachine>,
    effects: EffectHandlers<TMachine>,
    id: string,
    folded: Folded<TMachine>,
  ): PersistedActor<TMachine> {
    const stream = streamOf(kind, id);
    const actor: PersistedActor<TMachine> = new PersistedActor({
      kind,
      id,
      stream,
      folded,
      effects,
      services,
      onStop: () => {
        if (live.get(stream) === (actor as unknown as AnyActor)) live.delete(stream);
        for (const observer of services.observers) {
          guarded(stream, services.report, () => observer.actorStopped?.({ stream, kind: kind as ActorKind }));
        }
      },
    });
    live.set(stream, actor as unknown as AnyActor);
    return actor;
  }

  function create<TMachine extends AnyStateMachine>(
    kind: ActorKind<TMachine>,
    effects: EffectHandlers<TMachine>,
    input: InputFrom<TMachine>,
    options: SendOptions,
  ): ResultAsync<PersistedActor<TMachine>, RuntimeError> {
    const id = kind.idOf(input);
    const stream = streamOf(kind, id);
    if (closed) return errAsync(actorStopped(stream));
    if (live.has(stream)) return errAsync(actorExists(stream));
    const started = start(kind.machine, input);
    const eventId = options.eventId ?? newEventId();
    const correlationId = options.correlationId ?? eventId;
    const at = (input as { at?: unknown }).at;
    const metadata = {
      from: null,
      to: stateValueOf(started.snapshot),
      causationId: options.causationId ?? null,
      correlationId,
      at: typeof at === 'number' ? at : services.clock.now(),
    };
    const first = encodeCreated(kind, eventId, input, metadata);
    const created = services.store
      .append(stream, [first], { expectedRevision: 'no_stream' })
      .mapErr((error): RuntimeError => (isWrongExpectedVersion(error) ? actorExists(stream) : storeFailure(error)))
      .map(({ nextExpectedRevision }) => {
        const actor = host(kind, effects, id, { snapshot: started.snapshot, revision: nextExpectedRevision });
        actor.begin({ actions: started.actions, eventId, correlationId });
        return actor;
      });
    return track(stream, created);
  }

  function load<TMachine extends AnyStateMachine>(
    kind: ActorKind<TMachine>,
    effects: EffectHandlers<TMachine>,
    id: string,
  ): ResultAsync<PersistedActor<TMachine>, RuntimeError> {
    const stream = streamOf(kind, id);
    if (closed) return errAsync(actorStopped(stream));
    const existing = live.get(stream);
    if (existing !== undefined) return okAsync(existing as unknown as PersistedActor<TMachine>);
    const pending = opening.get(stream);
    if (pending !== undefined) return new ResultAsync(pending.then(() => load(kind, effects, id)));
    const loaded = loadActor(services.store, kind, stream, {
      pageSize: services.readPageSize,
      onDrift: ({ recorded }) => services.report({ kind: HOST_FAULT_KIND.ReplayDrift, stream, revision: recorded.revision, type: recorded.type }),
    }).map((folded) => {
      const actor = host(kind, effects, id, folded);
      actor.begin(null);
      return actor;
    });
    return track(stream, loaded);
  }

  return {
    actors(kind, effects) {
      if (!kind.implementsEffects(effects)) {
        const missing = kind.effectNames.filter((name) => typeof effects[name] !== 'function');
        throw new Error(`actor host: no implementation for ${kind.name} effects ${missing.join(', ')}`);
      }
      return {
        create: (input, sendOptions = {}) => create(kind, effects, input, sendOptions),
        load: (id) => load(kind, effects, id),
      };
    },
    live: () => [...live.keys()],
    async close() {
      closed = true;
      await Promise.allSettled([...opening.values()]);
      await Promise.all([...live.values()].map((actor) => actor.stop()));
      for (const observer of services.observers) guarded('*', services.report, () => observer.close?.());
    },
  };
}
