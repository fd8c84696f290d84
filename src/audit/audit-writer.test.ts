import { errAsync, ResultAsync } from 'neverthrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUDIT_ACTION, AUDIT_OUTCOME, type AuditActor, type AuditEventData } from '../../machines/index.js';
import { MemoryEventStore, storeUnavailable, type EventStore } from '../store/index.js';
import { AUDIT_DROP_REASON, createAuditWriter, type AuditEntry, type AuditWriterOptions } from './audit-writer.js';

const DAY = Date.UTC(2026, 11, 4, 10, 0, 0);
const actor: AuditActor = { userId: 'ada', tenant: 'acme', role: 'admin', via: 'api_key', keyId: 'key_1', address: '10.0.0.1' };
const created: AuditEntry = { action: AUDIT_ACTION.sessionCreated, actor, target: { sessionId: 's1' }, requestId: 'r1' };
const failure = (address: string, detail = 'unknown API key'): AuditEntry => ({
  action: AUDIT_ACTION.authFailed,
  actor: { ...actor, userId: null, tenant: null, role: null, via: null, keyId: null, address },
  outcome: AUDIT_OUTCOME.denied,
  reason: 'unauthorized',
  detail,
});

/** A memory store (`store`, to read back) and the writer's view of it (`writes`), whose appends are counted. */
function countingStore() {
  const store = new MemoryEventStore();
  const appends: { stream: string; count: number }[] = [];
  const writes = {
    append: (...args: Parameters<EventStore['append']>) => {
      appends.push({ stream: args[0], count: args[1].length });
      return store.append(...args);
    },
  } as unknown as EventStore;
  return { store, writes, appends };
}

const dataOf = async (store: EventStore, stream: string): Promise<AuditEventData[]> => (await store.readStream(stream))._unsafeUnwrap().map((event) => event.data as unknown as AuditEventData);

describe('audit writer', () => {
  let now = DAY;
  const options = (extra: Partial<AuditWriterOptions> = {}): AuditWriterOptions => ({ clock: { now: () => now }, ...extra });
  beforeEach(() => {
    now = DAY;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate'] });
  });
  afterEach(() => void vi.useRealTimers());

  it('queues without appending at once, then appends everything of one turn in one append per day stream', async () => {
    const { store, writes, appends } = countingStore();
    const writer = createAuditWriter(writes, options());
    writer.record(created);
    writer.record({ ...created, requestId: 'r2' });
    expect(appends).toEqual([]);
    now = DAY + 24 * 3_600_000;
    writer.record({ ...created, requestId: 'r3' });
    await vi.advanceTimersToNextTimerAsync();
    await writer.flush();
    expect(appends).toEqual([
      { stream: 'audit-2026-12-04', count: 2 },
      { stream: 'audit-2026-12-05', count: 1 },
    ]);
    const [first] = await dataOf(store, 'audit-2026-12-04');
    expect(first).toEqual({
      action: 'session.created',
      outcome: 'allowed',
      reason: null,
      detail: null,
      actor,
      target: { sessionId: 's1' },
      requestId: 'r1',
      at: DAY,
      count: 1,
    });
    const [event] = (await store.readStream('audit-2026-12-04'))._unsafeUnwrap();
    expect(event).toMatchObject({ type: 'SessionCreated', metadata: { actor: 'ada', at: DAY, correlationId: 'r1' } });
  });

  it('bounds what is pending: beyond maxPending new events are dropped and counted, never queued', async () => {
    const { store, writes, appends } = countingStore();
    const writer = createAuditWriter(writes, options({ maxPending: 3 }));
    for (let index = 0; index < 5; index++) writer.record(created);
    expect(writer.dropped()).toEqual({ [AUDIT_DROP_REASON.overflow]: 2, [AUDIT_DROP_REASON.storeFailed]: 0 });
    await writer.flush();
    expect(appends).toEqual([{ stream: 'audit-2026-12-04', count: 3 }]);
    // Room again once appended.
    writer.record(created);
    await writer.flush();
    expect(await dataOf(store, 'audit-2026-12-04')).toHaveLength(4);
  });

  it('counts events being appended against the bound (a slow store cannot grow memory)', async () => {
    const inner = new MemoryEventStore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = { append: (...args: Parameters<EventStore['append']>) => ResultAsync.fromSafePromise(gate).andThen(() => inner.append(...args)) } as unknown as EventStore;
    const writer = createAuditWriter(slow, options({ maxPending: 2 }));
    writer.record(created);
    writer.record(created);
    await vi.advanceTimersToNextTimerAsync();
    writer.record(created);
    expect(writer.dropped()[AUDIT_DROP_REASON.overflow]).toBe(1);
    release();
    await writer.flush();
    expect(await dataOf(inner, 'audit-2026-12-04')).toHaveLength(2);
  });

  it('coalesces identical authentication failures per address for a second into one event with a count', async () => {
    const { store, writes, appends } = countingStore();
    const writer = createAuditWriter(writes, options());
    for (let index = 0; index < 50; index++) writer.record(failure('10.0.0.9'));
    writer.record(failure('10.0.0.9', 'the token has expired'));
    writer.record(failure('10.0.0.7'));
    await vi.advanceTimersByTimeAsync(999);
    expect(appends).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await writer.flush();
    const events = await dataOf(store, 'audit-2026-12-04');
    expect(events.map(({ actor: { address }, detail, count }) => ({ address, detail, count }))).toEqual([
      { address: '10.0.0.9', detail: 'unknown API key', count: 50 },
      { address: '10.0.0.9', detail: 'the token has expired', count: 1 },
      { address: '10.0.0.7', detail: 'unknown API key', count: 1 },
    ]);
    // The next second starts a new window.
    writer.record(failure('10.0.0.9'));
    await writer.flush();
    expect(await dataOf(store, 'audit-2026-12-04')).toHaveLength(4);
  });

  it('bounds the failures held while coalescing', async () => {
    const writer = createAuditWriter(new MemoryEventStore(), options({ maxHeld: 2 }));
    for (const address of ['a', 'b', 'c', 'd']) writer.record(failure(address));
    expect(writer.dropped()[AUDIT_DROP_REASON.overflow]).toBe(2);
    await writer.close();
  });

  it('never throws into the caller: a failing or throwing store, a broken entry, a throwing clock', async () => {
    const refusing = { ...new MemoryEventStore(), append: () => errAsync(storeUnavailable('disk full')) } as unknown as EventStore;
    const warnings: string[] = [];
    const writer = createAuditWriter(refusing, options({ logger: { warn: (_: unknown, message?: string) => void warnings.push(message ?? '') } as never }));
    writer.record(created);
    await writer.flush();
    expect(writer.dropped()[AUDIT_DROP_REASON.storeFailed]).toBe(1);
    expect(warnings[0]).toMatch(/^audit: events lost: /);

    const throwing = { append: () => { throw new Error('bug'); } } as unknown as EventStore;
    const second = createAuditWriter(throwing, options());
    expect(() => second.record(created)).not.toThrow();
    await second.flush();
    expect(second.dropped()[AUDIT_DROP_REASON.storeFailed]).toBe(1);

    const broken = createAuditWriter(new MemoryEventStore(), { clock: { now: () => { throw new Error('clock'); } } });
    expect(() => broken.record(created)).not.toThrow();
    expect(() => broken.record(null as never)).not.toThrow();
    expect(broken.dropped()[AUDIT_DROP_REASON.overflow]).toBe(2);
  });

  it('close flushes held failures and queued events; later records are ignored', async () => {
    const store = new MemoryEventStore();
    const writer = createAuditWriter(store, options());
    writer.record(failure('10.0.0.9'));
    writer.record(created);
    await writer.close();
    expect((await dataOf(store, 'audit-2026-12-04')).map((data) => data.action).sort()).toEqual(['auth.failed', 'session.created']);
    writer.record(created);
    await vi.runAllTimersAsync();
    expect(await dataOf(store, 'audit-2026-12-04')).toHaveLength(2);
  });

  it('cuts a long detail', async () => {
    const store = new MemoryEventStore();
    const writer = createAuditWriter(store, options());
    writer.record({ ...created, detail: 'x'.repeat(1000) });
    await writer.flush();
    expect((await dataOf(store, 'audit-2026-12-04'))[0]!.detail).toHaveLength(200);
  });
});
