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

/** Decodes one stored event; every call returns fresh objects, so callers may mutate what they get. */
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
