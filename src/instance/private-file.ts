/**
 * Writing a secret file the server generates in its data directory (credentials, encryption keys): mode 0600,
 * atomically (temporary file, fsync, rename, fsync of the directory), so a crash leaves the old file or the new
 * one, never half of one, and no other user can read it at any moment.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';

/** Writes `text` to `path` through a 0600 temporary file, fsync and rename; the error message, or `null`. */
export function writePrivateFileAtomically(path: string, text: string): string | null {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    const dirFd = openSync(resolve(path, '..'), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
    return null;
  } catch (error) {
    rmSync(temporary, { force: true });
    return (error as Error).message;
  }
}
