/**
 * Rebuilding an actor from the store: the latest snapshot, if it still matches its stream (the event it covers
 * has the id it recorded), plus the events after it; otherwise the whole stream from its first event. Pure
 * folding through `step`: nothing is performed.
 */
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { AnyStateMachine } from 'xstate';
import type { EventStore, RecordedEvent } from '../store/index.js';
import type { ActorKind } from './actor-kind.js';
import { actorNotFound, type RuntimeError } from './errors.js';
import { foldEvents, type Folded, type FoldStep } from './fold.js';
import { readForwards } from './read-stream.js';
import { readSnapshot } from './snapshots.js';
import { toResultAsync } from './results.js';

/** Options of {@link loadActor}. */
export interface LoadOptions<TMachine extends AnyStateMachine> {
  readonly pageSize?: number;
  /** Hears of stored events today's machine no longer accepts. */
  readonly onDrift?: (step: FoldStep<TMachine>) => void;
}

/** The current snapshot and revision of the actor in `stream`; `ActorNotFound` when the stream has no events. */
export function loadActor<TMachine extends AnyStateMachine>(
  store: EventStore,
  kind: ActorKind<TMachine>,
  stream: string,
  options: LoadOptions<TMachine> = {},
): ResultAsync<Folded<TMachine>, RuntimeError> {
  const read = (from: bigint) => readForwards(store, stream, { from, ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }) });
  const fold = (from: Folded<TMachine> | null, events: readonly RecordedEvent[]) =>
    toResultAsync(foldEvents(kind, from, events, options.onDrift)).andThen((folded) =>
      folded === null ? errAsync(actorNotFound(stream)) : okAsync(folded),
    );
  const fromStart = () => read(0n).andThen((events) => fold(null, events));
  return readSnapshot(store, kind, stream).andThen((stored) => {
    if (stored === null) return fromStart();
    return read(stored.revision).andThen((events) => {
      const covered = events[0];
      if (covered === undefined || covered.revision !== stored.revision || covered.id !== stored.eventId) return fromStart();
      return fold({ snapshot: stored.snapshot, revision: stored.revision }, events.slice(1));
    });
  });
}
