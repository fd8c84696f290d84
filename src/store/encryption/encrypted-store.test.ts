import { afterEach, describe, expect, it } from 'vitest';
import { formatStoreError } from '../errors.js';
import type { EventStore } from '../port.js';
import { MemoryEventStore } from '../memory/index.js';
import { SqliteEventStore } from '../sqlite/index.js';
import type { RecordedEvent } from '../types.js';
import { encryptAtRest } from './encrypted-store.js';
import { SEALED_FIELD, UNREADABLE_MARK } from './envelope.js';
import { UNREADABLE_FIELD, type UnreadableEvent } from './errors.js';
import { EMPTY_KEYRING, newKeyEntry, parseKeyring, readOnly, type Keyring } from './keyring.js';

const ring = (text: string): Keyring => parseKeyring(text, 'test')._unsafeUnwrap();
const k1 = newKeyEntry('k1');
const k2 = newKeyEntry('k2');
const fields = { MessageAccepted: ['text'], TurnCompleted: ['result'] };
const said = (text: string) => ({ type: 'MessageAccepted', data: { turnId: 't', text, at: 1 } });

const opened: EventStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});
const sqlite = (): EventStore => {
  const store = SqliteEventStore.open(':memory:')._unsafeUnwrap();
  opened.push(store);
  return store;
};

async function take(store: EventStore, count: number): Promise<RecordedEvent[]> {
  const subscription = store.subscribe();
  const events: RecordedEvent[] = [];
  for await (const event of subscription) {
    events.push(event);
    if (events.length === count) break;
  }
  return events;
}

describe('encryptAtRest', () => {
  it('stores only ciphertext and shows the text on every read path', async () => {
    const inner = new MemoryEventStore();
    const store = encryptAtRest(inner, { keyring: ring(k1), fields });
    await store.append('session-a', [said('launch at dawn'), { type: 'TurnCompleted', data: { result: 'done', costUsd: 0.5 } }], { expectedRevision: 'any' });

    const raw = (await inner.readAll())._unsafeUnwrap();
    expect(JSON.stringify(raw.map((event) => event.data))).not.toContain('launch at dawn');
    expect(raw[1]?.data).toMatchObject({ costUsd: 0.5 }); // numbers stay readable without the key
    for (const events of [(await store.readStream('session-a'))._unsafeUnwrap(), (await store.readAll())._unsafeUnwrap(), await take(store, 2)]) {
      expect(events.map((event) => event.data)).toEqual([{ turnId: 't', text: 'launch at dawn', at: 1 }, { result: 'done', costUsd: 0.5 }]);
    }
  });

  it('rotation: new events use the current key, old keys still decrypt, history is not rewritten', async () => {
    const inner = new MemoryEventStore();
    await encryptAtRest(inner, { keyring: ring(k1), fields }).append('s', [said('before')], { expectedRevision: 'any' });
    const rotated = encryptAtRest(inner, { keyring: ring(`${k1}\n${k2}`), fields });
    await rotated.append('s', [said('after')], { expectedRevision: 'any' });

    const raw = (await inner.readStream('s'))._unsafeUnwrap();
    expect(raw.map((event) => (event.data as { [SEALED_FIELD]: { k: string } })[SEALED_FIELD].k)).toEqual(['k1', 'k2']);
    expect((await rotated.readStream('s'))._unsafeUnwrap().map((event) => (event.data as { text: string }).text)).toEqual(['before', 'after']);
  });

  it('encryption off: writes in clear but still reads what was sealed', async () => {
    const inner = new MemoryEventStore();
    await encryptAtRest(inner, { keyring: ring(k1), fields }).append('s', [said('sealed')], { expectedRevision: 'any' });
    const off = encryptAtRest(inner, { keyring: readOnly(ring(k1)), fields });
    await off.append('s', [said('clear')], { expectedRevision: 'any' });
    expect(JSON.stringify((await inner.readAll())._unsafeUnwrap().map((event) => event.data))).toContain('clear');
    expect((await off.readAll())._unsafeUnwrap().map((event) => (event.data as { text: string }).text)).toEqual(['sealed', 'clear']);
  });

  it('a missing key: the event is delivered with markers, the hook hears a typed error, the subscription goes on', async () => {
    const inner = sqlite();
    await encryptAtRest(inner, { keyring: ring(k1), fields }).append('s', [said('lost')], { expectedRevision: 'any' });
    await encryptAtRest(inner, { keyring: ring(k2), fields }).append('s', [said('kept')], { expectedRevision: 'any' });
    const heard: UnreadableEvent[] = [];
    const reader = encryptAtRest(inner, { keyring: ring(k2), fields, onUnreadable: (error) => heard.push(error) });

    const events = await take(reader, 2);
    expect(events.map((event) => event.data)).toEqual([
      { turnId: 't', at: 1, text: UNREADABLE_FIELD, [UNREADABLE_MARK]: { reason: 'UnknownKey', keyId: 'k1' } },
      { turnId: 't', at: 1, text: 'kept' },
    ]);
    expect(heard).toEqual([expect.objectContaining({ kind: 'UnreadableEvent', reason: 'UnknownKey', keyId: 'k1', stream: 's', revision: 0n })]);
    const unkeyed = (await encryptAtRest(inner, { keyring: EMPTY_KEYRING, fields }).readAll())._unsafeUnwrap();
    expect(unkeyed.map((event) => (event.data as { text: string }).text)).toEqual([UNREADABLE_FIELD, UNREADABLE_FIELD]);
  });

  it('never mutates the shared frozen events of the SQLite tail; opens each once for all subscribers', async () => {
    const inner = sqlite();
    const store = encryptAtRest(inner, { keyring: ring(k1), fields });
    const first = take(store, 1);
    const second = take(store, 1);
    const rawSubscriber = take(inner, 1);
    await store.append('s', [said('shared')], { expectedRevision: 'any' });
    const [[a], [b], [raw]] = await Promise.all([first, second, rawSubscriber]);
    expect(a?.data).toEqual({ turnId: 't', at: 1, text: 'shared' });
    expect(Object.isFrozen(a) && Object.isFrozen(a?.data)).toBe(true);
    expect(b).toBe(a);
    expect(raw?.data).not.toHaveProperty('text');
    expect(raw?.data).toHaveProperty(SEALED_FIELD);
  });

  it('a box copied into another event is refused, even while this process remembers sealing it', async () => {
    const inner = new MemoryEventStore();
    const heard: UnreadableEvent[] = [];
    const store = encryptAtRest(inner, { keyring: ring(k1), fields, onUnreadable: (error) => heard.push(error) });
    await store.append('s', [said('mine')], { expectedRevision: 'any' });
    const [original] = (await inner.readStream('s'))._unsafeUnwrap();
    await inner.append('s', [{ type: 'MessageAccepted', data: original!.data }], { expectedRevision: 'any' });
    const [, forged] = (await store.readStream('s'))._unsafeUnwrap();
    expect(forged?.data).toMatchObject({ text: UNREADABLE_FIELD });
    expect(heard.map((error) => error.reason)).toEqual(['Tampered']);
  });

  it('gives an append with no ids the ids its boxes are bound to', async () => {
    const store = encryptAtRest(new MemoryEventStore(), { keyring: ring(k1), fields });
    await store.append('s', [said('no id')], { expectedRevision: 'any' });
    expect((await store.readStream('s'))._unsafeUnwrap()[0]?.data).toMatchObject({ text: 'no id' });
  });
});

describe('encryptAtRest: checkpoints', () => {
  const checkpoint = { position: 3n, eventId: '0190a1b2-0000-7000-8000-000000000009', body: '{"state":{"lastFault":{"detail":"stderr: secret"}}}' };

  it('seals checkpoint bodies (projection states may hold sealed text) and opens them', async () => {
    const inner = new MemoryEventStore();
    const store = encryptAtRest(inner, { keyring: ring(k1), fields });
    await store.writeCheckpoint('projection-x', checkpoint);
    expect((await inner.readCheckpoint('projection-x'))._unsafeUnwrap()?.body).not.toContain('secret');
    expect((await store.readCheckpoint('projection-x'))._unsafeUnwrap()).toEqual(checkpoint);
  });

  it('a body it cannot open is a typed StoreUnavailable naming the key, never ciphertext', async () => {
    const inner = new MemoryEventStore();
    await encryptAtRest(inner, { keyring: ring(k1), fields }).writeCheckpoint('projection-x', checkpoint);
    const error = (await encryptAtRest(inner, { keyring: ring(k2), fields }).readCheckpoint('projection-x'))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'StoreUnavailable' });
    expect(formatStoreError(error)).toContain('checkpoint projection-x cannot be decrypted (UnknownKey, key "k1")');
  });
});
