/**
 * An exclusive lock on a file for the life of one server process: one server per data directory and per SQLite
 * store file. Node has no `flock`, so the lock is a kernel byte-range lock taken through SQLite: the lock file is
 * an (empty) SQLite database in which the holder keeps a `BEGIN EXCLUSIVE` transaction open. The kernel drops
 * the lock when the holder exits in any way (kill -9 included, and agents it started do not inherit it), so a
 * lock is never stale, two servers starting at once cannot both win, and PIDs play no part in who holds it.
 *
 * A locked file cannot tell who locks it, so the holder also writes its identity (PID, start time, boot id)
 * beside it in `<lock>.json`; a refused server reads that to name the holder. The lock file itself is never
 * deleted: unlinking a lock file that another process has open is how two processes come to "hold" one lock.
 */
import { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import { currentProcess, isProcessIdentity, isRunning, sameProcess, type ProcessIdentity } from '../agent/index.js';
import { unwritableHint } from '../store/sqlite/unwritable-hint.js';

/** Why a lock was not taken. */
export type InstanceLockError =
  /** Another process holds it; `holder` is that process when it recorded itself in `<lock>.json`. */
  | { readonly kind: 'LockHeld'; readonly path: string; readonly holder: ProcessIdentity | undefined }
  | { readonly kind: 'LockFailed'; readonly path: string; readonly reason: string };

/** A lock this process holds. */
export interface InstanceLock {
  /** The lock file (its directory resolved through symlinks, so two spellings of one directory share a lock). */
  readonly path: string;
  /** The server that held the lock before and ended without releasing it (a crash or kill -9), when it said who it was. */
  readonly previous: ProcessIdentity | undefined;
  /** Releases the lock and removes the holder record; safe to call twice. */
  release(): void;
}

/** Options of {@link acquireInstanceLock}. */
export interface AcquireOptions {
  /** How long to wait for a lock another process is taking or releasing at this moment; default 500 ms. */
  readonly busyWaitMs?: number;
  /** How long a refused process waits for the holder to record itself; default 1 s. */
  readonly holderWaitMs?: number;
}

interface HolderRecord extends ProcessIdentity {
  readonly since: string;
}

/**
 * Takes the exclusive lock `path` (creating its directory and the file), or says who holds it. The wait for a
 * busy lock lets two servers started at the same moment settle on exactly one winner.
 *
 * @example
 * const lock = await acquireInstanceLock('/var/lib/aicli/agents/server.lock');
 * if (lock.isErr() && lock.error.kind === 'LockHeld') console.error(`in use by PID ${lock.error.holder?.pid}`);
 */
export function acquireInstanceLock(path: string, options: AcquireOptions = {}): ResultAsync<InstanceLock, InstanceLockError> {
  let lockPath = path;
  try {
    mkdirSync(dirname(path), { recursive: true });
    lockPath = join(realpathSync(dirname(path)), basename(path));
  } catch (cause) {
    return errAsync({ kind: 'LockFailed', path, reason: describe(cause) });
  }
  const holderPath = `${lockPath}.json`;
  let db: Database.Database;
  try {
    db = new Database(lockPath, { timeout: options.busyWaitMs ?? 500 });
  } catch (cause) {
    return errAsync({ kind: 'LockFailed', path: lockPath, reason: `${describe(cause)}${unwritableHint(lockPath)}` });
  }
  try {
    // Never committed: the open exclusive transaction is the lock.
    db.exec('BEGIN EXCLUSIVE');
  } catch (cause) {
    db.close();
    if ((cause as { code?: unknown }).code !== 'SQLITE_BUSY') return errAsync({ kind: 'LockFailed', path: lockPath, reason: `${describe(cause)}${unwritableHint(lockPath)}` });
    return ResultAsync.fromSafePromise(runningHolder(holderPath, options.holderWaitMs ?? 1_000)).andThen((holder) =>
      errAsync({ kind: 'LockHeld', path: lockPath, holder } as const),
    );
  }
  const self = currentProcess();
  const previous = readHolder(holderPath);
  const record: HolderRecord = { ...self, since: new Date().toISOString() };
  try {
    const tmp = `${holderPath}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o644 });
    renameSync(tmp, holderPath);
  } catch (cause) {
    db.close();
    return errAsync({ kind: 'LockFailed', path: holderPath, reason: describe(cause) });
  }
  let held = true;
  return okAsync({
    path: lockPath,
    previous: previous !== undefined && !sameProcess(previous, self) ? previous : undefined,
    release() {
      if (!held) return;
      held = false;
      // The record goes first, while the lock still guards it, so it never erases a successor's record.
      const current = readHolder(holderPath);
      if (current !== undefined && sameProcess(current, self)) rmSync(holderPath, { force: true });
      db.close();
    },
  });
}

/** A one-line description of `error`. */
export function describeInstanceLockError(error: InstanceLockError): string {
  if (error.kind === 'LockFailed') return `cannot take the lock ${error.path}: ${error.reason}`;
  return error.holder === undefined
    ? `${error.path} is locked by another process that did not record its PID in ${error.path}.json`
    : `${error.path} is locked by PID ${error.holder.pid}`;
}

/** The holder recorded in `holderPath` once it names a running process, polling up to `waitMs`; else undefined. */
async function runningHolder(holderPath: string, waitMs: number): Promise<ProcessIdentity | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const holder = readHolder(holderPath);
    // A holder that has just won writes its record a moment after locking: until then the file may name its
    // predecessor, which is no longer running.
    if (holder !== undefined && isRunning(holder)) return holder;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function readHolder(holderPath: string): ProcessIdentity | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(holderPath, 'utf8'));
    return isProcessIdentity(parsed) ? { pid: parsed.pid, startTime: parsed.startTime, bootId: parsed.bootId } : undefined;
  } catch {
    return undefined;
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
