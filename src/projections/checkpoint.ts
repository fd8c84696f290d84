/**
 * Projection checkpoints: a projection's state saved with the log position it was folded to, so that a start
 * folds only the tail of the log. One checkpoint per projection, kept by the store beside the log
 * (`EventStore.writeCheckpoint`, name `projection-<name>`). The body is JSON: an envelope format, the projection's
 * `version`, the position of the event before the checkpoint's, and the state (fold states are plain JSON).
 *
 * A checkpoint is used only when all of these hold, else it is refused with a reason and the projection folds
 * from position 0: the envelope format and the projection's version are this build's; the body parses; and the
 * log still holds, at the checkpoint's position, the event the checkpoint names (read as the first event after the
 * position before it). A store that was replaced, truncated or rewritten fails that last check.
 */
import { err, ok, okAsync, type Result, type ResultAsync } from 'neverthrow';
import type { Projection } from '../../projections/index.js';
import { formatStoreError, type EventStore, type StoredCheckpoint } from '../store/index.js';

/** Version of the envelope around the state (not of any projection's state). */
export const CHECKPOINT_FORMAT = 1;

/** The store's name for projection `name`'s checkpoint. */
export const checkpointName = (projection: string): string => `projection-${projection}`;

/** A projection's state at a log position. */
export interface ProjectionCheckpoint<TState = unknown> {
  /** The projection's `version` when it was written. */
  readonly version: number;
  /** Position of the last event folded in. */
  readonly position: bigint;
  /** Id of that event. */
  readonly eventId: string;
  /** Position of the event before it in the log (`0n` when it was the first): reading after it finds the event. */
  readonly previous: bigint;
  readonly state: TState;
}

/** Why a saved checkpoint was not used (the projection then folds from position 0). */
export interface CheckpointRefusal {
  readonly reason: 'format' | 'version' | 'malformed' | 'moved' | 'unreadable';
  readonly detail: string;
}

interface Envelope {
  readonly format: number;
  readonly version: number;
  readonly previous: string;
  readonly state: unknown;
}

/** The stored form of `checkpoint`. */
export function encodeCheckpoint(checkpoint: ProjectionCheckpoint): StoredCheckpoint {
  const envelope: Envelope = { format: CHECKPOINT_FORMAT, version: checkpoint.version, previous: checkpoint.previous.toString(), state: checkpoint.state };
  return { position: checkpoint.position, eventId: checkpoint.eventId, body: JSON.stringify(envelope) };
}

const refuse = (reason: CheckpointRefusal['reason'], detail: string): CheckpointRefusal => ({ reason, detail });

/** Reads a stored checkpoint back for a projection at `version`; refuses another format or version, or a body that does not parse. */
export function decodeCheckpoint(stored: StoredCheckpoint, version: number): Result<ProjectionCheckpoint, CheckpointRefusal> {
  let envelope: Partial<Envelope>;
  try {
    envelope = JSON.parse(stored.body) as Partial<Envelope>;
  } catch (cause) {
    return err(refuse('malformed', `the body is not JSON: ${String(cause)}`));
  }
  if (typeof envelope !== 'object' || envelope === null) return err(refuse('malformed', 'the body is not an object'));
  if (envelope.format !== CHECKPOINT_FORMAT) return err(refuse('format', `envelope format ${String(envelope.format)}, this build reads ${CHECKPOINT_FORMAT}`));
  if (envelope.version !== version) return err(refuse('version', `written by projection version ${String(envelope.version)}, this build's is ${version}`));
  if (typeof envelope.previous !== 'string' || !/^\d+$/.test(envelope.previous) || !('state' in envelope)) return err(refuse('malformed', 'the envelope lacks its previous position or state'));
  const previous = BigInt(envelope.previous);
  if (previous >= stored.position) return err(refuse('malformed', `previous position ${previous} is not before position ${stored.position}`));
  return ok({ version, position: stored.position, eventId: stored.eventId, previous, state: envelope.state });
}

/** Checks that the log still holds, at the checkpoint's position, the event it names. */
export function verifyCheckpoint<TCheckpoint extends ProjectionCheckpoint>(store: EventStore, checkpoint: TCheckpoint): ResultAsync<TCheckpoint, CheckpointRefusal> {
  return store
    .readAll({ fromPosition: checkpoint.previous, maxCount: 1 })
    .mapErr((error) => refuse('unreadable', `cannot read the event at position ${checkpoint.position}: ${formatStoreError(error)}`))
    .andThen(([found]) => {
      if (found === undefined) return err(refuse('moved', `the log ends before position ${checkpoint.position} (the store was replaced or truncated)`));
      if (found.position !== checkpoint.position || found.id !== checkpoint.eventId) {
        return err(refuse('moved', `the log holds event ${found.id} at position ${found.position} where the checkpoint saw ${checkpoint.eventId} at ${checkpoint.position} (the store was replaced or rewritten)`));
      }
      return ok(checkpoint);
    });
}

/**
 * The usable checkpoint of `projection` in `store`: `null` when none was written (or the projection has no
 * version), a refusal with its reason when one was written but cannot be used.
 */
export function loadCheckpoint<TState>(store: EventStore, projection: Projection<TState>): ResultAsync<ProjectionCheckpoint<TState> | null, CheckpointRefusal> {
  const version = projection.version;
  if (version === undefined) return okAsync(null);
  return store
    .readCheckpoint(checkpointName(projection.name))
    .mapErr((error) => refuse('unreadable', `cannot read the checkpoint: ${formatStoreError(error)}`))
    .andThen((stored) => {
      if (stored === null) return okAsync(null);
      const decoded = decodeCheckpoint(stored, version);
      if (decoded.isErr()) return err(decoded.error);
      return verifyCheckpoint(store, decoded.value as ProjectionCheckpoint<TState>);
    });
}
