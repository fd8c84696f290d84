/**
 * Why a file could not be opened for writing, when the file system can tell. SQLite (the store, and the instance
 * locks that are SQLite files) says only "unable to open database file".
 */
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Why `path` (or its directory) cannot be written, as a parenthesised hint to append to an error, or `''`.
 * `access(W_OK)` reports a read-only file system (EROFS) even to root, for whom permissions never do.
 */
export function unwritableHint(path: string): string {
  if (path === ':memory:') return '';
  for (const target of [path, dirname(path)]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'EROFS') return ` (${target} is on a read-only file system)`;
      if (code === 'EACCES' || code === 'EPERM') return ` (${target} is not writable by this user)`;
    }
  }
  return '';
}
