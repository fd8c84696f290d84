/**
 * Restarting the server over a store with projection checkpoints: the status endpoints and the pool's sessions
 * are the same as after a full fold (`--refold`), and a checkpoint that does not belong to the store (another
 * store's, as when a file is swapped under a data directory) is refused, with the answers still right.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { newKeyEntry } from '../../src/store/index.js';
import { callApi } from '../support/rest.js';
import { startServerProcess } from '../support/server-process.js';

const ALL_STATES = 'provisioning,starting,ready,busy,interrupting,idle,hibernated,resuming,recovering,failed,terminated';

/** What a restarted server answers about the log: the projections' endpoints and the pool's own sessions. */
async function answers(url: string): Promise<unknown> {
  const sessions = (await callApi(url, 'GET', `/sessions?state=${ALL_STATES}&limit=100`)).body;
  const pool = (await callApi(url, 'GET', '/session-pool/status')).body;
  const breakers = (await callApi(url, 'GET', '/breakers')).body;
  const metrics = await (await fetch(`${url}/metrics`)).text();
  // The pool's index, as the `aicli_sessions` gauge shows it (not a projection).
  const poolSessions = metrics.split('\n').filter((line) => line.startsWith('aicli_sessions{')).sort();
  const { name, state, target, minSize, maxSize, autoScaling, thresholds, scaling, evictions, lastLeak } = pool;
  return { sessions, pool: { name, state, target, minSize, maxSize, autoScaling, thresholds, sessions: { total: pool.sessions.total, byState: pool.sessions.byState }, scaling, evictions, lastLeak }, recovery: { recoveries: breakers.recoveries, faultsByKind: breakers.faultsByKind, breakers: Object.keys(breakers.breakers ?? {}) }, poolSessions };
}

// Each server gets a data directory of its own: the store's key is given to all of them, as when a store moves.
const KEYS = { AICLI_ENCRYPTION_KEYS: newKeyEntry('restart-test') };

/** Runs a server over `file` with `args`, lets `during` use it, stops it with SIGTERM; resolves with its stdout. */
async function withServer<T>(file: string, args: readonly string[], during: (url: string) => Promise<T>): Promise<{ stdout: string; result: T }> {
  const server = await startServerProcess(['--store', `sqlite:${file}`, '--set', 'session_pool.min_size=0', ...args], KEYS);
  try {
    const result = await during(server.url);
    return { stdout: server.stdout(), result };
  } finally {
    expect(await server.stop('SIGTERM')).toBe(0);
  }
}

async function createSession(url: string): Promise<string> {
  const reply = await callApi(url, 'POST', '/sessions', {});
  expect(reply.status).toBe(201);
  return reply.body.session.id as string;
}

/** A store with three sessions (one terminated) and the checkpoints its server wrote at SIGTERM. */
async function recordedStore(dir: string, name: string): Promise<string> {
  const file = join(dir, name);
  await withServer(file, [], async (url) => {
    const ids = [await createSession(url), await createSession(url), await createSession(url)];
    expect((await callApi(url, 'DELETE', `/sessions/${ids[2]}`)).status).toBeLessThan(300);
  });
  return file;
}

describe('server restart over projection checkpoints', () => {
  it('answers the status endpoints and restores the pool exactly as a full fold does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aicli-checkpoints-'));
    const file = await recordedStore(dir, 'events.db');
    const restored = join(dir, 'restored.db');
    const refolded = join(dir, 'refolded.db');
    copyFileSync(file, restored);
    copyFileSync(file, refolded);

    const fromCheckpoint = await withServer(restored, [], answers);
    expect(fromCheckpoint.stdout).toContain('restored from its checkpoint');
    expect(fromCheckpoint.stdout).not.toContain('checkpoint refused');
    const fullFold = await withServer(refolded, ['--refold'], answers);
    expect(fullFold.stdout).not.toContain('restored from its checkpoint');

    expect(fromCheckpoint.result).toEqual(fullFold.result);
    const result = fromCheckpoint.result as { sessions: { sessions: { state: string }[] }; poolSessions: string[] };
    expect(result.sessions.sessions.map((session) => session.state).sort()).toEqual(['hibernated', 'hibernated', 'terminated']);
    expect(result.poolSessions).toContain('aicli_sessions{state="hibernated"} 2');
  }, 120_000);

  it('refuses the checkpoints of another store, with the reason in the log, and folds from 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aicli-checkpoints-'));
    const mine = await recordedStore(dir, 'mine.db');
    const theirs = await recordedStore(dir, 'theirs.db');
    const refolded = join(dir, 'refolded.db');
    copyFileSync(mine, refolded);
    // Swap: `mine` gets the checkpoints `theirs` wrote (same positions, other events).
    const source = new Database(theirs, { readonly: true });
    const rows = source.prepare('SELECT name, position, event_id, body FROM checkpoints').all() as { name: string; position: number; event_id: string; body: string }[];
    source.close();
    expect(rows.length).toBeGreaterThan(0);
    const target = new Database(mine);
    const replace = target.prepare('INSERT OR REPLACE INTO checkpoints (name, position, event_id, body) VALUES (?, ?, ?, ?)');
    for (const row of rows) replace.run(row.name, row.position, row.event_id, row.body);
    target.close();

    const swapped = await withServer(mine, [], answers);
    expect(swapped.stdout).toContain('checkpoint refused (moved');
    expect(swapped.stdout).not.toContain('restored from its checkpoint');
    const fullFold = await withServer(refolded, ['--refold'], answers);
    expect(swapped.result).toEqual(fullFold.result);
  }, 120_000);
});
