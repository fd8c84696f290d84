/**
 * One server per port, per data directory and per SQLite store file: a second `aicli-api` started by mistake is
 * refused with exit 1 and a message naming what is taken, and it never touches the first one's agents. Servers
 * run as child processes; agents are the fake claude.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { descendants, eventually, isAlive } from '../support/processes.js';
import { runCli, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { callApi as call } from '../support/rest.js';

/** The agent PIDs a server recorded in `<dataDir>/agent-pids.json` (none while the file does not exist yet). */
function registeredPids(dataDir: string): number[] {
  try {
    const records = JSON.parse(readFileSync(join(dataDir, 'agent-pids.json'), 'utf8')) as unknown;
    return Array.isArray(records) ? records.map((record: { pid?: unknown }) => Number(record.pid)) : [];
  } catch {
    return [];
  }
}

type Run = ReturnType<typeof runCli>;

/** Resolves `'listening'` once the process logs its listening line, or with its exit code if it exits first. */
function outcome(run: Run): Promise<'listening' | number | null> {
  return new Promise((resolve) => {
    const onData = () => {
      if (run.output().stdout.includes(' listening on ')) resolve('listening');
    };
    run.child.stdout!.on('data', onData);
    void run.exited.then(resolve);
  });
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** GET on a fresh TCP connection each time, so the kernel chooses a listener for every request. */
function startedAtOverNewConnection(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path: '/api/v1/health', agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve((JSON.parse(body) as { started_at: string }).started_at));
    });
    request.on('error', reject);
  });
}

/** Sends `text` and resolves once the session's history holds the fake claude's echo of it. */
async function talk(server: ServerProcess, id: string, text: string): Promise<boolean> {
  const sent = await call(server, 'POST', `/sessions/${id}/messages`, { text });
  if (sent.status !== 202) return false;
  const deadline = Date.now() + 8_000;
  while (Date.now() < deadline) {
    const page = await call(server, 'GET', `/sessions/${id}/events?limit=1000`);
    if (JSON.stringify(page.body.events).includes(`echo: ${text}`)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function readySession(server: ServerProcess): Promise<string> {
  const created = await call(server, 'POST', '/sessions', {});
  expect(created.status).toBe(201);
  const id = created.body.session.id as string;
  const deadline = Date.now() + 8_000;
  while ((await call(server, 'GET', `/sessions/${id}`)).body.state !== 'ready') {
    if (Date.now() > deadline) throw new Error(`session ${id} never became ready`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return id;
}

/** These tests start two or three servers (and agents) one after the other: more than the default 20 s on a busy machine. */
const SERVERS_TIMEOUT = 60_000;

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function started(server: ServerProcess): ServerProcess {
  cleanups.push(() => server.stop('SIGKILL'));
  return server;
}

function launched(run: Run): Run {
  cleanups.push(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    return run.exited;
  });
  return run;
}

describe('one server per port', () => {
  it('a second server on a taken port exits 1 with "port N is in use", and the first keeps serving every request', async () => {
    // A fixed port: the kernel never shares a port it chose itself (port 0), so only a configured one shows the fault.
    const first = started(await startServerProcess(['--port', String(await freePort())]));
    const firstStartedAt = await startedAtOverNewConnection(first.port);

    const second = launched(runCli(['--port', String(first.port), '--store', 'memory:', '--agent=fake']));
    expect(await outcome(second)).toBe(1);
    expect(second.output().stdout).toContain(`port ${first.port} is in use`);

    const answers = await Promise.all(Array.from({ length: 40 }, () => startedAtOverNewConnection(first.port)));
    expect(answers.every((startedAt) => startedAt === firstStartedAt)).toBe(true);
  }, SERVERS_TIMEOUT);
});

describe('one server per data directory', () => {
  it('two servers started at the same moment on one data directory: exactly one wins, the other names its PID', async () => {
    const dataDir = tempDir('aicli-one-dir-');
    const env = { AICLI__AGENT__DATA_DIR: dataDir };
    const runs = [0, 1].map(() => launched(runCli(['--port', '0', '--store', 'memory:', '--agent=fake'], env)));
    const outcomes = await Promise.all(runs.map(outcome));
    expect(outcomes.filter((result) => result === 'listening')).toHaveLength(1);
    expect(outcomes.filter((result) => result === 1)).toHaveLength(1);
    const winner = runs[outcomes.indexOf('listening')]!;
    const loser = runs[outcomes.indexOf(1)]!;
    expect(loser.output().stdout).toContain(`data directory ${dataDir} is in use by PID ${winner.child.pid}`);
  }, SERVERS_TIMEOUT);

  it('a second server on another port with the same data directory is refused and leaves the first one\'s agents alone', async () => {
    const dataDir = tempDir('aicli-one-dir-');
    const env = { AICLI__AGENT__DATA_DIR: dataDir };
    const first = started(await startServerProcess(['--set', 'session_pool.min_size=2'], env));
    const id = await readySession(first);
    expect(await talk(first, id, 'before')).toBe(true);
    const agents = descendants(first.child.pid!);
    expect(agents.length).toBeGreaterThanOrEqual(2);

    const second = launched(runCli(['--port', '0', '--store', 'memory:', '--agent=fake'], env));
    expect(await outcome(second)).toBe(1);
    expect(second.output().stdout).toContain(`data directory ${dataDir} is in use by PID ${first.child.pid}`);

    expect(agents.filter(isAlive)).toEqual(agents);
    expect(await talk(first, id, 'after')).toBe(true);
  }, SERVERS_TIMEOUT);

  it('after a kill -9 the next start takes the lock over and reaps the orphans; a clean stop releases the lock', async () => {
    const dataDir = tempDir('aicli-one-dir-');
    // The fake claude outlives its server's death as the real CLI can (mid-turn, or its children).
    const env = { AICLI__AGENT__DATA_DIR: dataDir, FAKE_CLAUDE_FAULT: 'ignore-stdin-end' };
    const crashed = started(await startServerProcess(['--set', 'session_pool.min_size=2'], env));
    expect(await eventually(() => descendants(crashed.child.pid!).length >= 2)).toBe(true);
    const orphans = descendants(crashed.child.pid!);
    // Killed only once the server has recorded them: a process seen but not yet in the registry is not an orphan
    // any server could know of (on a loaded machine the kill could come between the spawn and the record).
    expect(await eventually(() => orphans.every((pid) => registeredPids(dataDir).includes(pid)))).toBe(true);
    await crashed.stop('SIGKILL');
    cleanups.push(() => orphans.forEach((pid) => isAlive(pid) && process.kill(pid, 'SIGKILL')));
    expect(orphans.filter(isAlive)).toEqual(orphans);

    const next = started(await startServerProcess([], env));
    expect(next.stdout()).toContain(`took over the lock of PID ${crashed.child.pid}, which is no longer running`);
    expect(next.stdout()).toContain('killed agent processes left by a previous run');
    expect(await eventually(() => orphans.every((pid) => !isAlive(pid)))).toBe(true);
    expect(await next.stop('SIGTERM')).toBe(0);

    const after = started(await startServerProcess([], env));
    expect(after.stdout()).not.toContain('took over the lock');
    expect(after.stdout()).not.toContain('killed agent processes');
    expect(await after.stop('SIGTERM')).toBe(0);
  }, SERVERS_TIMEOUT);
});

describe('one server per SQLite store file', () => {
  it('a second server on the same store file (another data directory) is refused naming the holder', async () => {
    const storeFile = join(tempDir('aicli-one-store-'), 'events.db');
    const first = started(await startServerProcess(['--store', `sqlite:${storeFile}`]));
    const second = launched(runCli(['--port', '0', '--store', `sqlite:${storeFile}`, '--agent=fake']));
    expect(await outcome(second)).toBe(1);
    expect(second.output().stdout).toContain(`store file ${storeFile} is in use by PID ${first.child.pid}`);
    expect((await call(first, 'GET', '/health')).status).toBe(200);
  }, SERVERS_TIMEOUT);
});
