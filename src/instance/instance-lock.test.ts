import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireInstanceLock, describeInstanceLockError, type InstanceLock } from './instance-lock.js';

const MODULE = fileURLToPath(new URL('./index.ts', import.meta.url));

/** Another process that tries to take the lock, prints `won` or `lost`, and holds a won lock until killed. */
function contender(path: string): { child: ChildProcess; verdict: Promise<string> } {
  const script = `
    const { acquireInstanceLock } = await import(${JSON.stringify(MODULE)});
    const lock = await acquireInstanceLock(process.argv[1]);
    console.log(lock.isOk() ? 'won' : 'lost');
    if (lock.isOk()) setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const verdict = new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('close', () => resolve(out.trim()));
  });
  return { child, verdict };
}

describe('acquireInstanceLock', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const locks: InstanceLock[] = [];
  afterEach(() => {
    locks.splice(0).forEach((lock) => lock.release());
    children.splice(0).forEach((child) => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });
  const lockPath = () => {
    const dir = mkdtempSync(join(tmpdir(), 'aicli-lock-'));
    dirs.push(dir);
    return join(dir, 'data', 'server.lock');
  };
  const take = async (path: string) => {
    const lock = (await acquireInstanceLock(path, { busyWaitMs: 50 }))._unsafeUnwrap();
    locks.push(lock);
    return lock;
  };

  it('is exclusive within one process, names its holder, and can be taken again once released', async () => {
    const path = lockPath();
    const lock = await take(path);
    const refused = (await acquireInstanceLock(path, { busyWaitMs: 50 }))._unsafeUnwrapErr();
    expect(refused).toMatchObject({ kind: 'LockHeld', path, holder: { pid: process.pid } });
    expect(describeInstanceLockError(refused)).toBe(`${path} is locked by PID ${process.pid}`);
    lock.release();
    lock.release();
    expect(existsSync(`${path}.json`)).toBe(false);
    expect((await take(path)).previous).toBeUndefined();
  });

  it('refuses while another process holds it, and is taken over after that process is killed with SIGKILL', async () => {
    const path = lockPath();
    const holder = contender(path);
    children.push(holder.child);
    expect(await holder.verdict).toBe('won');
    expect((await acquireInstanceLock(path, { busyWaitMs: 50 }))._unsafeUnwrapErr()).toMatchObject({ kind: 'LockHeld', holder: { pid: holder.child.pid } });

    holder.child.kill('SIGKILL');
    await once(holder.child, 'close');
    const lock = await take(path);
    expect(lock.previous?.pid).toBe(holder.child.pid);
  });

  it('lets exactly one of several processes started at the same moment win', async () => {
    const path = lockPath();
    const contenders = [0, 1, 2].map(() => contender(path));
    children.push(...contenders.map((entry) => entry.child));
    const verdicts = await Promise.all(contenders.map((entry) => entry.verdict));
    expect(verdicts.sort()).toEqual(['lost', 'lost', 'won']);
  });

  it('is one lock for two spellings of one directory (a symlink)', async () => {
    const path = lockPath();
    await take(path);
    const alias = join(path, '..', '..', 'alias');
    mkdirSync(join(path, '..'), { recursive: true });
    symlinkSync(join(path, '..'), alias);
    expect((await acquireInstanceLock(join(alias, 'server.lock'), { busyWaitMs: 50 }))._unsafeUnwrapErr()).toMatchObject({ kind: 'LockHeld', path });
  });

  it('says what failed when the lock cannot be created', async () => {
    const path = lockPath();
    mkdirSync(path, { recursive: true });
    expect((await acquireInstanceLock(path))._unsafeUnwrapErr()).toMatchObject({ kind: 'LockFailed', path });
  });
});
