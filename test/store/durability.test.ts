import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventStore, type RecordedEvent } from '../../src/store/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = join(root, 'test/fixtures/store-writer.ts');
const dir = mkdtempSync(join(tmpdir(), 'aicli-durability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ack {
  readonly stream: string;
  readonly lastRevision: bigint;
  readonly position: bigint;
  readonly ids: readonly string[];
}

/** When to SIGKILL the writer: after `acks` acknowledgements, or `afterReadyMs` after it reports ready. */
type KillPolicy = { readonly acks: number } | { readonly afterReadyMs: number };

/** Runs the writer with `compactionThreshold` (its default when absent), SIGKILLs it as `kill` says, returns the acks. */
async function runAndKill(file: string, kill: KillPolicy, compactionThreshold?: number): Promise<Ack[]> {
  const args = ['--import', 'tsx', fixture, file, '8', ...(compactionThreshold === undefined ? [] : [String(compactionThreshold)])];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const acks: Ack[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    const [tag, stream, revision, position, ids] = line.split(' ');
    if (tag === 'ready' && 'afterReadyMs' in kill) setTimeout(() => child.kill('SIGKILL'), kill.afterReadyMs);
    if (tag !== 'ack') continue;
    acks.push({ stream: stream as string, lastRevision: BigInt(revision as string), position: BigInt(position as string), ids: (ids as string).split(',') });
    if ('acks' in kill && acks.length === kill.acks) child.kill('SIGKILL');
  }
  expect(await exited, stderr.join('')).toBe('SIGKILL');
  return acks;
}

/** Checks the file after a kill: intact, every acknowledged append present, in order, contiguous revisions. */
async function verify(file: string, acks: readonly Ack[]): Promise<void> {
  const raw = new Database(file);
  expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
  // Both tiers of the stream index together hold exactly one entry per event, pointing at it.
  const index = raw.prepare(
    `SELECT count(*) FROM (SELECT stream_id, revision, position FROM stream_index UNION ALL SELECT stream_id, revision, position FROM recent) i
     JOIN events e ON e.position = i.position AND e.stream_id = i.stream_id AND e.revision = i.revision`,
  );
  expect(index.pluck().get()).toBe(raw.prepare('SELECT count(*) FROM events').pluck().get());
  raw.close();

  const store = SqliteEventStore.open(file)._unsafeUnwrap();
  const byStream = new Map<string, RecordedEvent[]>();
  for (const stream of new Set(acks.map((a) => a.stream))) {
    const read = await store.readStream(stream);
    byStream.set(stream, read._unsafeUnwrap() as RecordedEvent[]);
  }
  for (const ack of acks) {
    const events = byStream.get(ack.stream) ?? [];
    const first = Number(ack.lastRevision) - ack.ids.length + 1;
    const written = events.slice(first, first + ack.ids.length);
    expect(written.map((e) => e.id)).toEqual(ack.ids);
    expect(written.at(-1)?.position).toBe(ack.position);
  }
  for (const events of byStream.values()) {
    expect(events.map((e) => Number(e.revision))).toEqual(events.map((_, i) => i));
  }
  const log = (await store.readAll())._unsafeUnwrap();
  for (let i = 1; i < log.length; i++) expect((log[i] as RecordedEvent).position > (log[i - 1] as RecordedEvent).position).toBe(true);
  const acked = new Set(acks.flatMap((a) => a.ids));
  expect(log.filter((e) => acked.has(e.id))).toHaveLength(acked.size);

  const [stream, events] = [...byStream.entries()][0] as [string, RecordedEvent[]];
  const next = await store.append(stream, [{ type: 'AfterRestart', data: {} }], { expectedRevision: BigInt(events.length - 1) });
  expect(next._unsafeUnwrap().nextExpectedRevision).toBe(BigInt(events.length));
  await store.close();
}

describe('SQLite durability under SIGKILL', () => {
  it('keeps every acknowledged append, in order, with contiguous revisions, and reopens cleanly', async () => {
    const file = join(dir, 'events.db');
    const acks = await runAndKill(file, { acks: 400 });
    expect(acks.length).toBeGreaterThanOrEqual(400);
    await verify(file, acks);
  }, 15_000);

  it('loses nothing when killed while compacting the stream index (compaction nearly every batch)', async () => {
    const file = join(dir, 'compacting.db');
    const acks: Ack[] = [];
    // Several kills on the same file: each run continues the streams of the last, compacting after ~20 entries.
    for (const target of [300, 500, 700]) {
      const round = await runAndKill(file, { acks: target }, 20);
      expect(round.length).toBeGreaterThanOrEqual(target);
      acks.push(...round);
      await verify(file, acks);
    }
  }, 30_000);

  it('a kill in the middle of a compaction rolls it back whole', async () => {
    const file = join(dir, 'stalled-compaction.db');
    const acks = await runAndKill(file, { acks: 200 }, 1_000_000);
    const tiersOf = (db: Database.Database) => ({
      recent: db.prepare('SELECT count(*) FROM recent').pluck().get() as number,
      compacted: db.prepare('SELECT count(*) FROM stream_index').pluck().get() as number,
    });
    const raw = new Database(file);
    const before = tiersOf(raw);
    expect(before.recent).toBeGreaterThan(0);
    // Stall the next compaction after its first row: the trigger spins for seconds (test file only).
    raw.exec(`CREATE TRIGGER stall AFTER INSERT ON stream_index WHEN (SELECT count(*) FROM stream_index) = 1 BEGIN
      SELECT count(*) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) SELECT i FROM n);
    END`);
    raw.close();

    // Threshold 1: the writer's first batch starts with compacting everything the previous run left in `recent`.
    const stalled = await runAndKill(file, { afterReadyMs: 500 }, 1);
    expect(stalled).toEqual([]);
    const after = new Database(file);
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(tiersOf(after)).toEqual(before);
    after.exec('DROP TRIGGER stall');
    after.close();
    await verify(file, acks);
  }, 30_000);
});
