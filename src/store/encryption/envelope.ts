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
import type { RecentSeals } from './recent-seals.js';

/** The field of `data` that holds the envelope. */
export const SEALED_FIELD = '$sealed';
/** The field of `data` that says, on an event read back without its key, why its fields are markers. */
export const UNREADABLE_MARK = '$unreadable';

/** Paths sealed in every event when present, whatever its type: the envelope's own names. */
export const RESERVED_PATHS: readonly FieldPath[] = [[SEALED_FIELD], [UNREADABLE_MARK]];
const RESERVED_SEALED: readonly FieldPath[] = [[SEALED_FIELD]];

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

/**
 * `data` with the fields at `paths` sealed under `key`; the same `data` when none is present. `recent` (if given)
 * remembers the plaintext, so this process reads the event back without decrypting it.
 */
export function sealData(data: JsonObject, paths: readonly FieldPath[], key: StoreKey, event: EventIdentity, recent?: RecentSeals): JsonObject {
  const split = takeFields(data, paths);
  if (split === null) return data;
  let plaintext: string;
  try {
    plaintext = JSON.stringify(split.taken);
  } catch {
    // Not JSON (a bigint, a cycle): left as it is, for the store's own validation to refuse with InvalidEvent.
    return data;
  }
  const binding = boxBinding(event.stream, event.id, event.type);
  const box = seal(plaintext, key.key, binding);
  recent?.remember(box, binding, plaintext);
  const envelope: Envelope = { k: key.id, f: Object.keys(split.taken), c: box };
  // `rest` is a copy takeFields made: adding the envelope to it changes nobody's object.
  (split.rest as Record<string, JsonValue>)[SEALED_FIELD] = envelope as unknown as JsonValue;
  return split.rest;
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

/** The plaintext `data` of a sealed one; `recent` spares the decryption of what this process sealed lately. */
export function openData(data: JsonObject, keyring: Keyring, event: EventIdentity, recent?: RecentSeals): Result<JsonObject, OpenFailure> {
  const raw = data[SEALED_FIELD];
  // Copied key by key: a rest pattern with a computed key (`{ [SEALED_FIELD]: raw, ...rest }`) goes through a slow
  // runtime call in V8.
  const rest = takeFields(data, RESERVED_SEALED)?.rest ?? data;
  if (!isEnvelope(raw)) return err(failure(rest, [], 'Malformed', null));
  const binding = boxBinding(event.stream, event.id, event.type);
  let plaintext = recent?.recall(raw.c, binding);
  if (plaintext === undefined) {
    const key = keyring.keys.get(raw.k);
    if (key === undefined) return err(failure(rest, raw.f, 'UnknownKey', raw.k));
    const opened = open(raw.c, key, binding);
    if (opened.isErr()) return err(failure(rest, raw.f, opened.error, raw.k));
    plaintext = opened.value;
  }
  let taken: unknown;
  try {
    taken = JSON.parse(plaintext);
  } catch {
    return err(failure(rest, raw.f, 'Malformed', raw.k));
  }
  return isJsonObject(taken) ? ok(putFields(rest, taken as TakenFields, true)) : err(failure(rest, raw.f, 'Malformed', raw.k));
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

/** Prefix of a sealed checkpoint body: `$sealed:<keyId>:<box>` (a JSON body never starts with `$`). */
const SEALED_BODY = '$sealed:';

/**
 * A checkpoint body sealed under `key`, bound to the checkpoint's name and event id. Projection states may hold
 * sealed text (the last fault's detail), so their checkpoints are sealed whole.
 */
export function sealBody(body: string, key: StoreKey, name: string, eventId: string): string {
  return `${SEALED_BODY}${key.id}:${seal(body, key.key, boxBinding(`checkpoint:${name}`, eventId, 'checkpoint'))}`;
}

/** The plaintext of a checkpoint body (as is when it was not sealed), or why it cannot be read. */
export function openBody(body: string, keyring: Keyring, name: string, eventId: string): Result<string, { reason: UnreadableReason; keyId: string | null }> {
  if (!body.startsWith(SEALED_BODY)) return ok(body);
  const colon = body.indexOf(':', SEALED_BODY.length);
  if (colon < 0) return err({ reason: 'Malformed', keyId: null });
  const keyId = body.slice(SEALED_BODY.length, colon);
  const key = keyring.keys.get(keyId);
  if (key === undefined) return err({ reason: 'UnknownKey', keyId });
  return open(body.slice(colon + 1), key, boxBinding(`checkpoint:${name}`, eventId, 'checkpoint')).mapErr((reason) => ({ reason, keyId }));
}
