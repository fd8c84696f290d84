/**
 * Folding stored events into a machine snapshot with the pure `start`/`step`: how the host restores an actor,
 * catches up after another writer committed, and how operators replay a stream. No side effects run here; the
 * actions `step` returns are dropped. A recorded outcome (`TurnAborted`) is no machine input: it leaves the
 * snapshot as it is and only counts its revision.
 */
import { err, ok, type Result } from 'neverthrow';
import type { AnyStateMachine, EventFromLogic, SnapshotFrom } from 'xstate';
import { start, step } from '../../machines/index.js';
import type { RecordedEvent } from '../store/index.js';
import { isOutcomeType, type ActorKind } from './actor-kind.js';
import { decodeEvent, decodeInput } from './codec.js';
import type { RuntimeError } from './errors.js';

/** An actor's snapshot and the revision of the last stream event folded into it. */
export interface Folded<TMachine extends AnyStateMachine> {
  readonly snapshot: SnapshotFrom<TMachine>;
  readonly revision: bigint;
}

/** One stored event applied: the snapshots around it, the decoded event, and whether the machine accepted it. */
export interface FoldStep<TMachine extends AnyStateMachine> {
  readonly recorded: RecordedEvent;
  /** `null` for the stream's first event (the input) and for a recorded outcome. */
  readonly event: EventFromLogic<TMachine> | null;
  readonly before: SnapshotFrom<TMachine> | null;
  readonly after: SnapshotFrom<TMachine>;
  /**
   * False when today's machine ignores an event that was stored as accepted: the machine changed since the
   * stream was written (drift). The revision still counts; the snapshot stays as it was.
   */
  readonly accepted: boolean;
  /** True for a recorded outcome of the event before it (`TurnAborted`): `after` is `before`. */
  readonly outcome: boolean;
}

/** Applies one stored event to `snapshot` (`null`: `recorded` must be the stream's first event). */
export function foldOne<TMachine extends AnyStateMachine>(
  kind: ActorKind<TMachine>,
  snapshot: SnapshotFrom<TMachine> | null,
  recorded: RecordedEvent,
): Result<FoldStep<TMachine>, RuntimeError> {
  if (snapshot === null) {
    return decodeInput(kind, recorded).map((input) => ({
      recorded,
      event: null,
      before: null,
      after: start(kind.machine, input).snapshot,
      accepted: true,
      outcome: false,
    }));
  }
  if (isOutcomeType(kind, recorded.type)) return ok({ recorded, event: null, before: snapshot, after: snapshot, accepted: true, outcome: true });
  return decodeEvent(kind, recorded).map((event) => {
    const next = step(kind.machine, snapshot, event);
    return { recorded, event, before: snapshot, after: next.snapshot, accepted: next.accepted, outcome: false };
  });
}

/**
 * Folds `events` (consecutive, oldest first) over `from` (`null`: they start with the stream's first event).
 * `onDrift` hears of every stored event the machine no longer accepts.
 */
export function foldEvents<TMachine extends AnyStateMachine>(
  kind: ActorKind<TMachine>,
  from: Folded<TMachine> | null,
  events: readonly RecordedEvent[],
  onDrift?: (step: FoldStep<TMachine>) => void,
): Result<Folded<TMachine> | null, RuntimeError> {
  let state = from;
  for (const recorded of events) {
    const applied = foldOne(kind, state?.snapshot ?? null, recorded);
    if (applied.isErr()) return err(applied.error);
    if (!applied.value.accepted) onDrift?.(applied.value);
    state = { snapshot: applied.value.after, revision: recorded.revision };
  }
  return ok(state);
}
