/**
 * Snapshots: every N events the host stores `persist(machine, snapshot)` in the actor's companion stream
 * `snapshot-<stream>` (the store reserves `$` names), with the revision and event id it covers. The stream keeps
 * one event (`maxCount: 1`) and is read backwards, so only the latest snapshot is ever seen. A snapshot is a cache:
 * writing one may fail, and one that does not match its stream or its machine is ignored (full replay instead).
 */
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { AnyStateMachine, SnapshotFrom } from 'xstate';
import { persist, restore, RUNTIME_EVENT_TYPE, STREAM_PREFIX } from '../../machines/index.js';
import { isStreamNotFound, type EventStore, type JsonValue } from '../store/index.js';
import type { ActorKind } from './actor-kind.js';
import { storeFailure, type RuntimeError } from './errors.js';
import type { Folded } from './fold.js';

/** A snapshot read back: the restored machine snapshot, and the revision and event id of the last event it folds. */
export interface StoredSnapshot<TMachine extends AnyStateMachine> extends Folded<TMachine> {
  readonly eventId: string;
}

interface SnapshotData {
  readonly machine: string;
  readonly revision: string;
  readonly eventId: string;
  readonly snapshot: JsonValue;
}

/** The companion stream holding the latest snapshot of actor stream `stream`. */
export function snapshotStreamOf(stream: string): string {
  return `${STREAM_PREFIX.snapshot}${stream}`;
}

/** Stores `folded` as the latest snapshot of `stream`; `eventId` is the id of the event at `folded.revision`. */
export function writeSnapshot<TMachine extends AnyStateMachine>(
  store: EventStore,
  kind: ActorKind<TMachine>,
  stream: string,
  folded: Folded<TMachine>,
  eventId: string,
): ResultAsync<void, RuntimeError> {
  const target = snapshotStreamOf(stream);
  const data: SnapshotData = {
    machine: kind.machine.id,
    revision: folded.revision.toString(),
    eventId,
    snapshot: persist(kind.machine, folded.snapshot) as JsonValue,
  };
  return store
    .setStreamMetadata(target, { maxCount: 1 })
    .andThen(() => store.append(target, [{ type: RUNTIME_EVENT_TYPE.snapshotTaken, data: { ...data } }], { expectedRevision: 'any' }))
    .map(() => undefined)
    .mapErr(storeFailure);
}

const isSnapshotData = (data: unknown, machineId: string): data is SnapshotData => {
  if (typeof data !== 'object' || data === null) return false;
  const { machine, revision, eventId, snapshot } = data as Partial<SnapshotData>;
  return machine === machineId && typeof revision === 'string' && /^\d+$/.test(revision) && typeof eventId === 'string' && typeof snapshot === 'object' && snapshot !== null;
};

/** The restored snapshot, or `null` when today's machine cannot resolve it (a state renamed since it was taken). */
function restoreOrNull<TMachine extends AnyStateMachine>(machine: TMachine, persisted: JsonValue): SnapshotFrom<TMachine> | null {
  try {
    return restore(machine, persisted);
  } catch {
    return null;
  }
}

/** The latest snapshot of `stream`, or `null` when there is none (or it is not one of this kind's machine). */
export function readSnapshot<TMachine extends AnyStateMachine>(
  store: EventStore,
  kind: ActorKind<TMachine>,
  stream: string,
): ResultAsync<StoredSnapshot<TMachine> | null, RuntimeError> {
  return store
    .readStream(snapshotStreamOf(stream), { direction: 'backwards', maxCount: 1 })
    .orElse((error) => (isStreamNotFound(error) ? okAsync([]) : errAsync(error)))
    .mapErr(storeFailure)
    .map((events) => {
      const data = events[0]?.data;
      if (!isSnapshotData(data, kind.machine.id)) return null;
      const snapshot = restoreOrNull(kind.machine, data.snapshot);
      return snapshot === null ? null : { snapshot, revision: BigInt(data.revision), eventId: data.eventId };
    });
}
