/**
 * Encryption at rest, end to end with the real `aicli-api` on SQLite: the first start generates a 0600 key file;
 * what a user sends and what the agent answers is nowhere in the store file or its WAL, while the history route,
 * the state-at-revision route, a WebSocket subscription and `aicli-api replay` / `events` still show it. Without the
 * key, the operator commands show a marker and say why, never ciphertext.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newKeyEntry, UNREADABLE_FIELD } from '../../src/store/index.js';
import { until } from '../pool/support.js';
import { callApi as call } from '../support/rest.js';
import { runCli, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { WsClient } from '../ws/ws-client.js';

const roots: string[] = [];
const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop('SIGKILL')));
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

interface EventView {
  readonly revision: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

const stateOf = async (server: ServerProcess, id: string): Promise<string> => (await call(server, 'GET', `/sessions/${id}`)).body.state as string;
const eventsOf = async (server: ServerProcess, id: string): Promise<EventView[]> => (await call(server, 'GET', `/sessions/${id}/events?limit=1000`)).body.events as EventView[];

/** Whether any of the store's files holds `text` (UTF-8 bytes, as SQLite keeps JSON text). */
function storeFilesContain(db: string, text: string): string[] {
  return [db, `${db}-wal`].filter((file) => existsSync(file) && readFileSync(file).includes(Buffer.from(text, 'utf8')));
}

describe('encryption at rest (default on)', () => {
  it('keeps message text and agent output out of the SQLite file and WAL; every reader still sees them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aicli-encryption-'));
    roots.push(root);
    const db = join(root, 'events.db');
    const dataDir = join(root, 'data');
    const args = ['--store', `sqlite:${db}`];
    const env = { AICLI__AGENT__DATA_DIR: dataDir };
    const first = `first-${randomUUID()}`;
    const second = `second-${randomUUID()}`;

    const server = await startServerProcess(args, env);
    servers.push(server);
    expect(statSync(join(dataDir, 'keys', 'store.keys')).mode & 0o777).toBe(0o600);
    const created = await call(server, 'POST', '/sessions', {});
    const id = created.body.session.id as string;
    const ws = await WsClient.hello(`${server.url.replace(/^http/, 'ws')}/api/v1/ws`, { userId: 'ada', tenant: 'acme' });
    ws.send({ type: 'subscribe', session: id, fromRevision: 0 });
    await ws.next((frame) => frame.type === 'subscribed');
    await until('the session is ready', async () => (await stateOf(server, id)) === 'ready', 10_000);

    // The first turn is slow, so the second message waits in the queue (and in the session's context).
    expect((await call(server, 'POST', `/sessions/${id}/messages`, { text: `::slow 150 ${first}` })).status).toBe(202);
    await until('the first turn runs', async () => (await stateOf(server, id)) === 'busy', 10_000);
    const queued = await call(server, 'POST', `/sessions/${id}/messages`, { text: second });
    expect(queued.status).toBe(202);
    await until('both turns are answered', async () => (await eventsOf(server, id)).filter((event) => event.type === 'TurnCompleted').length === 2, 20_000);

    // Not in the store, in any form the agent or the user wrote it.
    for (const secret of [first, second, 'echo: ']) expect(storeFilesContain(db, secret), secret).toEqual([]);

    // History route: the text, in clear, and the numbers.
    const events = await eventsOf(server, id);
    const accepted = events.filter((event) => event.type === 'MessageAccepted').map((event) => event.data['text']);
    expect(accepted).toEqual([`::slow 150 ${first}`, second]);
    const results = events.filter((event) => event.type === 'TurnCompleted').map((event) => event.data);
    expect(results.map((data) => data['result'])).toEqual([`echo: ::slow 150 ${first}`, `echo: ${second}`]);
    expect(results.every((data) => typeof data['costUsd'] === 'number')).toBe(true);
    expect(JSON.stringify(events)).not.toContain('$sealed');

    // State at the revision where the second message was queued (replayed through the same store; the view counts
    // queued messages, it does not show their text).
    const queuedAt = events.find((event) => event.type === 'MessageAccepted' && event.data['text'] === second)!.revision;
    const state = await call(server, 'GET', `/sessions/${id}/state?at=${queuedAt}`);
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ revision: queuedAt, state: 'busy', context: { queuedMessages: 1 } });

    // WebSocket subscription: the same events, in clear.
    await ws.next((frame) => frame.type === 'event' && frame['eventType'] === 'TurnCompleted' && (frame['data'] as { result?: string }).result === `echo: ${second}`);
    expect(ws.events(id).filter((frame) => frame['eventType'] === 'MessageAccepted').map((frame) => (frame['data'] as { text: string }).text)).toEqual(accepted);
    ws.close();
    expect(await server.stop()).toBe(0);
    for (const secret of [first, second, 'echo: ']) expect(storeFilesContain(db, secret), secret).toEqual([]);

    // The operator commands read through the same keys (found in the data directory).
    const replay = runCli(['replay', `session-${id}`, ...args], env);
    expect(await replay.exited).toBe(0);
    expect(replay.output().stdout).toContain(second);
    const read = runCli(['events', 'read', `session-${id}`, '--json', ...args], env);
    expect(await read.exited).toBe(0);
    expect(read.output().stdout).toContain(first);

    // With a different keyring: markers and a warning, never ciphertext as text.
    const wrong = runCli(['events', 'read', `session-${id}`, '--json', ...args], { ...env, AICLI_ENCRYPTION_KEYS: newKeyEntry('other') });
    expect(await wrong.exited).toBe(0);
    const lines = wrong.output().stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> });
    expect(lines.filter((line) => line.type === 'MessageAccepted').map((line) => line.data['text'])).toEqual([UNREADABLE_FIELD, UNREADABLE_FIELD]);
    expect(wrong.output().stdout).not.toContain(first);
    expect(wrong.output().stderr).toMatch(/encrypted with key "k-[0-9a-f]{8}", which is not in the keyring/);

    // A restart opens the sealed checkpoints and snapshots with the generated key: nothing refused, history intact.
    const again = await startServerProcess(args, env);
    servers.push(again);
    await until('the pool is ready', () => again.stdout().includes('session pool ready'), 10_000);
    expect(again.stdout()).toContain('restored from its checkpoint');
    expect(again.stdout()).not.toContain('checkpoint refused');
    expect(again.stdout()).not.toContain('replaced by a marker');
    expect((await eventsOf(again, id)).filter((event) => event.type === 'MessageAccepted').map((event) => event.data['text'])).toEqual(accepted);
    expect((await call(again, 'POST', `/sessions/${id}/messages`, { text: 'after the restart' })).status).toBe(202);
    await until('the restarted session answers', async () => (await eventsOf(again, id)).some((event) => event.type === 'TurnCompleted' && event.data['result'] === 'echo: after the restart'), 20_000);
    expect(await again.stop()).toBe(0);
    expect(storeFilesContain(db, 'after the restart')).toEqual([]);
  }, 90_000);
});
