/**
 * The committed tail of the SQLite adapter (src/store/sqlite/committed-tail.ts) seen through the store: pages a
 * subscription gets from memory equal the pages SQLite gives for the same checkpoint (events decoded from what was
 * read back, `scannedTo`), other connections' commits are read from SQLite, and the bounds hold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { collectPages, type LogPager } from '../../src/store/core/log-pager.js';
import { sqlitePager } from '../../src/store/sqlite/log-pager.js';
import { Statements } from '../../src/store/sqlite/statements.js';
import type { TailLimits } from '../../src/store/sqlite/committed-tail.js';
import { event, unwrap } from '../../src/store/testing/conformance/helpers.js';
import { take } from '../../src/store/testing/conformance/subscriptions.js';
import { SqliteEventStore, type EventFilter, type JsonValue, type RecordedEvent } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-sqlite-tail-'));
let files = 0;
const cleanup: (() => unknown)[] = [];
const freshFile = () => join(dir, `db-${files++}.db`);
const open = (file: string, tailLimits?: TailLimits): SqliteEventStore => {
  const store = SqliteEventStore.open(file, { pollIntervalMs: 5, durability: 'normal', ...(tailLimits === undefined ? {} : { tailLimits }) })._unsafeUnwrap();
  cleanup.push(() => store.close());
  return store;
};
/** The plain SQLite pager on a connection of its own: what the log holds, decoded from what was read back. */
const readBack = (file: string, filter: EventFilter | undefined): LogPager => {
  const db = new Database(file, { readonly: true });
  cleanup.push(() => db.close());
  return sqlitePager(db, new Statements(db), filter);
};
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILTERS: readonly (EventFilter | undefined)[] = [undefined, { streamPrefix: 'session-' }, { eventTypes: ['A', 'C'] }, { streamPrefix: 'pool-', eventTypes: ['B'] }];
const STREAMS = ['session-1', 'session-2', 'pool-main', 'breaker-x'] as const;
const fromTail = (events: readonly RecordedEvent[]): boolean => events.length > 0 && events.every((e) => Object.isFrozen(e));

const appendArb = fc.record({
  stream: fc.constantFrom(...STREAMS),
  events: fc.array(
    fc.record({
      type: fc.constantFrom('A', 'B', 'C'),
      data: fc.oneof({ weight: 5, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 1, arbitrary: fc.string({ minLength: 600, maxLength: 1500 }) }),
      metadata: fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  foreign: fc.boolean(),
});

describe('SQLite committed tail', () => {
  it('serves the same pages as SQLite: events equal to a read back, same scannedTo (random appends, filters, checkpoints)', async () => {
    let servedFromTail = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(appendArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.record({ maxEvents: fc.integer({ min: 1, max: 12 }), maxBytes: fc.integer({ min: 300, max: 6000 }), maxEventBytes: fc.integer({ min: 300, max: 1200 }) }),
        fc.boolean(),
        fc.boolean(),
        async (ticks, tailLimits, withForeign, lingering) => {
          const file = freshFile();
          const store = open(file, tailLimits);
          const other = withForeign ? open(file) : undefined;
          // A subscription that reads nothing keeps the tail from dropping what the others have read.
          if (lingering) cleanup.push(() => store.subscribe().close());
          for (const tick of ticks) {
            // One tick's appends share a batch (group commit); foreign ones commit on the other connection.
            const appends = tick.map(({ stream, events, foreign }) =>
              (foreign && other !== undefined ? other : store).append(stream, events.map((e) => event(e.type, e.data as JsonValue, e.metadata as Record<string, JsonValue> | undefined)), { expectedRevision: 'any' }),
            );
            for (const appended of appends) await unwrap(appended);
          }
          const head = Number(await unwrap(store.headPosition()));
          const foreignRows = withForeign && ticks.some((tick) => tick.some((append) => append.foreign));
          for (const filter of FILTERS) {
            const tailFirst = store.subscriptionPager(filter);
            const plain = readBack(file, filter);
            for (let after = Math.max(0, head - 14); after <= head + 1; after++) {
              for (const limit of [1, 2, 512]) {
                const expected = plain(after, limit)._unsafeUnwrap();
                const actual = tailFirst(after, limit)._unsafeUnwrap();
                if (fromTail(actual.events)) servedFromTail++;
                // Rows of another connection after the tail's last event make the tail stop early (a shorter page,
                // still correct); without them the pages are identical.
                if (!foreignRows) expect(actual).toStrictEqual(expected);
              }
              expect(collectPages(tailFirst, after, undefined)._unsafeUnwrap()).toStrictEqual(collectPages(plain, after, undefined)._unsafeUnwrap());
            }
          }
        },
      ),
      { numRuns: 40 },
    );
    expect(servedFromTail).toBeGreaterThan(0);
  }, 120_000);

  it('reads another connection’s rows from SQLite: a gap between its own commits, and rows after its last one', async () => {
    const file = freshFile();
    const store = open(file);
    const other = open(file);
    const pager = store.subscriptionPager(undefined);
    await unwrap(store.append('mine', [event('M1'), event('M2')], { expectedRevision: 'no_stream' }));
    const own = pager(0, 10)._unsafeUnwrap();
    expect(own.events.map((e) => e.type)).toEqual(['M1', 'M2']);
    expect(fromTail(own.events)).toBe(true);

    await unwrap(other.append('theirs', [event('T1'), event('T2')], { expectedRevision: 'no_stream' }));
    await unwrap(store.append('mine', [event('M3')], { expectedRevision: 1n }));
    const gap = pager(2, 10)._unsafeUnwrap();
    expect(gap.events.map((e) => e.type)).toEqual(['T1', 'T2', 'M3']);
    expect(gap.events.some((e) => Object.isFrozen(e))).toBe(false);
    expect(gap.events).toStrictEqual(await unwrap(store.readAll({ fromPosition: 2n })));
    // M3 (position 5) starts a new run; nothing follows it yet.
    expect(pager(4, 10)._unsafeUnwrap().events.map((e) => e.type)).toEqual(['M3']);
    expect(pager(5, 10)._unsafeUnwrap()).toEqual({ events: [], scannedTo: 5 });

    await unwrap(other.append('theirs', [event('T3')], { expectedRevision: 1n }));
    expect(pager(5, 10)._unsafeUnwrap().events.map((e) => e.type)).toEqual(['T3']);
  });

  it('a live subscription still picks up another connection’s commits by polling when nothing is committed here', async () => {
    const file = freshFile();
    const store = open(file);
    const other = open(file);
    const subscription = store.subscribe();
    await unwrap(store.append('mine', [event('M1')], { expectedRevision: 'no_stream' }));
    const received = take(subscription, 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await unwrap(other.append('theirs', [event('T1')], { expectedRevision: 'no_stream' }));
    expect((await received).map((e) => e.type)).toEqual(['M1', 'T1']);
  });

  it('keeps only its bounds: older checkpoints and large events are read from SQLite', async () => {
    const file = freshFile();
    const store = open(file, { maxEvents: 8, maxBytes: 1 << 20, maxEventBytes: 2048 });
    const lingering = store.subscribe();
    cleanup.push(() => lingering.close());
    const pager = store.subscriptionPager(undefined);
    for (let i = 1; i <= 30; i++) await unwrap(store.append(`s-${i}`, [event('E', { i })], { expectedRevision: 'no_stream' }));
    expect(fromTail(pager(22, 100)._unsafeUnwrap().events)).toBe(true);
    expect(pager(21, 100)._unsafeUnwrap().events.some((e) => Object.isFrozen(e))).toBe(false);

    await unwrap(store.append('big', [event('Big', 'x'.repeat(4096))], { expectedRevision: 'no_stream' }));
    await unwrap(store.append('after', [event('After')], { expectedRevision: 'no_stream' }));
    const acrossBig = pager(30, 100)._unsafeUnwrap();
    expect(acrossBig.events.map((e) => [e.type, Object.isFrozen(e)])).toEqual([
      ['Big', false],
      ['After', false],
    ]);
    expect(fromTail(pager(31, 100)._unsafeUnwrap().events)).toBe(true);
  });

  it('drops the events every subscription has read at the next commit', async () => {
    const store = open(freshFile());
    const subscription = store.subscribe();
    cleanup.push(() => subscription.close());
    const reader = subscription[Symbol.asyncIterator]();
    const pager = store.subscriptionPager(undefined);
    await unwrap(store.append('s', [event('A'), event('B')], { expectedRevision: 'no_stream' }));
    expect([(await reader.next()).value?.type, (await reader.next()).value?.type]).toEqual(['A', 'B']);
    expect(fromTail(pager(0, 10)._unsafeUnwrap().events)).toBe(true);
    await unwrap(store.append('s', [event('C')], { expectedRevision: 1n }));
    const [a, b, c] = pager(0, 10)._unsafeUnwrap().events;
    expect([a, b, c].map((e) => [e?.type, Object.isFrozen(e)])).toEqual([
      ['A', false],
      ['B', false],
      ['C', false],
    ]);
    expect(pager(2, 10)._unsafeUnwrap().events.map((e) => [e.type, Object.isFrozen(e)])).toEqual([['C', true]]);
  });
});
