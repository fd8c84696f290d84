import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { event, expectError, unwrap } from '../../src/store/testing/conformance/helpers.js';
import { newEventId, SqliteEventStore, type EventStore, type RecordedEvent } from '../../src/store/index.js';

const v1Schema = readFileSync(fileURLToPath(new URL('../fixtures/store-v1-schema.sql', import.meta.url)), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'aicli-sqlite-tiers-'));
let files = 0;
const opened: EventStore[] = [];
const freshFile = () => join(dir, `db-${files++}.db`);
const open = (file: string, compactionThreshold?: number): SqliteEventStore => {
  const store = SqliteEventStore.open(file, compactionThreshold === undefined ? {} : { compactionThreshold })._unsafeUnwrap();
  opened.push(store);
  return store;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Row counts of the two index tiers, read through a separate connection. */
function tiers(file: string): { recent: number; compacted: number } {
  const db = new Database(file, { readonly: true });
  try {
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return { recent: count('recent'), compacted: count('stream_index') };
  } finally {
    db.close();
  }
}

const types = (events: readonly RecordedEvent[]) => events.map((e) => e.type);

describe('SQLite two-tier stream index', () => {
  it('reads, lists and detects retries across a compaction boundary', async () => {
    const file = freshFile();
    const store = open(file, 5);
    const first = [event('E0'), event('E1'), event('E2'), event('E3')];
    await unwrap(store.append('s', first, { expectedRevision: 'no_stream' }));
    await unwrap(store.append('other', [event('O0')], { expectedRevision: 'no_stream' }));
    // The next batch starts with a compaction (5 entries pending), then adds E4…E6 to `recent`.
    const second = [event('E4'), event('E5'), event('E6')];
    const appended = await unwrap(store.append('s', second, { expectedRevision: 3n }));
    expect(tiers(file)).toEqual({ recent: 3, compacted: 5 });

    expect(types(await unwrap(store.readStream('s')))).toEqual(['E0', 'E1', 'E2', 'E3', 'E4', 'E5', 'E6']);
    expect(types(await unwrap(store.readStream('s', { direction: 'backwards' })))).toEqual(['E6', 'E5', 'E4', 'E3', 'E2', 'E1', 'E0']);
    expect(types(await unwrap(store.readStream('s', { from: 2n, maxCount: 4 })))).toEqual(['E2', 'E3', 'E4', 'E5']);
    expect(types(await unwrap(store.readStream('s', { from: 5n, direction: 'backwards', maxCount: 3 })))).toEqual(['E5', 'E4', 'E3']);
    expect(types(await unwrap(store.readStream('s', { direction: 'backwards', maxCount: 1 })))).toEqual(['E6']);
    expect(await unwrap(store.listStreams())).toEqual([
      { stream: 'other', revision: 0n },
      { stream: 's', revision: 6n },
    ]);

    // Retries of appends on either side of the boundary return the original results and write nothing.
    const retryOld = await unwrap(store.append('s', first, { expectedRevision: 'no_stream' }));
    expect(retryOld.nextExpectedRevision).toBe(3n);
    const retryNew = await unwrap(store.append('s', second, { expectedRevision: 3n }));
    expect(retryNew).toEqual(appended);
    const stale = await expectError(store.append('s', [first[1] as (typeof first)[number], event('X')], { expectedRevision: 6n }), 'InvalidEvent');
    expect(stale.reason).toMatch(/already used/);

    // Metadata and soft deletes shape reads of both tiers alike.
    await unwrap(store.setStreamMetadata('s', { maxCount: 4 }));
    expect(types(await unwrap(store.readStream('s')))).toEqual(['E3', 'E4', 'E5', 'E6']);
    await unwrap(store.deleteStream('s', { expectedRevision: 6n }));
    await expectError(store.readStream('s'), 'StreamNotFound');
    await unwrap(store.append('s', [event('E7')], { expectedRevision: 'no_stream' }));
    expect(types(await unwrap(store.readStream('s')))).toEqual(['E7']);
    expect((await unwrap(store.readAll())).length).toBe(9);
  });

  it('a fresh connection finds stream heads in either tier', async () => {
    const file = freshFile();
    const writer = open(file, 3);
    for (let i = 0; i < 10; i++) await unwrap(writer.append('s', [event(`E${i}`)], { expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1) }));
    const { recent, compacted } = tiers(file);
    expect(recent).toBeGreaterThan(0);
    expect(compacted).toBeGreaterThan(0);
    await writer.close();
    const reader = open(file, 3);
    await expectError(reader.append('s', [event('Stale')], { expectedRevision: 8n }), 'WrongExpectedVersion');
    expect((await unwrap(reader.append('s', [event('E10')], { expectedRevision: 9n }))).nextExpectedRevision).toBe(10n);
  });

  it('a duplicate id among the staged rows of one batch fails only its own append', async () => {
    const store = open(freshFile());
    const reused = event('A');
    await unwrap(store.append('old', [reused], { expectedRevision: 'no_stream' }));
    const results = await Promise.all([
      store.append('s', [event('S0')], { expectedRevision: 'no_stream' }),
      store.append('t', [reused], { expectedRevision: 'no_stream' }),
      store.append('t', [{ ...reused, type: 'Again' }], { expectedRevision: 0n }),
      store.append('old', [{ ...reused, type: 'Again' }], { expectedRevision: 0n }),
      store.append('s', [event('S1')], { expectedRevision: 0n }),
    ]);
    expect(results.map((r) => (r.isOk() ? 'ok' : r.error.kind))).toEqual(['ok', 'ok', 'InvalidEvent', 'InvalidEvent', 'ok']);
    expect(types(await unwrap(store.readStream('s')))).toEqual(['S0', 'S1']);
    expect(types(await unwrap(store.readStream('t')))).toEqual(['A']);
    const log = await unwrap(store.readAll());
    expect(log.map((e) => e.position)).toEqual([1n, 2n, 3n, 4n]);
    expect(results[4]?._unsafeUnwrap().position).toBe(4n);
  });

  it('within one batch, a retry sees the staged original and a multi-event append sees staged ids', async () => {
    const store = open(freshFile());
    const a = event('A');
    const twice = [event('T1'), event('T2')];
    const results = await Promise.all([
      store.append('s', [a], { expectedRevision: 'no_stream' }),
      store.append('s', [event('B'), { ...a, type: 'A-again' }], { expectedRevision: 0n }),
      store.append('r', twice, { expectedRevision: 'any' }),
      store.append('r', twice, { expectedRevision: 'any' }),
      store.append('s', [event('C')], { expectedRevision: 0n }),
    ]);
    expect(results.map((r) => (r.isOk() ? 'ok' : r.error.kind))).toEqual(['ok', 'InvalidEvent', 'ok', 'ok', 'ok']);
    expect(results[3]?._unsafeUnwrap()).toEqual(results[2]?._unsafeUnwrap());
    expect(types(await unwrap(store.readStream('s')))).toEqual(['A', 'C']);
    expect(types(await unwrap(store.readStream('r')))).toEqual(['T1', 'T2']);
  });

  it('numbers the rows of large batches consecutively and returns each append its own position', async () => {
    const store = open(freshFile(), 100);
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) => store.append(`w-${i}`, Array.from({ length: 1 + (i % 3) }, () => event('T')), { expectedRevision: 'no_stream' })),
    );
    const log = await unwrap(store.readAll());
    expect(log.map((e) => e.position)).toEqual(log.map((_, i) => BigInt(i + 1)));
    for (const [i, result] of results.entries()) {
      const last = log.find((e) => e.position === result._unsafeUnwrap().position) as RecordedEvent;
      expect(last.stream).toBe(`w-${i}`);
      expect(last.revision).toBe(BigInt(i % 3));
    }
  });
});

describe('SQLite schema migration', () => {
  it('opens a version-1 file, moves its stream index into the tiers and keeps every stream readable', async () => {
    const file = freshFile();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(v1Schema);
    db.pragma('user_version = 1');
    const insertStream = db.prepare('INSERT INTO streams (name, deleted_before, soft_deleted, tombstoned, max_count) VALUES (?, ?, ?, ?, ?)');
    const insertEvent = db.prepare(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const ids = {
      live: Number(insertStream.run('live', 0, 0, 0, null).lastInsertRowid),
      limited: Number(insertStream.run('limited', 0, 0, 0, 2).lastInsertRowid),
      soft: Number(insertStream.run('soft', 2, 1, 0, null).lastInsertRowid),
      hard: Number(insertStream.run('hard', 0, 0, 1, null).lastInsertRowid),
    };
    const written: string[] = [];
    for (let i = 0; i < 30; i++) {
      const [name, streamId] = Object.entries(ids)[i % 4] as [string, number];
      const revision = Math.floor(i / 4);
      if (name === 'soft' && revision >= 2) continue;
      const id = newEventId();
      written.push(id);
      insertEvent.run(streamId, revision, id, `${name}-${revision}`, JSON.stringify({ i }), '{}', 1_700_000_000_000 + i);
    }
    db.close();

    const store = open(file);
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(2);
    expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'events_stream_revision'").pluck().get()).toBe(0);
    raw.close();
    expect(tiers(file)).toEqual({ recent: 0, compacted: written.length });

    expect(types(await unwrap(store.readStream('live')))).toEqual(Array.from({ length: 8 }, (_, r) => `live-${r}`));
    expect(types(await unwrap(store.readStream('limited')))).toEqual(['limited-6', 'limited-7']);
    await expectError(store.readStream('soft'), 'StreamNotFound');
    await expectError(store.readStream('hard'), 'StreamDeleted');
    expect(await unwrap(store.getStreamMetadata('limited'))).toEqual({ maxCount: 2 });
    expect(await unwrap(store.listStreams())).toEqual([
      { stream: 'limited', revision: 7n },
      { stream: 'live', revision: 7n },
    ]);
    expect((await unwrap(store.readAll())).map((e) => e.id)).toEqual(written);

    // Writing continues where version 1 stopped: revisions, positions, retries and the soft-deleted stream.
    const next = await unwrap(store.append('live', [event('live-8')], { expectedRevision: 7n }));
    expect(next).toEqual({ nextExpectedRevision: 8n, position: BigInt(written.length + 1) });
    const retry = await unwrap(store.append('live', [{ id: written[0] as string, type: 'live-0', data: {} }], { expectedRevision: 'any' }));
    expect(retry.nextExpectedRevision).toBe(0n);
    expect((await unwrap(store.append('soft', [event('soft-2')], { expectedRevision: 'no_stream' }))).nextExpectedRevision).toBe(2n);
    expect(types(await unwrap(store.readStream('soft')))).toEqual(['soft-2']);
    await store.close();

    // Reopening a migrated file is a no-op.
    const again = open(file);
    expect(types(await unwrap(again.readStream('live', { direction: 'backwards', maxCount: 1 })))).toEqual(['live-8']);
  });
});
