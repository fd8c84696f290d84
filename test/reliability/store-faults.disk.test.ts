/**
 * Store faults with the real adapters and the real server (a child process): the SQLite file on a disk that fills
 * up while serving, the SQLite file on a read-only disk at start, and an EventStoreDB URL with nothing listening.
 * The disks are small tmpfs mounts, so these tests need the right to mount (root in this sandbox); without it they
 * are skipped, saying so, and `store-faults.test.ts` still covers the same failures through an injected store.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SENSITIVE_FIELDS } from '../../machines/index.js';
import { encryptAtRest, newKeyEntry, openStore, parseKeyring } from '../../src/store/index.js';
import { until } from '../pool/support.js';
import { runCli, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { callApi as call, type RestReply } from '../support/rest.js';

const mounts: string[] = [];
const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop('SIGKILL');
  for (const dir of mounts.splice(0)) {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Mounts a tmpfs of `size` on a new directory; `null` when this machine does not let us mount. */
function smallDisk(size: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'aicli-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  mounts.push(dir);
  return dir;
}

const canMount = (() => {
  const dir = smallDisk('64k');
  if (dir === null) return false;
  execFileSync('umount', [dir]);
  mounts.splice(mounts.indexOf(dir), 1);
  rmSync(dir, { recursive: true, force: true });
  return true;
})();
if (!canMount) console.warn('store-faults.disk: mount is not permitted here; the disk tests are skipped (store-faults.test.ts covers the same failures)');

/** Fills the file system of `dir` with one file until it refuses more; returns the file. */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  try {
    // Down to the last byte: a disk with a few KB left would still take a small write (the health probe's).
    for (const size of [64 * 1024, 4 * 1024, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

const logLines = (server: ServerProcess): Record<string, unknown>[] =>
  server.stdout().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe.skipIf(!canMount)('store faults on a real disk', () => {
  it('SQLite on a disk that fills up: 503 store_unavailable, health fails, nothing acknowledged is lost, and it recovers', async () => {
    const disk = smallDisk('4m')!;
    const url = `sqlite:${join(disk, 'events.db')}`;
    // The key is given, so the test can read the (encrypted) message text back after the server stopped.
    const keys = newKeyEntry('disk-test');
    const server = await startServerProcess(['--store', url], { AICLI_ENCRYPTION_KEYS: keys });
    servers.push(server);
    const created = await call(server, 'POST', '/sessions', {});
    expect(created.status).toBe(201);
    const id = created.body.session.id as string;
    await until('the session is ready', async () => (await call(server, 'GET', `/sessions/${id}`)).body.state === 'ready', 8_000);
    const acked: string[] = [];
    const first = await call(server, 'POST', `/sessions/${id}/messages`, { text: 'before the disk filled' });
    expect(first.status).toBe(202);
    acked.push('before the disk filled');

    const filler = fill(disk);
    // The log's write-ahead file may still have room for a while: send large messages until the store refuses one.
    let refused: RestReply | undefined;
    for (let i = 0; i < 40 && refused === undefined; i++) {
      const text = `${i} ${'x'.repeat(90_000)}`;
      const reply = await call(server, 'POST', `/sessions/${id}/messages`, { text, clientMsgId: `big-${i}` });
      if (reply.status === 202) acked.push(text);
      else refused = reply;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.body.error).toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('full') });

    const health = await call(server, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.checks.store).toMatchObject({ ready: false, critical: true, detail: expect.stringContaining('full') });
    const failing = logLines(server).filter((line) => String(line['msg']).startsWith('the event store refuses writes'));
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatchObject({ level: 50, store: url, reason: expect.stringContaining('full') });

    rmSync(filler);
    await until('health recovers', async () => (await call(server, 'GET', '/health')).status === 200, 8_000);
    expect(logLines(server).map((line) => line['msg'])).toContain('the event store takes writes again');
    await until('the session takes messages again', async () => (await call(server, 'POST', `/sessions/${id}/messages`, { text: 'after the disk emptied', clientMsgId: 'after' })).status === 202, 10_000);
    acked.push('after the disk emptied');
    expect(await server.stop('SIGTERM')).toBe(0);

    // Everything acknowledged is in the file, exactly once.
    const keyring = parseKeyring(keys, 'test')._unsafeUnwrap();
    const store = encryptAtRest((await openStore(url))._unsafeUnwrap(), { keyring, fields: SENSITIVE_FIELDS });
    const stored = (await store.readStream(`session-${id}`))._unsafeUnwrap().filter((event) => event.type === 'MessageAccepted').map((event) => (event.data as { text: string }).text);
    await store.close();
    expect(stored).toEqual(acked);
  });

  it('SQLite on a read-only disk: the server does not start, and says why and which key to change', async () => {
    const disk = smallDisk('4m')!;
    const url = `sqlite:${join(disk, 'events.db')}`;
    const seeded = (await openStore(url))._unsafeUnwrap();
    (await seeded.append('audit-seed', [{ type: 'Seeded', data: {} }], { expectedRevision: 'no_stream' }))._unsafeUnwrap();
    await seeded.close();
    execFileSync('mount', ['-o', 'remount,ro', disk]);

    const refused = runCli(['--port', '0', '--store', url, '--agent=fake']);
    expect(await refused.exited).toBe(1);
    // The store file's lock (taken before the store opens) is the first thing that needs to write there.
    const fatal = refused.output().stdout.split('\n').find((line) => line.includes('"level":60')) ?? '';
    expect(fatal).toContain(`store file ${join(disk, 'events.db')}`);
    expect(fatal).toContain('read-only file system');
    expect(fatal).toContain('store.url');

    execFileSync('mount', ['-o', 'remount,rw', disk]);
    const server = await startServerProcess(['--store', url]);
    servers.push(server);
    expect((await call(server, 'GET', '/health')).status).toBe(200);
    expect(await server.stop('SIGTERM')).toBe(0);
    const store = (await openStore(url))._unsafeUnwrap();
    expect((await store.readStream('audit-seed'))._unsafeUnwrap().map((event) => event.type)).toEqual(['Seeded']);
    await store.close();
  });
});

describe('store faults: EventStoreDB', () => {
  it('an unreachable EventStoreDB stops the start with a message naming store.url and the reason', async () => {
    const url = `esdb://127.0.0.1:${await closedPort()}?tls=false`;
    const run = runCli(['--port', '0', '--store', url, '--agent=fake']);
    expect(await run.exited).toBe(1);
    const fatal = run.output().stdout.split('\n').filter((line) => line.includes('"level":60'));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toContain(`cannot open the event store: store.url \\"${url}\\"`);
    expect(fatal[0]).toContain('ECONNREFUSED');
  });
});
