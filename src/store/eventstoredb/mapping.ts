/** Conversions between the port's shapes and `@eventstore/db-client`'s: events, revisions, positions, metadata. */
import type { AllStreamResolvedEvent, EventData, JSONType, Position, ResolvedEvent, StreamMetadata as EsdbStreamMetadata } from '@eventstore/db-client';
import type { EncodedEvent } from '../core/validate.js';
import type { EventToAppend, JsonObject, JsonValue, RecordedEvent, StreamMetadata } from '../types.js';

/** Builds the client's event data from a validated event (the id is the one `encodeEvents` settled on). */
export function toEventData(encoded: EncodedEvent, source: EventToAppend): EventData {
  return {
    id: encoded.id,
    contentType: 'application/json',
    type: encoded.type,
    data: source.data as JSONType,
    metadata: (source.metadata ?? {}) as JSONType,
  };
}

/** The client's position for one of our positions (EventStoreDB commit position; prepare is the same for gRPC writes). */
export const toPosition = (position: bigint): Position => ({ commit: position, prepare: position });

const isJsonObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/**
 * Converts a resolved event into ours; `undefined` for anything that is not a user JSON event (system events,
 * links, binary events). Servers older than 22.6 send no position on stream reads; then `position` is -1n.
 */
export function fromResolved(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const recorded = resolved.event;
  if (recorded === undefined || !recorded.isJson || recorded.type.startsWith('$') || recorded.streamId.startsWith('$')) return undefined;
  return {
    id: recorded.id,
    type: recorded.type,
    data: recorded.data as JsonValue,
    metadata: isJsonObject(recorded.metadata) ? recorded.metadata : {},
    stream: recorded.streamId,
    revision: recorded.revision,
    position: recorded.position?.commit ?? resolved.commitPosition ?? -1n,
    recordedAt: recorded.created,
  };
}

/** Our metadata as the client's (truncateBefore is a JSON number on the wire). */
export function toEsdbMetadata(metadata: StreamMetadata): EsdbStreamMetadata {
  return {
    ...(metadata.maxCount === undefined ? {} : { maxCount: metadata.maxCount }),
    ...(metadata.truncateBefore === undefined ? {} : { truncateBefore: Number(metadata.truncateBefore) }),
  };
}

/** The client's metadata as ours; ignores ACLs, maxAge and custom keys. `truncateBefore: 'end'` maps to no value. */
export function fromEsdbMetadata(metadata: EsdbStreamMetadata | undefined): StreamMetadata {
  const out: { maxCount?: number; truncateBefore?: bigint } = {};
  if (typeof metadata?.maxCount === 'number') out.maxCount = metadata.maxCount;
  if (typeof metadata?.truncateBefore === 'number') out.truncateBefore = BigInt(Math.trunc(metadata.truncateBefore));
  return out;
}
