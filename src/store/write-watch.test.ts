import { errAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { storeUnavailable, wrongExpectedVersion } from './errors.js';
import { MemoryEventStore } from './memory/index.js';
import type { EventStore } from './port.js';
import { watchWrites, WRITE_PROBE_STREAM } from './write-watch.js';

/** A memory store whose writes fail with `StoreUnavailable(reason)` while `broken.reason` is set. */
function breakable(): { inner: MemoryEventStore; store: EventStore; broken: { reason: string | null }; writes: string[] } {
  const inner = new MemoryEventStore();
  const broken: { reason: string | null } = { reason: null };
  const writes: string[] = [];
  const store = Object.create(inner) as EventStore;
  store.append = (stream, events, options) => (writes.push(stream), broken.reason === null ? inner.append(stream, events, options) : errAsync(storeUnavailable(broken.reason)));
  store.setStreamMetadata = (stream, metadata) => (writes.push(stream), broken.reason === null ? inner.setStreamMetadata(stream, metadata) : errAsync(storeUnavailable(broken.reason)));
  store.ping = () => inner.ping();
  return { inner, store, broken, writes };
}

const event = { type: 'Noted', data: {} };

describe('watchWrites', () => {
  it('fails ping after a write failed, probes writes only then, and recovers by itself', async () => {
    const { inner, store, broken, writes } = breakable();
    const said: string[] = [];
    const watched = watchWrites(store, { failing: (reason) => said.push(`failing: ${reason}`), recovered: () => said.push('recovered') });

    expect((await watched.ping()).isOk()).toBe(true);
    expect(writes).toEqual([]); // healthy: no probe

    broken.reason = 'database or disk is full';
    expect((await watched.append('s', [event], { expectedRevision: 'any' }))._unsafeUnwrapErr()).toMatchObject({ kind: 'StoreUnavailable' });
    expect((await watched.append('s', [event], { expectedRevision: 'any' })).isErr()).toBe(true);
    expect(said).toEqual(['failing: database or disk is full']); // once per outage

    expect((await watched.ping())._unsafeUnwrapErr()).toMatchObject({ kind: 'StoreUnavailable', reason: 'writes are failing: database or disk is full' });
    expect(writes.at(-1)).toBe(WRITE_PROBE_STREAM);

    broken.reason = null;
    expect((await watched.ping()).isOk()).toBe(true);
    expect(said).toEqual(['failing: database or disk is full', 'recovered']);
    const probes = writes.filter((stream) => stream === WRITE_PROBE_STREAM).length;
    expect((await watched.ping()).isOk()).toBe(true);
    expect(writes.filter((stream) => stream === WRITE_PROBE_STREAM)).toHaveLength(probes);
    // The probe writes metadata only: no stream with events appears.
    expect((await inner.listStreams())._unsafeUnwrap().map((summary) => summary.stream)).toEqual([]);
  });

  it('does not count a concurrency conflict as a store failure', async () => {
    const { store } = breakable();
    store.append = () => errAsync(wrongExpectedVersion('s', 'no_stream', 3n));
    const said: string[] = [];
    const watched = watchWrites(store, { failing: (reason) => said.push(reason) });
    expect((await watched.append('s', [event], { expectedRevision: 'no_stream' })).isErr()).toBe(true);
    expect(said).toEqual([]);
    expect((await watched.ping()).isOk()).toBe(true);
  });
});
