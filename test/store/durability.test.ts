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

/** Runs the writer until it has acknowledged `target` appends, then SIGKILLs it mid-load. */
async function runAndKill(file: string, target: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, file, '8'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const acks: Ack[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    const [tag, stream, revision, position, ids] = line.split(' ');
    if (tag !== 'ack') continue;
    acks.push({ stream: stream as string, lastRevision: BigInt(revision as string), position: BigInt(position as string), ids: (ids as string).split(',') });
    if (acks.length === target) child.kill('SIGKILL');
  }
  expect(await exited, stderr.join('')).toBe('SIGKILL');
  return acks;
}

describe('SQLite durability under SIGKILL', () => {
  it('keeps every acknowledged append, in order, with contiguous revisions, and reopens cleanly', async () => {
    const file = join(dir, 'events.db');
    const acks = await runAndKill(file, 400);
    expect(acks.length).toBeGreaterThanOrEqual(400);

    const raw = new Database(file);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
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
  }, 15_000);
});
