/**
 * The locks a server takes before it touches anything: its agent data directory (`<agent.data_dir>/server.lock`,
 * which guards the PID registry and the tenants' files) and, for an SQLite store, the store file
 * (`<file>.lock`; until sessions are owned by leases, one store serves one server). A second server pointed at
 * either is refused with the holder's PID instead of reaping the first one's agents. Read-only commands
 * (`events`, `replay`, `keys list`) take no lock; `keys create|revoke` take the store file's.
 */
import { resolve, join } from 'node:path';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { acquireInstanceLock, describeInstanceLockError, type InstanceLock, type InstanceLockError } from '../instance/index.js';
import { parseSqliteUrl } from '../store/index.js';

/** The locks one server holds while it runs. */
export interface ServerLocks {
  /** Releases every lock (on a clean stop; the kernel releases them on any other exit). */
  release(): void;
}

/** The lock file of a data directory. */
export const DATA_DIR_LOCK = 'server.lock';

/**
 * Takes the data directory's lock, then the store file's; the error is the message to log (exit 1: another
 * server is running, the configuration itself is fine). Logs a takeover of a lock left by a crashed server.
 */
export function lockServerResources(config: Config, logger: Logger): ResultAsync<ServerLocks, string> {
  const dataDir = resolve(config.agent.data_dir);
  const storeFile = sqliteFile(config.store.url);
  return take(join(dataDir, DATA_DIR_LOCK), `data directory ${dataDir}`, 'agent.data_dir', logger).andThen((dirLock) => {
    if (storeFile === undefined) return okAsync(released([dirLock]));
    return take(`${storeFile}.lock`, `store file ${storeFile}`, 'store.url', logger)
      .map((storeLock) => released([dirLock, storeLock]))
      .orElse((message) => {
        dirLock.release();
        return errAsync(message);
      });
  });
}

/**
 * Takes only the SQLite store file's lock (nothing for other stores): what an operator command that writes to the
 * store (`keys create|revoke`) holds, since an SQLite file takes one writing process at a time.
 */
export function lockStoreFile(config: Config, logger: Logger): ResultAsync<ServerLocks, string> {
  const storeFile = sqliteFile(config.store.url);
  if (storeFile === undefined) return okAsync(released([]));
  return take(`${storeFile}.lock`, `store file ${storeFile}`, 'store.url', logger).map((lock) => released([lock]));
}

function take(path: string, what: string, key: string, logger: Logger): ResultAsync<InstanceLock, string> {
  return acquireInstanceLock(path)
    .map((lock) => {
      if (lock.previous !== undefined) {
        logger.warn({ lock: lock.path, previous_pid: lock.previous.pid }, `${what}: took over the lock of PID ${lock.previous.pid}, which is no longer running (it crashed or was killed)`);
      }
      return lock;
    })
    .mapErr((error) => describe(error, what, key));
}

function describe(error: InstanceLockError, what: string, key: string): string {
  if (error.kind === 'LockFailed') return `${what}: ${describeInstanceLockError(error)} (${key})`;
  const holder = error.holder === undefined ? 'another process (it did not record its PID)' : `PID ${error.holder.pid}`;
  return `${what} is in use by ${holder}: another aicli-api server runs on it; stop that server, or give this one its own ${key} (lock ${error.path})`;
}

function released(locks: readonly InstanceLock[]): ServerLocks {
  return { release: () => [...locks].reverse().forEach((lock) => lock.release()) };
}

/** The SQLite file `url` names, or undefined for another store, an in-memory database or an invalid URL. */
function sqliteFile(url: string): string | undefined {
  const trimmed = url.trim();
  if (!trimmed.startsWith('sqlite:')) return undefined;
  const parsed = parseSqliteUrl(trimmed);
  return parsed.isOk() && parsed.value.path !== ':memory:' ? parsed.value.path : undefined;
}
