/**
 * One event's data, sealed and opened. Sealing takes the event type's sensitive fields out of `data` and stores
 * them, encrypted together, in one envelope field: `data.$sealed = { k: keyId, f: [paths], c: box }`. The key id
 * and the paths are in clear (they are needed to pick the key and to mark the fields when the key is missing);
 * the values are not. The other fields of `data` stay as they were, so the store, projections and queries still
 * read them without the key. A top-level `$sealed` or `$unreadable` key already in `data` is sealed with the rest,
 * so any data round-trips.
 */
import { err, ok, type Result } from 'neverthrow';
import type { JsonObject, JsonValue } from '../types.js';
import { boxBinding, open, seal } from './cipher.js';
import type { UnreadableReason } from './errors.js';
import { UNREADABLE_FIELD } from './errors.js';
import { isJsonObject, putFields, takeFields, type FieldPath, type TakenFields } from './field-paths.js';
import type { Keyring, StoreKey } from './keyring.js';

/** The field of `data` that holds the envelope. */
export const SEALED_FIELD = '$sealed';
/** The field of `data` that says, on an event read back without its key, why its fields are markers. */
export const UNREADABLE_MARK = '$unreadable';

/** Paths sealed in every event when present, whatever its type: the envelope's own names. */
export const RESERVED_PATHS: readonly FieldPath[] = [[SEALED_FIELD], [UNREADABLE_MARK]];

interface Envelope {
  readonly k: string;
  readonly f: readonly string[];
  readonly c: string;
}

/** Where an event lives: what its box is bound to. */
export interface EventIdentity {
  readonly stream: string;
  readonly id: string;
  readonly type: string;
}

/** `data` with the fields at `paths` sealed under `key`; the same `data` when none is present. */
export function sealData(data: JsonObject, paths: readonly FieldPath[], key: StoreKey, event: EventIdentity): JsonObject {
  const split = takeFields(data, paths);
  if (split === null) return data;
  let plaintext: string;
  try {
    plaintext = JSON.stringify(split.taken);
  } catch {
    // Not JSON (a bigint, a cycle): left as it is, for the store's own validation to refuse with InvalidEvent.
    return data;
  }
  const envelope: Envelope = { k: key.id, f: Object.keys(split.taken), c: seal(plaintext, key.key, boxBinding(event.stream, event.id, event.type)) };
  return { ...split.rest, [SEALED_FIELD]: envelope as unknown as JsonValue };
}

/** Whether `data` carries an envelope (cheap: one property look-up). */
export const isSealed = (data: JsonValue): data is JsonObject => isJsonObject(data) && (data as { [SEALED_FIELD]?: unknown })[SEALED_FIELD] !== undefined;

/** Why a sealed `data` could not be opened, and what readers get instead. */
export interface OpenFailure {
  readonly reason: UnreadableReason;
  readonly keyId: string | null;
  /** `data` with each sealed field replaced by {@link UNREADABLE_FIELD} and `$unreadable` saying why. */
  readonly marked: JsonObject;
}

/** The plaintext `data` of a sealed one. */
export function openData(data: JsonObject, keyring: Keyring, event: EventIdentity): Result<JsonObject, OpenFailure> {
  const { [SEALED_FIELD]: raw, ...rest } = data;
  if (!isEnvelope(raw)) return err(failure(rest, [], 'Malformed', null));
  const key = keyring.keys.get(raw.k);
  if (key === undefined) return err(failure(rest, raw.f, 'UnknownKey', raw.k));
  const opened = open(raw.c, key, boxBinding(event.stream, event.id, event.type));
  if (opened.isErr()) return err(failure(rest, raw.f, opened.error, raw.k));
  let taken: unknown;
  try {
    taken = JSON.parse(opened.value);
  } catch {
    return err(failure(rest, raw.f, 'Malformed', raw.k));
  }
  return isJsonObject(taken) ? ok(putFields(rest, taken as TakenFields)) : err(failure(rest, raw.f, 'Malformed', raw.k));
}

function failure(rest: JsonObject, paths: readonly string[], reason: UnreadableReason, keyId: string | null): OpenFailure {
  const markers: TakenFields = {};
  for (const path of paths) if (path !== SEALED_FIELD && path !== UNREADABLE_MARK) markers[path] = UNREADABLE_FIELD;
  return { reason, keyId, marked: { ...putFields(rest, markers), [UNREADABLE_MARK]: { reason, keyId } } };
}

function isEnvelope(value: unknown): value is Envelope {
  if (!isJsonObject(value)) return false;
  const { k, f, c } = value as Partial<Envelope>;
  return typeof k === 'string' && typeof c === 'string' && Array.isArray(f) && f.every((path) => typeof path === 'string');
}

/** Re-exported for the store: a sealed data's key id, for tests and tools. */
export const sealedKeyId = (data: JsonObject): string | null => {
  const raw = data[SEALED_FIELD];
  return isEnvelope(raw) ? raw.k : null;
};
