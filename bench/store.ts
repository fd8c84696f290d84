/**
 * Event store benchmark (SQLite adapter, durability `full`): appends per second for 1, 16 and 256 concurrent
 * writers — each appends single events to its own stream in a loop with exact expected revisions — then the
 * catch-up read rate through `subscribe` from position 0. Finally, for reference, the ceiling of the same schema:
 * a raw better-sqlite3 loop inserting 256 events (one per stream) per transaction into `events` and the `recent`
 * tier of the stream index with 64-row `INSERT`s, compacting `recent` into `stream_index` every 8192 entries —
 * the SQL the adapter runs for such a batch, with no adapter code at all.
 * Run with `npx tsx bench/store.ts [seconds-per-run]`; `BENCH_DURABILITY=normal` for synchronous=NORMAL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newEventId, SqliteEventStore, type EventStore, type ExpectedRevision, type SqliteDurability } from '../src/store/index.js';

const seconds = Number(process.argv[2] ?? '3');
const durability: SqliteDurability = (process.env['BENCH_DURABILITY'] as SqliteDurability | undefined) ?? 'full';
const payload = { kind: 'AgentOutputReceived', text: 'x'.repeat(120), tokens: 42, at: '2024-05-01T10:00:00.000Z' };

async function writer(store: EventStore, stream: string, deadline: number): Promise<number> {
  let expected: ExpectedRevision = 'no_stream';
  let count = 0;
  while (performance.now() < deadline) {
    const result = await store.append(stream, [{ type: 'AgentOutputReceived', data: payload, metadata: { actor: 'bench' } }], { expectedRevision: expected });
    if (result.isErr()) throw new Error(`append failed: ${JSON.stringify(result.error, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    expected = result.value.nextExpectedRevision;
    count += 1;
  }
  return count;
}

async function appendRun(store: EventStore, writers: number): Promise<{ events: number; perSecond: number }> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const counts = await Promise.all(Array.from({ length: writers }, (_, w) => writer(store, `bench-${writers}-${w}`, deadline)));
  const elapsed = (performance.now() - started) / 1000;
  const events = counts.reduce((a, b) => a + b, 0);
  return { events, perSecond: events / elapsed };
}

async function catchUpRun(store: EventStore, total: number): Promise<number> {
  const started = performance.now();
  let seen = 0;
  const subscription = store.subscribe({ fromPosition: 0n });
  for await (const _ of subscription) {
    seen += 1;
    if (seen === total) break;
  }
  return seen / ((performance.now() - started) / 1000);
}

/** Inserts straight into the adapter's tables of an existing file, 256 streams per transaction. */
function rawCeiling(file: string): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('cache_size = -32000');
  db.pragma('wal_autocheckpoint = 8192');
  const rows = (count: number, columns: number) => Array.from({ length: count }, () => `(${Array.from({ length: columns }, () => '?').join(', ')})`).join(', ');
  const insertStream = db.prepare<[string]>('INSERT INTO streams (name) VALUES (?)');
  const insertEvents = db.prepare<unknown[]>(
    `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES ${rows(64, 7)}`,
  );
  const insertRecent = db.prepare<unknown[]>(`INSERT INTO recent (stream_id, revision, position) VALUES ${rows(64, 3)}`);
  const compactInsert = db.prepare('INSERT INTO stream_index (stream_id, revision, position) SELECT stream_id, revision, position FROM recent');
  const compactDelete = db.prepare('DELETE FROM recent');
  const streamIds = Array.from({ length: 256 }, (_, i) => Number(insertStream.run(`raw-${i}`).lastInsertRowid));
  const revisions = streamIds.map(() => -1);
  const data = JSON.stringify(payload);
  let recent = 0;
  const commit = db.transaction(() => {
    if (recent >= 8192) {
      compactInsert.run();
      compactDelete.run();
      recent = 0;
    }
    for (let chunk = 0; chunk < streamIds.length; chunk += 64) {
      const events: unknown[] = [];
      for (let i = chunk; i < chunk + 64; i++) {
        revisions[i] = (revisions[i] as number) + 1;
        events.push(streamIds[i], revisions[i], newEventId(), 'AgentOutputReceived', data, '{"actor":"bench"}', Date.now());
      }
      const last = Number(insertEvents.run(events).lastInsertRowid);
      const index: unknown[] = [];
      for (let i = chunk; i < chunk + 64; i++) index.push(streamIds[i], revisions[i], last - (chunk + 63 - i));
      insertRecent.run(index);
    }
    recent += streamIds.length;
  });
  const started = performance.now();
  let events = 0;
  while (performance.now() - started < seconds * 1000) {
    commit.immediate();
    events += streamIds.length;
  }
  const rate = events / ((performance.now() - started) / 1000);
  db.close();
  return rate;
}

const dir = mkdtempSync(join(tmpdir(), 'aicli-bench-store-'));
try {
  const store = SqliteEventStore.open(join(dir, 'events.db'), { durability })._unsafeUnwrap();
  console.log(`sqlite event store, durability=${durability} (synchronous=${durability === 'full' ? 'FULL' : 'NORMAL'}), WAL, ${seconds}s per run`);
  let total = 0;
  for (const writers of [1, 16, 256]) {
    const { events, perSecond } = await appendRun(store, writers);
    total += events;
    console.log(`append  ${String(writers).padStart(3)} writers: ${Math.round(perSecond).toLocaleString('en-US').padStart(9)} events/s (${events} events)`);
  }
  const rate = await catchUpRun(store, total);
  console.log(`catch-up subscribe from 0: ${Math.round(rate).toLocaleString('en-US').padStart(9)} events/s (${total} events)`);
  await store.close();
  const ceiling = rawCeiling(join(dir, 'events.db'));
  console.log(`reference: raw better-sqlite3 loop, same schema and SQL, 256 events/commit: ${Math.round(ceiling).toLocaleString('en-US')} events/s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
