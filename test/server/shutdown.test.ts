/**
 * A clean stop is not a crash: after SIGINT with a busy session, the next start on the same SQLite store and data
 * directory finds the session hibernated and recovers nothing; the running and queued turns ended with
 * `TurnAborted` (reason `shutdown`) and the session answers a new message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { until } from '../pool/support.js';
import { callApi as call } from '../support/rest.js';

interface StoredEventView {
  readonly revision: number;
  readonly type: string;
  readonly data: { readonly turnId?: string; readonly reason?: string; readonly result?: string };
}

const roots: string[] = [];
const servers: ServerProcess[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop('SIGKILL')));
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const stateOf = async (server: ServerProcess, id: string): Promise<string> => (await call(server, 'GET', `/sessions/${id}`)).body.state as string;
const eventsOf = async (server: ServerProcess, id: string): Promise<StoredEventView[]> =>
  (await call(server, 'GET', `/sessions/${id}/events?limit=1000`)).body.events as StoredEventView[];

describe('a clean stop', () => {
  it('hibernates a busy session, aborting its turns with reason shutdown; the next start recovers nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aicli-shutdown-'));
    roots.push(root);
    const args = ['--store', `sqlite:${join(root, 'events.db')}`];
    const env = { AICLI__AGENT__DATA_DIR: join(root, 'data') };

    const first = await startServerProcess(args, env);
    servers.push(first);
    const created = await call(first, 'POST', '/sessions', {});
    expect(created.status).toBe(201);
    const id = created.body.session.id as string;
    await until('the session is ready', async () => (await stateOf(first, id)) === 'ready', 10_000);
    const running = await call(first, 'POST', `/sessions/${id}/messages`, { text: '::slow 10000' });
    expect(running.status).toBe(202);
    await until('the turn runs', async () => (await stateOf(first, id)) === 'busy', 10_000);
    const queued = await call(first, 'POST', `/sessions/${id}/messages`, { text: 'queued behind it' });
    expect(queued.status).toBe(202);

    expect(await first.stop('SIGINT')).toBe(0);
    expect(first.stdout()).toMatch(/"hibernated":1\b.*hibernated sessions at shutdown/);

    const second = await startServerProcess(args, env);
    servers.push(second);
    await until('the pool is ready', () => second.stdout().includes('session pool ready'), 10_000);
    expect(second.stdout()).not.toContain('recovering sessions');
    expect(await stateOf(second, id)).toBe('hibernated');
    const stored = await eventsOf(second, id);
    const aborted = stored.filter((event) => event.type === 'TurnAborted').map(({ data }) => ({ turnId: data.turnId, reason: data.reason }));
    expect(aborted).toEqual([
      { turnId: running.body.turnId, reason: 'shutdown' },
      { turnId: queued.body.turnId, reason: 'shutdown' },
    ]);
    expect(stored.map((event) => event.type)).not.toContain('AgentFaulted');

    const next = await call(second, 'POST', `/sessions/${id}/messages`, { text: 'still there?' });
    expect(next.status).toBe(202);
    await until(
      'the new message is answered',
      async () => (await eventsOf(second, id)).some((event) => event.type === 'TurnCompleted' && event.data.turnId === next.body.turnId),
      15_000,
    );
    const answer = (await eventsOf(second, id)).find((event) => event.type === 'TurnCompleted' && event.data.turnId === next.body.turnId);
    expect(answer?.data.result).toBe('echo: still there?');
  }, 90_000);
});
