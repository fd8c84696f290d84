import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectError, event, unwrap } from '../../src/store/testing/conformance/helpers.js';
import { take } from '../../src/store/testing/conformance/subscriptions.js';
import { SqliteEventStore, type AppendResult, type EventStore } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-sqlite-'));
let files = 0;
const opened: EventStore[] = [];
const freshFile = () => join(dir, `db-${files++}.db`);
const open = (file: string, pollIntervalMs = 10): SqliteEventStore => {
  const store = SqliteEventStore.open(file, { pollIntervalMs })._unsafeUnwrap();
  opened.push(store);
  return store;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite adapter', () => {
  it('applies writes submitted in one tick in call order, each with its own check', async () => {
    const store = open(freshFile());
    const results = await Promise.all([
      store.append('s', [event('A')], { expectedRevision: 'no_stream' }),
      store.append('s', [event('B')], { expectedRevision: 0n }),
      store.append('s', [event('C')], { expectedRevision: 0n }),
      store.deleteStream('s', { expectedRevision: 1n }),
      store.append('s', [event('D')], { expectedRevision: 'no_stream' }),
    ]);
    expect(results.map((r) => (r.isOk() ? 'ok' : r.error.kind))).toEqual(['ok', 'ok', 'WrongExpectedVersion', 'ok', 'ok']);
    expect((results[4]?._unsafeUnwrap() as AppendResult).nextExpectedRevision).toBe(2n);
  });

  it('keeps everything across close and reopen; positions and revisions continue', async () => {
    const file = freshFile();
    const first = open(file);
    const a = await unwrap(first.append('s', [event('A'), event('B')], { expectedRevision: 'no_stream' }));
    await unwrap(first.setStreamMetadata('s', { maxCount: 5 }));
    await first.close();
    const second = open(file);
    const b = await unwrap(second.append('s', [event('C')], { expectedRevision: 1n }));
    expect(b.position).toBe(a.position + 1n);
    expect(await unwrap(second.getStreamMetadata('s'))).toEqual({ maxCount: 5 });
    expect((await unwrap(second.readStream('s'))).map((e) => e.type)).toEqual(['A', 'B', 'C']);
  });

  it('sees another connection’s writes: concurrency checks stay correct and subscriptions poll', async () => {
    const file = freshFile();
    const one = open(file);
    const two = open(file);
    await unwrap(one.append('s', [event('A')], { expectedRevision: 'no_stream' }));
    await unwrap(two.append('s', [event('B')], { expectedRevision: 0n }));
    const stale = await expectError(one.append('s', [event('X')], { expectedRevision: 0n }), 'WrongExpectedVersion');
    expect(stale.actual).toBe(1n);
    await unwrap(one.append('s', [event('C')], { expectedRevision: 1n }));
    const subscription = two.subscribe({ fromPosition: 3n });
    const pending = take(subscription, 1);
    await unwrap(one.append('t', [event('FromOne')], { expectedRevision: 'no_stream' }));
    expect((await pending).map((e) => e.type)).toEqual(['FromOne']);
  });

  it('a subscriber gets its own connection’s commits and another connection’s, interleaved, each once in order', async () => {
    const file = freshFile();
    const one = open(file, 5);
    const two = open(file, 5);
    const all = one.subscribe();
    const filtered = one.subscribe({ filter: { streamPrefix: 'x-' } });
    const writes = 60;
    const receivedAll = take(all, writes * 2);
    const receivedFiltered = take(filtered, writes);
    for (let i = 0; i < writes; i++) {
      // Both connections write in turn; positions interleave, so the first connection's run has gaps.
      await unwrap(one.append(`x-${i}`, [event('One')], { expectedRevision: 'no_stream' }));
      await unwrap(two.append(`y-${i}`, [event('Two')], { expectedRevision: 'no_stream' }));
      if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 8));
    }
    const logged = await unwrap(one.readAll());
    expect((await receivedAll).map((e) => [e.position, e.stream, e.type])).toEqual(logged.map((e) => [e.position, e.stream, e.type]));
    expect((await receivedFiltered).map((e) => e.stream)).toEqual(Array.from({ length: writes }, (_, i) => `x-${i}`));
  });

  it('a filtered read or subscription crosses long stretches of non-matching events', async () => {
    const store = open(freshFile());
    for (let batch = 0; batch < 20; batch++) {
      const events = Array.from({ length: 1000 }, () => event('Noise'));
      await unwrap(store.append('noise', events, { expectedRevision: batch === 0 ? 'no_stream' : BigInt(batch * 1000 - 1) }));
    }
    await unwrap(store.append('rare-1', [event('Rare')], { expectedRevision: 'no_stream' }));
    expect((await unwrap(store.readAll({ filter: { streamPrefix: 'rare-' } }))).map((e) => e.type)).toEqual(['Rare']);
    expect((await unwrap(store.readAll({ filter: { eventTypes: ['Rare'] } }))).map((e) => e.stream)).toEqual(['rare-1']);
    const received = await take(store.subscribe({ filter: { streamPrefix: 'rare-' } }), 1);
    expect(received.map((e) => e.position)).toEqual([20_001n]);
  });

  it('reports files it cannot use as StoreUnavailable', () => {
    const folder = join(dir, 'a-directory');
    mkdirSync(folder);
    const notADatabase = join(dir, 'garbage.db');
    writeFileSync(notADatabase, 'this is not a database, just some text that is long enough to have a header'.repeat(100));
    for (const path of [folder, notADatabase]) {
      const result = SqliteEventStore.open(path);
      expect(result.isErr() && result.error.kind).toBe('StoreUnavailable');
    }
  });

  it('refuses a database written by a newer schema version', () => {
    const file = freshFile();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    const result = SqliteEventStore.open(file);
    expect(result.isErr() && result.error.kind === 'StoreUnavailable' && result.error.reason).toMatch(/schema version 99 is newer/);
  });

  it('lets queued writes finish on close', async () => {
    const file = freshFile();
    const store = SqliteEventStore.open(file)._unsafeUnwrap();
    const pending = store.append('s', [event('A')], { expectedRevision: 'no_stream' });
    await store.close();
    expect((await pending).isOk()).toBe(true);
    const reopened = open(file);
    expect((await unwrap(reopened.readStream('s'))).map((e) => e.type)).toEqual(['A']);
  });
});
