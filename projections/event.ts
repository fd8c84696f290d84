/**
 * What a projection folds: a stored event as the store records it (only the fields a fold reads), and the
 * defensive readers every fold uses on `data` and `metadata`, so that malformed events are skipped, never thrown on.
 * Stream names and the runtime's own event types come from the runtime's constants table (pure data).
 */
import { STREAM_PREFIX } from '../machines/streams.js';

/** A stored event as a fold sees it; the store's `RecordedEvent` fits this shape. */
export interface ProjectedEvent {
  readonly stream: string;
  readonly type: string;
  /** Revision within its stream, counted from 0. */
  readonly revision: bigint;
  readonly data: unknown;
  readonly metadata: { readonly [key: string]: unknown };
}

/** A projection: a name, its empty state and a pure fold. Folds return the same state object when nothing changed. */
export interface Projection<TState, TEvent = ProjectedEvent> {
  readonly name: string;
  /**
   * Version of the state's shape and of the fold, for checkpoints: a checkpoint written under another version is
   * refused and the projection folds from position 0. Bump it whenever the state or what `apply` does changes.
   * A projection without one is never checkpointed.
   */
  readonly version?: number;
  initial(): TState;
  apply(state: TState, event: TEvent): TState;
}

/** Folds `events` into `state` with `projection`, in order. */
export function foldAll<TState, TEvent>(projection: Projection<TState, TEvent>, events: Iterable<TEvent>, state: TState = projection.initial()): TState {
  let current = state;
  for (const event of events) current = projection.apply(current, event);
  return current;
}

/** A plain JSON object (not an array), or `null`. */
export function recordOf(value: unknown): { readonly [key: string]: unknown } | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { readonly [key: string]: unknown }) : null;
}

/** `value` when it is a string, else `null`. */
export const stringOf = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** `value` when it is a finite number, else `null`. */
export const numberOf = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** `value` when it is a finite, non-negative number, else `null`. */
export const countOf = (value: unknown): number | null => {
  const number = numberOf(value);
  return number !== null && number >= 0 ? number : null;
};

/** The id after `prefix` in `stream`, or `null` when the stream is not of that kind (or the id is empty). */
export function idAfter(stream: string, prefix: string): string | null {
  return stream.startsWith(prefix) && stream.length > prefix.length ? stream.slice(prefix.length) : null;
}

/** The session id of a `session-<id>` stream, else `null`. */
export const sessionIdOf = (event: ProjectedEvent): string | null => idAfter(event.stream, STREAM_PREFIX.session);

/** The breaker name of a `breaker-<name>` stream, else `null`. */
export const breakerNameOf = (event: ProjectedEvent): string | null => idAfter(event.stream, STREAM_PREFIX.breaker);

/** When the event happened: `metadata.at`, else `data.at`, else `null` (folds never read a clock). */
export function atOf(event: ProjectedEvent): number | null {
  return numberOf(event.metadata['at']) ?? numberOf(recordOf(event.data)?.['at']);
}

/** The actor's state value after the event (`metadata.to`) when it is a plain string, else `null`. */
export const stateAfter = (event: ProjectedEvent): string | null => stringOf(event.metadata['to']);

/** The actor's state value before the event (`metadata.from`) when it is a plain string, else `null`. */
export const stateBefore = (event: ProjectedEvent): string | null => stringOf(event.metadata['from']);

/** `record[key]` when it is the record's own entry (ids such as `constructor` must not find `Object.prototype`'s). */
export function own<T>(record: { readonly [key: string]: T }, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

const PROTO_KEY = '__proto__';

/**
 * `counts` with `key` moved by `delta` (and put last); a count that reaches 0 is removed, so the record lists only
 * non-zero keys. Copied key by key: a rest-and-spread copy is several times slower in V8. A `__proto__` key takes the
 * spread path, where it stays an own entry (an assignment would set the prototype).
 */
export function bumpCount(counts: { readonly [key: string]: number }, key: string, delta: number): { readonly [key: string]: number } {
  const next = (own(counts, key) ?? 0) + delta;
  if (key === PROTO_KEY || Object.hasOwn(counts, PROTO_KEY)) {
    const { [key]: _removed, ...rest } = counts;
    return next > 0 ? { ...rest, [key]: next } : rest;
  }
  const copy: { [key: string]: number } = {};
  for (const name of Object.keys(counts)) if (name !== key) copy[name] = counts[name] as number;
  if (next > 0) copy[key] = next;
  return copy;
}
