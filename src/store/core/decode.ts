/** Turns a stored row (JSON text, numbers) into the port's `RecordedEvent` (parsed JSON, bigints, a Date). */
import type { JsonObject, JsonValue, RecordedEvent } from '../types.js';
import type { EncodedEvent } from './validate.js';

/** An event as the embedded adapters keep it: JSON text for data and metadata, epoch milliseconds for the time. */
export interface StoredEvent extends EncodedEvent {
  readonly position: number;
  readonly stream: string;
  readonly revision: number;
  readonly recordedAt: number;
}

/**
 * Decodes one stored event; every call returns fresh objects, so callers may mutate what they get (reads do;
 * subscriptions of the SQLite adapter may hand out shared frozen ones, see {@link decodeFrozenEvent}).
 */
export function decodeEvent(row: StoredEvent): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    data: JSON.parse(row.data) as JsonValue,
    metadata: row.metadata === '{}' ? {} : (JSON.parse(row.metadata) as JsonObject),
    stream: row.stream,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    recordedAt: new Date(row.recordedAt),
  };
}

/** Deeply freezes a JSON value in place (for objects shared by many readers). */
export function freezeJson(value: JsonValue): void {
  if (typeof value !== 'object' || value === null) return;
  Object.freeze(value);
  if (Array.isArray(value)) for (const item of value as readonly JsonValue[]) freezeJson(item);
  else for (const key in value) freezeJson((value as { readonly [key: string]: JsonValue })[key] as JsonValue);
}

/**
 * Decodes one stored event into an object shared by many readers: the event, its data and metadata are deeply
 * frozen, so a reader that tries to change them throws instead of changing what the others see. (`recordedAt`
 * is a `Date`, whose time a frozen object cannot protect: treat it as read-only too.)
 */
export function decodeFrozenEvent(row: StoredEvent): RecordedEvent {
  const event = decodeEvent(row);
  freezeJson(event.data);
  freezeJson(event.metadata);
  return Object.freeze(event);
}
