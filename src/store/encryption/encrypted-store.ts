/**
 * Encryption at rest as a decorator over any {@link EventStore}: appends seal the sensitive fields of each event's
 * `data` (by event type, from a table such as `machines/sensitive-fields.ts`) under the keyring's current key;
 * every read path — `readStream`, `readAll`, `subscribe` — opens them again with whichever key sealed them. One
 * boundary that every writer and reader passes (the server, projections, the CLI's replay and events commands),
 * whatever the adapter underneath, which only ever sees ciphertext.
 *
 * Reads never fail and never show ciphertext as text: an event whose fields cannot be opened (key not in the ring,
 * altered, malformed) is delivered with each sealed field replaced by `UNREADABLE_FIELD` and `data.$unreadable`
 * = `{ reason, keyId }`, and `onUnreadable` hears a typed {@link UnreadableEvent}: one bad event neither ends a
 * subscription nor hides the events around it. Events without an envelope (written before encryption was on, or
 * with nothing sensitive) pass through untouched. Input events are never mutated: an opened event is a new object,
 * deep-frozen and cached per input when the input was frozen (the SQLite adapter shares frozen events among
 * subscribers), so each is opened once however many subscribers read it; what this process sealed lately is
 * opened without decrypting (`recent-seals.ts`). Checkpoint bodies (projection states,
 * which may hold sealed text) are sealed whole; one that cannot be opened is a `StoreUnavailable` naming why.
 */
import { errAsync, okAsync } from 'neverthrow';
import { freezeJson } from '../core/decode.js';
import { newEventId } from '../core/event-id.js';
import { storeUnavailable } from '../errors.js';
import type { EventStore } from '../port.js';
import type { EventToAppend, RecordedEvent, Subscription } from '../types.js';
import { isSealed, openBody, openData, RESERVED_PATHS, sealBody, sealData } from './envelope.js';
import type { UnreadableEvent } from './errors.js';
import { compilePaths, isJsonObject, type FieldPath } from './field-paths.js';
import type { Keyring } from './keyring.js';
import { RecentSeals } from './recent-seals.js';

/** What {@link encryptAtRest} needs. */
export interface EncryptionSettings {
  /** Keys to open with; its `current` key (if any) seals new events. */
  readonly keyring: Keyring;
  /** Paths (dotted) of the sensitive fields of `data`, per event type; types not listed seal nothing. */
  readonly fields: Readonly<Record<string, readonly string[]>>;
  /** Hears each event read whose sealed fields could not be opened (once per read, per reader). */
  readonly onUnreadable?: (error: UnreadableEvent) => void;
}

/** `store` with the sensitive fields of event data encrypted at rest; see the module comment. */
export function encryptAtRest(store: EventStore, settings: EncryptionSettings): EventStore {
  const { keyring, onUnreadable } = settings;
  const pathsByType = new Map<string, readonly FieldPath[]>();
  for (const [type, paths] of Object.entries(settings.fields)) pathsByType.set(type, [...compilePaths(paths), ...RESERVED_PATHS]);
  const shared = new WeakMap<RecordedEvent, RecordedEvent>();
  const recent = new RecentSeals();

  const sealEvent = (stream: string, event: EventToAppend): EventToAppend => {
    const current = keyring.current;
    if (current === null || !isJsonObject(event.data)) return event;
    const id = event.id ?? newEventId();
    const data = sealData(event.data, pathsByType.get(event.type) ?? RESERVED_PATHS, current, { stream, id, type: event.type }, recent);
    return data === event.data ? event : { ...event, id, data };
  };

  const openEvent = (event: RecordedEvent): RecordedEvent => {
    if (!isSealed(event.data)) return event;
    const frozen = Object.isFrozen(event);
    if (frozen) {
      const known = shared.get(event);
      if (known !== undefined) return known;
    }
    const opened = openData(event.data, keyring, event, recent);
    let data;
    if (opened.isOk()) data = opened.value;
    else {
      data = opened.error.marked;
      onUnreadable?.({
        kind: 'UnreadableEvent',
        reason: opened.error.reason,
        keyId: opened.error.keyId,
        stream: event.stream,
        revision: event.revision,
        eventId: event.id,
        eventType: event.type,
      });
    }
    const result: RecordedEvent = { ...event, data };
    if (!frozen) return result;
    freezeJson(data);
    Object.freeze(result);
    shared.set(event, result);
    return result;
  };

  const openAll = (events: readonly RecordedEvent[]): readonly RecordedEvent[] => {
    let changed: RecordedEvent[] | null = null;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as RecordedEvent;
      const opened = openEvent(event);
      if (opened !== event) (changed ??= events.slice())[i] = opened;
    }
    return changed ?? events;
  };

  return {
    append: (stream, events, options) => store.append(stream, keyring.current === null ? events : events.map((event) => sealEvent(stream, event)), options),
    readStream: (stream, options) => store.readStream(stream, options).map(openAll),
    readAll: (options) => store.readAll(options).map(openAll),
    subscribe: (options) => openedSubscription(store.subscribe(options), openEvent),
    headPosition: () => store.headPosition(),
    setStreamMetadata: (stream, metadata) => store.setStreamMetadata(stream, metadata),
    getStreamMetadata: (stream) => store.getStreamMetadata(stream),
    deleteStream: (stream, options) => store.deleteStream(stream, options),
    listStreams: (options) => store.listStreams(options),
    writeCheckpoint: (name, checkpoint) =>
      store.writeCheckpoint(name, keyring.current === null ? checkpoint : { ...checkpoint, body: sealBody(checkpoint.body, keyring.current, name, checkpoint.eventId) }),
    // A body that cannot be opened is a typed failure, never ciphertext: the projection host then folds from the start.
    readCheckpoint: (name) =>
      store.readCheckpoint(name).andThen((stored) => {
        if (stored === null) return okAsync(null);
        const body = openBody(stored.body, keyring, name, stored.eventId);
        if (body.isOk()) return okAsync(body.value === stored.body ? stored : { ...stored, body: body.value });
        const { reason, keyId } = body.error;
        return errAsync(storeUnavailable(`checkpoint ${name} cannot be decrypted (${reason}${keyId === null ? '' : `, key "${keyId}"`})`));
      }),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

/** `subscription` with each event passed through `open`; closing and ending are the inner subscription's. */
function openedSubscription(subscription: Subscription, open: (event: RecordedEvent) => RecordedEvent): Subscription {
  return {
    ended: subscription.ended,
    close: () => subscription.close(),
    [Symbol.asyncIterator]: () => {
      const inner = subscription[Symbol.asyncIterator]();
      return {
        next: () => inner.next().then((result) => (result.done === true ? result : { done: false, value: open(result.value) })),
        return: (value?: unknown) => (inner.return === undefined ? Promise.resolve({ done: true as const, value: undefined }) : inner.return(value)),
      };
    },
  };
}
