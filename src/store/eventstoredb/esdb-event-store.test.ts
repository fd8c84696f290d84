import { StreamDeletedError, StreamNotFoundError, WrongExpectedVersionError } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { describeEventStoreConformance } from '../testing/conformance.js';
import { EsdbEventStore } from './esdb-event-store.js';
import { fromEsdbError } from './errors.js';
import { toServerFilter } from './esdb-subscription.js';
import { fromEsdbMetadata, fromResolved, toEsdbMetadata } from './mapping.js';

const url = process.env['EVENTSTORE_URL'];

if (url !== undefined && url !== '') {
  describeEventStoreConformance(`eventstoredb (${url})`, () => EsdbEventStore.connect(url)._unsafeUnwrap(), {
    modelRuns: 10,
    modelTimeoutMs: 180_000,
  });
} else {
  describe.skip('EventStore conformance: eventstoredb', () => {
    it.skip('set EVENTSTORE_URL=esdb://… to run the EventStoreDB conformance suite (e.g. esdb://localhost:2113?tls=false)', () => undefined);
  });
}

describe('EventStoreDB adapter without a server', () => {
  it('maps client errors onto StoreError kinds', () => {
    const wrong = new WrongExpectedVersionError(undefined, { streamName: 's', expected: 3n, current: 5n });
    expect(fromEsdbError(wrong, { stream: 's', expected: 3n })).toEqual({ kind: 'WrongExpectedVersion', stream: 's', expected: 3n, actual: 5n });
    expect(fromEsdbError(new StreamNotFoundError(undefined, 's'), { stream: 's' })).toEqual({ kind: 'StreamNotFound', stream: 's' });
    expect(fromEsdbError(StreamDeletedError.fromStreamName('s'), { stream: 's' })).toEqual({ kind: 'StreamDeleted', stream: 's' });
    expect(fromEsdbError(new Error('socket hang up')).kind).toBe('StoreUnavailable');
  });

  it('builds the server-side filter: stream prefix, else exact event types, else no system events', () => {
    expect(toServerFilter({ streamPrefix: 'session-', eventTypes: ['A'] })).toMatchObject({ filterOn: 'streamName', prefixes: ['session-'] });
    expect(toServerFilter({ eventTypes: ['A.b', 'C'] })).toMatchObject({ filterOn: 'eventType', regex: '^(?:A\\.b|C)$' });
    expect(toServerFilter(undefined)).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
  });

  it('converts recorded events and drops system, link and binary events', () => {
    const created = new Date('2024-05-01T10:00:00Z');
    const base = { streamId: 'session-1', id: '5f0c6b4e-1f1a-4a51-9c1e-2b9f4f0e8a11', revision: 3n, created, position: { commit: 99n, prepare: 99n } };
    const json = { ...base, type: 'Started', isJson: true as const, data: { a: 1 }, metadata: { actor: 'x' } };
    expect(fromResolved({ event: json })).toEqual({
      id: base.id,
      type: 'Started',
      data: { a: 1 },
      metadata: { actor: 'x' },
      stream: 'session-1',
      revision: 3n,
      position: 99n,
      recordedAt: created,
    });
    expect(fromResolved({ event: { ...json, type: '$metadata' } })).toBeUndefined();
    expect(fromResolved({ event: { ...json, streamId: '$$session-1' } })).toBeUndefined();
    expect(fromResolved({ event: { ...base, type: 'Blob', isJson: false as const, data: new Uint8Array(), metadata: undefined } })).toBeUndefined();
    expect(fromResolved({})).toBeUndefined();
  });

  it('maps stream metadata both ways', () => {
    expect(toEsdbMetadata({ maxCount: 5, truncateBefore: 7n })).toEqual({ maxCount: 5, truncateBefore: 7 });
    expect(fromEsdbMetadata({ maxCount: 5, truncateBefore: 7, acl: {} })).toEqual({ maxCount: 5, truncateBefore: 7n });
    expect(fromEsdbMetadata(undefined)).toEqual({});
  });

  it('reports StoreUnavailable when nothing listens at the address', async () => {
    const store = EsdbEventStore.connect('esdb://127.0.0.1:1?tls=false')._unsafeUnwrap();
    const ping = await store.ping();
    expect(ping.isErr() && ping.error.kind).toBe('StoreUnavailable');
    const appended = await store.append('s', [{ type: 'A', data: {} }], { expectedRevision: 'any' });
    expect(appended.isErr() && appended.error.kind).toBe('StoreUnavailable');
    const subscription = store.subscribe();
    for await (const _ of subscription) expect.fail('no event can arrive');
    const ended = await subscription.ended;
    expect(ended.isErr() && ended.error.kind).toBe('StoreUnavailable');
    await store.close();
  });

  it('rejects a malformed connection string as InvalidStoreUrl', () => {
    const result = EsdbEventStore.connect('esdb://host:notaport');
    expect(result.isErr() && result.error.kind).toBe('InvalidStoreUrl');
  });
});
