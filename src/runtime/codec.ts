/**
 * Translation between machine events and stored events. An accepted input event is stored under its past-tense
 * name with the whole event as `data` and `{ from, to, causationId, correlationId, at }` as metadata; the first
 * event of a stream carries the machine input. Reading back checks both tables, so a stream written by another
 * machine version fails as `StreamCorrupt` instead of folding into nonsense. A kind's recorded outcomes are stored
 * after the accepted event that produced them, under their own types.
 */
import { err, ok, type Result } from 'neverthrow';
import type { AnyStateMachine, EventFromLogic, InputFrom, StateValue } from 'xstate';
import type { EventToAppend, JsonObject, JsonValue, RecordedEvent } from '../store/index.js';
import type { ActorKind } from './actor-kind.js';
import { eventRejected, streamCorrupt, type RuntimeError } from './errors.js';

/** Who asked for an event, for tracing: the event that caused it and the conversation it belongs to. */
export interface Causation {
  /** Id of the event (or command) that caused this one; `null` for an outside request with none. */
  readonly causationId: string | null;
  /** Id shared by every event of one request/conversation; defaults to the event's own id. */
  readonly correlationId: string;
}

/** Metadata of every event the host writes to an actor stream. */
export interface ActorEventMetadata extends Causation {
  /** State value before the event (`null` for the stream's first event). */
  readonly from: JsonValue;
  /** State value after the event. */
  readonly to: JsonValue;
  /** Epoch ms: the event's own `at`, or the host clock's when the event has none. */
  readonly at: number;
}

const metadataOf = (metadata: ActorEventMetadata): JsonObject => ({ ...metadata });

/** A machine snapshot's state value, as JSON (it already is one; this only narrows the type). */
export const stateValueOf = (snapshot: unknown): JsonValue => (snapshot as { value: StateValue }).value as JsonValue;

/** The stream's first event: the machine input under the kind's `createdType`. */
export function encodeCreated<TMachine extends AnyStateMachine>(
  kind: ActorKind<TMachine>,
  id: string,
  input: InputFrom<TMachine>,
  metadata: ActorEventMetadata,
): EventToAppend {
  return { id, type: kind.createdType, data: input as JsonValue, metadata: metadataOf(metadata) };
}

/** Checks that `event` is something the kind can store: a known input type with a numeric `at`. */
export function checkEvent(kind: ActorKind, stream: string, event: unknown): Result<string, RuntimeError> {
  const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined;
  if (typeof type !== 'string') return err(eventRejected(stream, String(type), 'an event needs a string type'));
  const persisted = kind.persistedName[type];
  if (persisted === undefined) return err(eventRejected(stream, type, `not an event of the ${kind.name} machine`));
  const at = (event as { at?: unknown }).at;
  if (typeof at !== 'number' || !Number.isFinite(at)) return err(eventRejected(stream, type, 'at must be a finite number (epoch ms)'));
  return ok(persisted);
}

/** An accepted input event as the store keeps it. */
export function encodeAccepted(id: string, persistedType: string, event: unknown, metadata: ActorEventMetadata): EventToAppend {
  return { id, type: persistedType, data: event as JsonValue, metadata: metadataOf(metadata) };
}

/**
 * A recorded outcome (`TurnAborted`) as the store keeps it, appended right after the accepted event that produced
 * it: `metadata` is that event's, with `from` = `to` (an outcome changes no state) and the event as its cause.
 */
export function encodeOutcome(id: string, outcome: { readonly type: string; readonly data: unknown }, metadata: ActorEventMetadata): EventToAppend {
  return { id, type: outcome.type, data: outcome.data as JsonValue, metadata: metadataOf(metadata) };
}

/** The machine input from a stream's first event. */
export function decodeInput<TMachine extends AnyStateMachine>(
  kind: ActorKind<TMachine>,
  recorded: RecordedEvent,
): Result<InputFrom<TMachine>, RuntimeError> {
  if (recorded.type !== kind.createdType) {
    return err(streamCorrupt(recorded.stream, recorded.revision, `the first event is ${recorded.type}, expected ${kind.createdType}`));
  }
  if (typeof recorded.data !== 'object' || recorded.data === null) {
    return err(streamCorrupt(recorded.stream, recorded.revision, `${kind.createdType} has no input object`));
  }
  return ok(recorded.data as InputFrom<TMachine>);
}

/** A stored event as the machine input event it was. */
export function decodeEvent<TMachine extends AnyStateMachine>(
  kind: ActorKind<TMachine>,
  recorded: RecordedEvent,
): Result<EventFromLogic<TMachine>, RuntimeError> {
  const inputType = kind.eventFromPersisted[recorded.type];
  if (inputType === undefined) {
    return err(streamCorrupt(recorded.stream, recorded.revision, `${recorded.type} is not an event of the ${kind.name} machine`));
  }
  const data = recorded.data as { type?: unknown } | null;
  if (typeof data !== 'object' || data === null || data.type !== inputType) {
    return err(streamCorrupt(recorded.stream, recorded.revision, `${recorded.type} does not hold a ${inputType} event`));
  }
  return ok(data as EventFromLogic<TMachine>);
}

/** When a stored event happened: its metadata's `at`, else its data's `at`, else `null`. */
export function recordedAt(recorded: RecordedEvent): number | null {
  const fromMetadata = recorded.metadata['at'];
  if (typeof fromMetadata === 'number') return fromMetadata;
  const fromData = (recorded.data as { at?: unknown } | null)?.at;
  return typeof fromData === 'number' ? fromData : null;
}
