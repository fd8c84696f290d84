/**
 * Replay for operators: folds one actor stream from its first event with the pure machine and says, per event,
 * what state it moved from and to and what it changed in the context — or what the actor looked like as of one
 * revision. The machine is chosen by the stream's prefix and the input read from the first event. Nothing is
 * performed (no process, no send); the same function backs the `replay` command and, later, an HTTP endpoint.
 */
import { err, errAsync, ok, type Result, type ResultAsync } from 'neverthrow';
import type { AnyStateMachine, SnapshotFrom, StateValue } from 'xstate';
import type { EventStore, RecordedEvent } from '../store/index.js';
import type { ActorKind } from './actor-kind.js';
import { recordedAt } from './codec.js';
import { diffJson, type ContextChange } from './context-diff.js';
import { actorNotFound, revisionNotFound, type RuntimeError } from './errors.js';
import { foldOne, type FoldStep } from './fold.js';
import { actorKindOf } from './kinds.js';
import { readForwards } from './read-stream.js';
import { toResultAsync } from './results.js';

/** What one stored event did. */
export interface ReplayEntry {
  readonly revision: bigint;
  readonly eventId: string;
  /** Persisted type (`AgentSpawned`). */
  readonly type: string;
  /** When it happened (epoch ms), from its metadata or its data; `null` if neither says. */
  readonly at: number | null;
  /** State value before it; `null` for the stream's first event. */
  readonly from: StateValue | null;
  readonly to: StateValue;
  /** False when today's machine ignores this stored event (the machine changed since it was written). */
  readonly accepted: boolean;
  readonly changes: readonly ContextChange[];
}

/** The actor as of one revision. */
export interface ReplayState {
  readonly revision: bigint;
  readonly value: StateValue;
  /** `active`, or `done` once the machine reached a final state. */
  readonly status: string;
  readonly context: unknown;
}

/** A replayed stream: which machine folded it, every event up to the requested revision, and the state there. */
export interface StreamReplay {
  readonly stream: string;
  readonly machine: string;
  readonly entries: readonly ReplayEntry[];
  readonly state: ReplayState;
}

/** Options of {@link replayStream}. */
export interface ReplayStreamOptions {
  /** Stop after this revision (inclusive); default: the end of the stream. */
  readonly at?: bigint;
}

interface Observed {
  value: StateValue;
  status: string;
  context: unknown;
}

const observe = (snapshot: unknown): Observed => snapshot as Observed;

/**
 * The pure fold behind {@link replayStream}: `events` are a stream's events from its first one, oldest first.
 * `StreamCorrupt` when one cannot be read back as an event of `kind`'s machine.
 */
export function replayEvents(kind: ActorKind, stream: string, events: readonly RecordedEvent[]): Result<StreamReplay, RuntimeError> {
  const entries: ReplayEntry[] = [];
  let snapshot: SnapshotFrom<AnyStateMachine> | null = null;
  for (const recorded of events) {
    const applied: Result<FoldStep<AnyStateMachine>, RuntimeError> = foldOne(kind, snapshot, recorded);
    if (applied.isErr()) return err(applied.error);
    const { before, after, accepted }: FoldStep<AnyStateMachine> = applied.value;
    const previous = before === null ? null : observe(before);
    const next = observe(after);
    entries.push({
      revision: recorded.revision,
      eventId: recorded.id,
      type: recorded.type,
      at: recordedAt(recorded),
      from: previous?.value ?? null,
      to: next.value,
      accepted,
      changes: diffJson(previous?.context ?? {}, next.context),
    });
    snapshot = after;
  }
  const last = events.at(-1);
  if (snapshot === null || last === undefined) return err(actorNotFound(stream));
  const { value, status, context } = observe(snapshot);
  return ok({ stream, machine: kind.name, entries, state: { revision: last.revision, value, status, context } });
}

/** Replays `stream` (see the module comment); `UnknownActorKind`, `ActorNotFound`, `RevisionNotFound` or `StreamCorrupt` otherwise. */
export function replayStream(store: EventStore, stream: string, options: ReplayStreamOptions = {}): ResultAsync<StreamReplay, RuntimeError> {
  const { at } = options;
  return toResultAsync(actorKindOf(stream)).andThen((kind) =>
    readForwards(store, stream, { from: 0n, ...(at === undefined ? {} : { until: at }) }).andThen((events) => {
      const last = events.at(-1)?.revision ?? -1n;
      if (at !== undefined && last >= 0n && last < at) return errAsync(revisionNotFound(stream, at, last));
      return toResultAsync(replayEvents(kind, stream, events));
    }),
  );
}
