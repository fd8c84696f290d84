/**
 * Expected failures of the actor host and of stream replay, as data: one discriminated union keyed by `kind`
 * (see `RUNTIME_ERROR_KIND`), constructors, guards that look at `kind` only, a one-line message for terminals
 * and the HTTP status each kind maps to. Store failures are wrapped, never flattened, so callers can still
 * switch on the `StoreError` inside.
 */
import { formatStoreError, isStoreError, STORE_ERROR_HTTP_STATUS, type StoreError } from '../store/index.js';
import { RUNTIME_ERROR_KIND, type RuntimeErrorKind } from './constants.js';

/** The actor's stream does not exist (never created, or deleted). */
export interface ActorNotFound {
  readonly kind: typeof RUNTIME_ERROR_KIND.ActorNotFound;
  readonly stream: string;
}

/** `create` found the actor's stream already written. */
export interface ActorExists {
  readonly kind: typeof RUNTIME_ERROR_KIND.ActorExists;
  readonly stream: string;
}

/** Other writers kept committing to the stream: the send lost the optimistic-concurrency race `attempts` times. */
export interface ActorConflict {
  readonly kind: typeof RUNTIME_ERROR_KIND.ActorConflict;
  readonly stream: string;
  readonly attempts: number;
}

/** The actor handle was stopped (or its host closed); it takes no more events. */
export interface ActorStopped {
  readonly kind: typeof RUNTIME_ERROR_KIND.ActorStopped;
  readonly stream: string;
}

/** The event cannot be persisted for this actor (its type has no persisted name, or it is malformed). */
export interface EventRejected {
  readonly kind: typeof RUNTIME_ERROR_KIND.EventRejected;
  readonly stream: string;
  readonly eventType: string;
  readonly reason: string;
}

/** A stored event cannot be read back as an event of the actor's machine. */
export interface StreamCorrupt {
  readonly kind: typeof RUNTIME_ERROR_KIND.StreamCorrupt;
  readonly stream: string;
  readonly revision: bigint;
  readonly reason: string;
}

/** The stream name has no known actor prefix (`session-`, `breaker-`), so no machine can fold it. */
export interface UnknownActorKind {
  readonly kind: typeof RUNTIME_ERROR_KIND.UnknownActorKind;
  readonly stream: string;
  readonly known: readonly string[];
}

/** A replay was asked for a revision the stream does not have. */
export interface RevisionNotFound {
  readonly kind: typeof RUNTIME_ERROR_KIND.RevisionNotFound;
  readonly stream: string;
  readonly revision: bigint;
  readonly last: bigint;
}

/** The event store failed; `cause` is its typed error. */
export interface StoreFailure {
  readonly kind: typeof RUNTIME_ERROR_KIND.StoreFailure;
  readonly cause: StoreError;
}

/** The inspector hook will not start: wrong environment or an unacceptable URL. */
export interface InspectorRefused {
  readonly kind: typeof RUNTIME_ERROR_KIND.InspectorRefused;
  readonly reason: string;
}

/** Every expected failure of the runtime. */
export type RuntimeError =
  | ActorNotFound
  | ActorExists
  | ActorConflict
  | ActorStopped
  | EventRejected
  | StreamCorrupt
  | UnknownActorKind
  | RevisionNotFound
  | StoreFailure
  | InspectorRefused;

const K = RUNTIME_ERROR_KIND;

/** Builds an {@link ActorNotFound}. */
export const actorNotFound = (stream: string): RuntimeError => ({ kind: K.ActorNotFound, stream });
/** Builds an {@link ActorExists}. */
export const actorExists = (stream: string): RuntimeError => ({ kind: K.ActorExists, stream });
/** Builds an {@link ActorConflict}. */
export const actorConflict = (stream: string, attempts: number): RuntimeError => ({ kind: K.ActorConflict, stream, attempts });
/** Builds an {@link ActorStopped}. */
export const actorStopped = (stream: string): RuntimeError => ({ kind: K.ActorStopped, stream });
/** Builds an {@link EventRejected}. */
export const eventRejected = (stream: string, eventType: string, reason: string): RuntimeError => ({
  kind: K.EventRejected,
  stream,
  eventType,
  reason,
});
/** Builds a {@link StreamCorrupt}. */
export const streamCorrupt = (stream: string, revision: bigint, reason: string): RuntimeError => ({
  kind: K.StreamCorrupt,
  stream,
  revision,
  reason,
});
/** Builds an {@link UnknownActorKind}. */
export const unknownActorKind = (stream: string, known: readonly string[]): RuntimeError => ({ kind: K.UnknownActorKind, stream, known });
/** Builds a {@link RevisionNotFound}. */
export const revisionNotFound = (stream: string, revision: bigint, last: bigint): RuntimeError => ({
  kind: K.RevisionNotFound,
  stream,
  revision,
  last,
});
/** Builds an {@link InspectorRefused}. */
export const inspectorRefused = (reason: string): RuntimeError => ({ kind: K.InspectorRefused, reason });
/** Wraps a {@link StoreError}. */
export const storeFailure = (cause: StoreError): RuntimeError => ({ kind: K.StoreFailure, cause });

const KINDS: ReadonlySet<string> = new Set(Object.values(K));

/** True for any {@link RuntimeError}, including one built by another copy of this module. */
export function isRuntimeError(value: unknown): value is RuntimeError {
  if (typeof value !== 'object' || value === null) return false;
  const { kind } = value as { kind?: unknown };
  return typeof kind === 'string' && KINDS.has(kind) && (kind !== K.StoreFailure || isStoreError((value as { cause?: unknown }).cause));
}

/** A guard for one kind of {@link RuntimeError}. */
export const isRuntimeErrorOf =
  <T extends RuntimeErrorKind>(kind: T) =>
  (value: unknown): value is Extract<RuntimeError, { kind: T }> =>
    isRuntimeError(value) && value.kind === kind;

/** HTTP status for each kind, for the server's error mapping (STYLE.md §4); a store failure maps through the store's table. */
export const RUNTIME_ERROR_HTTP_STATUS: Readonly<Record<Exclude<RuntimeErrorKind, 'StoreFailure'>, number>> = {
  ActorNotFound: 404,
  ActorExists: 409,
  ActorConflict: 409,
  ActorStopped: 503,
  EventRejected: 400,
  StreamCorrupt: 500,
  UnknownActorKind: 400,
  RevisionNotFound: 404,
  InspectorRefused: 400,
};

/** The HTTP status an error maps to; a store failure takes the store's own status. */
export function runtimeErrorHttpStatus(error: RuntimeError): number {
  return error.kind === K.StoreFailure ? STORE_ERROR_HTTP_STATUS[error.cause.kind] : RUNTIME_ERROR_HTTP_STATUS[error.kind];
}

/** One line describing the error for a terminal or a log message. */
export function formatRuntimeError(error: RuntimeError): string {
  switch (error.kind) {
    case 'ActorNotFound':
      return `stream ${error.stream} not found`;
    case 'ActorExists':
      return `stream ${error.stream} already exists`;
    case 'ActorConflict':
      return `stream ${error.stream}: other writers won the race ${error.attempts} times in a row`;
    case 'ActorStopped':
      return `actor ${error.stream} is stopped`;
    case 'EventRejected':
      return `stream ${error.stream}: event ${error.eventType} rejected: ${error.reason}`;
    case 'StreamCorrupt':
      return `stream ${error.stream}: event #${error.revision} cannot be read back: ${error.reason}`;
    case 'UnknownActorKind':
      return `stream ${error.stream} is not an actor stream (expected a name starting with ${listing(error.known)})`;
    case 'RevisionNotFound':
      return `stream ${error.stream} has no revision ${error.revision} (last is ${error.last})`;
    case 'StoreFailure':
      return formatStoreError(error.cause);
    case 'InspectorRefused':
      return `inspector not started: ${error.reason}`;
  }
}

/** `a`, `a or b`, `a, b or c`. */
function listing(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
