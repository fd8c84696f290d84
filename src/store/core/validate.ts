/**
 * Input validation shared by every adapter, so a bad stream name, event or option fails the same way everywhere.
 * `encodeEvents` also serialises each event exactly once: adapters store the JSON text it returns.
 */
import { err, ok, type Result } from 'neverthrow';
import { EXPECTED_REVISION, READ_DIRECTION } from '../constants.js';
import { invalidEvent, invalidRequest, type StoreError } from '../errors.js';
import { newEventId } from './event-id.js';
import type {
  EventFilter,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  StoredCheckpoint,
  StreamMetadata,
  SubscribeOptions,
} from '../types.js';

/** An event ready to store: a lower-case UUID and the JSON text of its data and metadata. */
export interface EncodedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMPTY_OBJECT_JSON = '{}';

/** Accepts a non-empty stream name that does not start with `$` (reserved for system streams). */
export function validateStreamName(stream: unknown): Result<string, StoreError> {
  if (typeof stream !== 'string' || stream.length === 0) return err(invalidRequest('a stream name must be a non-empty string'));
  if (stream.startsWith('$')) return err(invalidRequest(`stream name ${JSON.stringify(stream)} starts with "$", which is reserved`));
  return ok(stream);
}

/** Accepts `'any'`, `'no_stream'`, `'stream_exists'` or a non-negative bigint. */
export function validateExpectedRevision(expected: unknown): Result<ExpectedRevision, StoreError> {
  if (typeof expected === 'bigint') {
    return expected >= 0n ? ok(expected) : err(invalidRequest(`expected revision ${expected} is negative`));
  }
  if (expected === EXPECTED_REVISION.any || expected === EXPECTED_REVISION.noStream || expected === EXPECTED_REVISION.streamExists) {
    return ok(expected);
  }
  return err(invalidRequest(`expected revision must be a bigint, "any", "no_stream" or "stream_exists", got ${String(expected)}`));
}

function stringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function encodeOne(stream: string, event: EventToAppend, index: number): Result<EncodedEvent, StoreError> {
  if (typeof event !== 'object' || event === null) return err(invalidEvent(stream, index, 'an event must be an object'));
  const { type } = event;
  if (typeof type !== 'string' || type.length === 0) return err(invalidEvent(stream, index, 'type must be a non-empty string'));
  if (type.startsWith('$')) return err(invalidEvent(stream, index, `type ${JSON.stringify(type)} starts with "$", which is reserved`));
  let id: string;
  if (event.id === undefined) id = newEventId();
  else if (typeof event.id === 'string' && UUID.test(event.id)) id = event.id.toLowerCase();
  else return err(invalidEvent(stream, index, `id ${JSON.stringify(event.id)} is not a UUID`));
  const data = stringify(event.data);
  if (data === undefined) return err(invalidEvent(stream, index, 'data is not JSON-serialisable'));
  let metadata = EMPTY_OBJECT_JSON;
  if (event.metadata !== undefined) {
    if (typeof event.metadata !== 'object' || event.metadata === null || Array.isArray(event.metadata)) {
      return err(invalidEvent(stream, index, 'metadata must be a JSON object'));
    }
    const text = stringify(event.metadata);
    if (text === undefined) return err(invalidEvent(stream, index, 'metadata is not JSON-serialisable'));
    metadata = text;
  }
  return ok({ id, type, data, metadata });
}

/** Validates and serialises the events of one append; rejects an empty append and ids repeated within it. */
export function encodeEvents(stream: string, events: readonly EventToAppend[]): Result<EncodedEvent[], StoreError> {
  if (!Array.isArray(events) || events.length === 0) return err(invalidEvent(stream, 0, 'an append needs at least one event'));
  const encoded: EncodedEvent[] = new Array<EncodedEvent>(events.length);
  for (let i = 0; i < events.length; i++) {
    const one = encodeOne(stream, events[i] as EventToAppend, i);
    if (one.isErr()) return err(one.error);
    encoded[i] = one.value;
  }
  if (encoded.length > 1) {
    const seen = new Set<string>();
    for (let i = 0; i < encoded.length; i++) {
      const id = (encoded[i] as EncodedEvent).id;
      if (seen.has(id)) return err(invalidEvent(stream, i, `id ${id} appears twice in the same append`));
      seen.add(id);
    }
  }
  return ok(encoded);
}

function validateCount(name: string, value: unknown): Result<number | undefined, StoreError> {
  if (value === undefined) return ok(undefined);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    return err(invalidRequest(`${name} must be a non-negative integer, got ${String(value)}`));
  }
  return ok(value);
}

function validateRevisionOption(name: string, value: unknown): Result<bigint | undefined, StoreError> {
  if (value === undefined) return ok(undefined);
  if (typeof value !== 'bigint' || value < 0n) return err(invalidRequest(`${name} must be a non-negative bigint, got ${String(value)}`));
  return ok(value);
}

/** `readStream` options with defaults applied: `maxCount` undefined means no limit. */
export interface CheckedReadStreamOptions {
  readonly from: bigint | undefined;
  readonly backwards: boolean;
  readonly maxCount: number | undefined;
}

/** Validates `readStream` options. */
export function validateReadStreamOptions(options: ReadStreamOptions | undefined): Result<CheckedReadStreamOptions, StoreError> {
  const direction = options?.direction ?? READ_DIRECTION.forwards;
  if (direction !== READ_DIRECTION.forwards && direction !== READ_DIRECTION.backwards) {
    return err(invalidRequest(`direction must be "forwards" or "backwards", got ${String(direction)}`));
  }
  return validateRevisionOption('from', options?.from).andThen((from) =>
    validateCount('maxCount', options?.maxCount).map((maxCount) => ({ from, backwards: direction === READ_DIRECTION.backwards, maxCount })),
  );
}

/** Validates a position checkpoint (default `0n`) and a `maxCount` of `readAll`/`subscribe`. */
export function validateLogOptions(fromPosition: unknown, maxCount: unknown): Result<{ after: bigint; maxCount: number | undefined }, StoreError> {
  return validateRevisionOption('fromPosition', fromPosition).andThen((after) =>
    validateCount('maxCount', maxCount).map((count) => ({ after: after ?? 0n, maxCount: count })),
  );
}

/** `readAll` / `subscribe` options after validation: checkpoint, optional count, normalised filter. */
export interface CheckedLogOptions {
  readonly after: bigint;
  readonly maxCount: number | undefined;
  readonly filter: EventFilter | undefined;
}

/** Validates the options of `readAll` (or of `subscribe`, which has no `maxCount`). */
export function validateLogRead(options: ReadAllOptions | SubscribeOptions | undefined): Result<CheckedLogOptions, StoreError> {
  const maxCount = options !== undefined && 'maxCount' in options ? options.maxCount : undefined;
  return validateLogOptions(options?.fromPosition, maxCount).andThen((log) =>
    validateFilter(options?.filter).map((filter) => ({ ...log, filter })),
  );
}

/** Validates an event filter; an empty `eventTypes` list matches nothing. */
export function validateFilter(filter: EventFilter | undefined): Result<EventFilter | undefined, StoreError> {
  if (filter === undefined) return ok(undefined);
  if (filter.streamPrefix !== undefined && typeof filter.streamPrefix !== 'string') {
    return err(invalidRequest('filter.streamPrefix must be a string'));
  }
  if (filter.eventTypes !== undefined && (!Array.isArray(filter.eventTypes) || filter.eventTypes.some((t) => typeof t !== 'string'))) {
    return err(invalidRequest('filter.eventTypes must be an array of strings'));
  }
  const streamPrefix = filter.streamPrefix === '' ? undefined : filter.streamPrefix;
  if (streamPrefix === undefined && filter.eventTypes === undefined) return ok(undefined);
  return ok({ ...(streamPrefix === undefined ? {} : { streamPrefix }), ...(filter.eventTypes === undefined ? {} : { eventTypes: filter.eventTypes }) });
}

/** Validates stream metadata. */
export function validateMetadata(metadata: StreamMetadata): Result<StreamMetadata, StoreError> {
  if (typeof metadata !== 'object' || metadata === null) return err(invalidRequest('stream metadata must be an object'));
  return validateCount('maxCount', metadata.maxCount).andThen((maxCount) =>
    validateRevisionOption('truncateBefore', metadata.truncateBefore).map((truncateBefore) => ({
      ...(maxCount === undefined ? {} : { maxCount }),
      ...(truncateBefore === undefined ? {} : { truncateBefore }),
    })),
  );
}

/** Validates a checkpoint write: a non-empty name not starting with `$`, a non-negative position, string id and body. */
export function validateCheckpoint(name: unknown, checkpoint: StoredCheckpoint): Result<StoredCheckpoint, StoreError> {
  const named = validateCheckpointName(name);
  if (named.isErr()) return err(named.error);
  if (typeof checkpoint !== 'object' || checkpoint === null) return err(invalidRequest('a checkpoint must be an object'));
  const { position, eventId, body } = checkpoint;
  if (typeof position !== 'bigint' || position < 0n) return err(invalidRequest('checkpoint.position must be a non-negative bigint'));
  if (typeof eventId !== 'string' || typeof body !== 'string') return err(invalidRequest('checkpoint.eventId and checkpoint.body must be strings'));
  return ok({ position, eventId, body });
}

/** Validates a checkpoint name for a read. */
export function validateCheckpointName(name: unknown): Result<string, StoreError> {
  if (typeof name !== 'string' || name.length === 0 || name.startsWith('$')) return err(invalidRequest(`checkpoint name ${JSON.stringify(name)} must be a non-empty string not starting with "$"`));
  return ok(name);
}
