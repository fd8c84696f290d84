import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldAll, storeProjections, type ProjectedEvent, type Projection } from '../../projections/index.js';
import { storeHistory } from '../../projections/testing/arbitraries.js';
import { MemoryEventStore, type EventStore } from '../store/index.js';
import { CHECKPOINT_FORMAT, checkpointName, decodeCheckpoint, encodeCheckpoint, loadCheckpoint, verifyCheckpoint, type ProjectionCheckpoint } from './checkpoint.js';

const projections = Object.entries(storeProjections()) as [string, Projection<unknown>][];

const checkpointAt = (state: unknown, over: Partial<ProjectionCheckpoint> = {}): ProjectionCheckpoint => ({ version: 1, position: 5n, eventId: 'e5', previous: 4n, state, ...over });

/** A store holding `count` events; returns their ids by position. */
async function storeWith(count: number): Promise<{ store: EventStore; ids: Map<bigint, string> }> {
  const store = new MemoryEventStore();
  const ids = new Map<bigint, string>();
  for (let i = 0; i < count; i++) {
    const appended = (await store.append('session-a', [{ type: 'Thing', data: { i } }], { expectedRevision: 'any' }))._unsafeUnwrap();
    const [event] = (await store.readAll({ fromPosition: appended.position - 1n, maxCount: 1 }))._unsafeUnwrap();
    ids.set(appended.position, event?.id ?? '');
  }
  return { store, ids };
}

describe('checkpoint codec', () => {
  it('round-trips a checkpoint through its stored form', () => {
    const checkpoint = checkpointAt({ sessions: { size: 1, slots: [null, { a: { x: 1 } }] }, skipped: 0 });
    const stored = encodeCheckpoint(checkpoint);
    expect(stored).toMatchObject({ position: 5n, eventId: 'e5' });
    expect(JSON.parse(stored.body)).toMatchObject({ format: CHECKPOINT_FORMAT, version: 1, previous: '4' });
    expect(decodeCheckpoint(stored, 1)._unsafeUnwrap()).toEqual(checkpoint);
  });

  it('refuses a checkpoint of another projection version, another format or a body that does not parse', () => {
    const stored = encodeCheckpoint(checkpointAt({}));
    expect(decodeCheckpoint(stored, 2)._unsafeUnwrapErr()).toMatchObject({ reason: 'version', detail: expect.stringContaining('version 1') });
    expect(decodeCheckpoint({ ...stored, body: stored.body.replace(`"format":${CHECKPOINT_FORMAT}`, '"format":99') }, 1)._unsafeUnwrapErr().reason).toBe('format');
    expect(decodeCheckpoint({ ...stored, body: '{"format":1' }, 1)._unsafeUnwrapErr().reason).toBe('malformed');
    expect(decodeCheckpoint({ ...stored, body: 'null' }, 1)._unsafeUnwrapErr().reason).toBe('malformed');
    expect(decodeCheckpoint({ ...stored, body: JSON.stringify({ format: CHECKPOINT_FORMAT, version: 1, previous: '9', state: {} }) }, 1)._unsafeUnwrapErr().reason).toBe('malformed');
    expect(decodeCheckpoint({ ...stored, body: JSON.stringify({ format: CHECKPOINT_FORMAT, version: 1, previous: '4' }) }, 1)._unsafeUnwrapErr().reason).toBe('malformed');
  });

  it('accepts a checkpoint whose event is still at its position, and refuses one whose event is not', async () => {
    const { store, ids } = await storeWith(5);
    const good = checkpointAt({}, { position: 3n, previous: 2n, eventId: ids.get(3n) as string });
    expect((await verifyCheckpoint(store, good))._unsafeUnwrap()).toBe(good);
    // Another event at that position: the store was replaced or rewritten.
    expect((await verifyCheckpoint(store, { ...good, eventId: ids.get(4n) as string }))._unsafeUnwrapErr()).toMatchObject({ reason: 'moved', detail: expect.stringContaining('replaced or rewritten') });
    // The log ends before the position: the store was truncated or is another, shorter one.
    expect((await verifyCheckpoint(store, { ...good, position: 9n, previous: 8n }))._unsafeUnwrapErr()).toMatchObject({ reason: 'moved', detail: expect.stringContaining('ends before position 9') });
    await store.close();
    expect((await verifyCheckpoint(store, good))._unsafeUnwrapErr().reason).toBe('unreadable');
  });

  it('loads nothing when none was written, the checkpoint when it holds, and a refusal when it does not', async () => {
    const { store, ids } = await storeWith(3);
    const [name, projection] = projections[0] as [string, Projection<unknown>];
    expect((await loadCheckpoint(store, projection))._unsafeUnwrap()).toBeNull();
    const state = projection.initial();
    (await store.writeCheckpoint(checkpointName(name), encodeCheckpoint({ version: projection.version ?? 0, position: 3n, eventId: ids.get(3n) as string, previous: 2n, state })))._unsafeUnwrap();
    expect((await loadCheckpoint(store, projection))._unsafeUnwrap()).toMatchObject({ position: 3n, state });
    const other = new MemoryEventStore();
    (await other.writeCheckpoint(checkpointName(name), encodeCheckpoint({ version: projection.version ?? 0, position: 3n, eventId: ids.get(3n) as string, previous: 2n, state })))._unsafeUnwrap();
    expect((await loadCheckpoint(other, projection))._unsafeUnwrapErr().reason).toBe('moved');
    expect((await loadCheckpoint(store, { ...projection, version: (projection.version ?? 0) + 1 }))._unsafeUnwrapErr().reason).toBe('version');
    const { version: _version, ...unversioned } = projection;
    expect((await loadCheckpoint(store, unversioned))._unsafeUnwrap()).toBeNull();
  });
});

/** A value as the store gives it back: the log holds JSON text (the generators also make values JSON cannot hold). */
const asStored = (value: unknown): unknown => {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
};
const storedHistory = storeHistory().map((events) => events.map((event): ProjectedEvent => ({ ...event, data: asStored(event.data), metadata: asStored(event.metadata) as ProjectedEvent['metadata'] })));

describe('every store projection resumes from its checkpoint', () => {
  for (const [name, projection] of projections) {
    it(`${name}: fold(all) equals fold(tail) from decode(encode(fold(head)))`, () => {
      expect(projection.version).toBeTypeOf('number');
      fc.assert(
        fc.property(storedHistory, fc.nat(), (events: ProjectedEvent[], cut) => {
          const at = cut % (events.length + 1);
          const head = foldAll(projection, events.slice(0, at));
          const stored = encodeCheckpoint({ version: projection.version ?? 0, position: BigInt(at + 1), eventId: 'e', previous: BigInt(at), state: head });
          const restored = decodeCheckpoint(stored, projection.version ?? 0)._unsafeUnwrap().state;
          expect(foldAll(projection, events.slice(at), restored)).toEqual(foldAll(projection, events));
        }),
        { numRuns: 200 },
      );
    });
  }
});
