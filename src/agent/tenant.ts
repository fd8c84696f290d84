/**
 * Per-tenant directories on disk. Each tenant's agents get their own `CLAUDE_CONFIG_DIR` (also `HOME`),
 * where Claude Code keeps the transcripts `--resume` reads, and their own working-directory root, so
 * conversations never mix between tenants. Tenant ids and working subdirectories must be safe path
 * segments: they are joined to configured roots.
 */
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { isSafeSegment } from '../../machines/index.js';
import type { AgentError } from './errors.js';

/** A tenant's directories. */
export interface TenantDirs {
  readonly tenantId: string;
  /** `CLAUDE_CONFIG_DIR` and `HOME` of the tenant's processes. */
  readonly configDir: string;
  /** The root under which the tenant's working directories live. */
  readonly workRoot: string;
}

/** The directories of `tenantId` under `root` (`<root>/<tenant>/config`, `<root>/<tenant>/work`), created. */
export function tenantDirs(root: string, tenantId: string): Result<TenantDirs, AgentError> {
  if (!isSafeSegment(tenantId)) {
    return err({ kind: 'InvalidTenantId', tenantId, reason: 'use 1-128 letters, digits, ".", "_" or "-", not starting with "." and without ".."' });
  }
  const dirs = { tenantId, configDir: join(root, tenantId, 'config'), workRoot: join(root, tenantId, 'work') };
  try {
    mkdirSync(dirs.configDir, { recursive: true, mode: 0o700 });
    mkdirSync(dirs.workRoot, { recursive: true, mode: 0o700 });
  } catch (cause) {
    return err({ kind: 'InvalidTenantId', tenantId, reason: `cannot create its directories: ${String(cause)}` });
  }
  return ok(dirs);
}

/** The working directory `<workRoot>/<workdir>` (or the root itself), created; `workdir` must be safe segments. */
export function tenantWorkdir(dirs: TenantDirs, workdir: string | undefined): Result<string, AgentError> {
  if (workdir === undefined || workdir === '') return ok(dirs.workRoot);
  const segments = workdir.split('/');
  if (!segments.every(isSafeSegment)) {
    return err({ kind: 'InvalidLaunchOptions', reason: `workdir "${workdir}" must be relative safe path segments` });
  }
  const path = join(dirs.workRoot, ...segments);
  try {
    // A symlink under the work root (an agent can make one) must not lead a session, nor the mkdir below, outside it.
    const root = realpathSync(dirs.workRoot);
    const inside = (at: string): boolean => {
      const real = realpathSync(at);
      return real === root || real.startsWith(`${root}${sep}`);
    };
    let existing = segments.length;
    while (existing > 0 && !existsSync(join(dirs.workRoot, ...segments.slice(0, existing)))) existing--;
    const escapes = (): Result<string, AgentError> => err({ kind: 'InvalidLaunchOptions', reason: `workdir "${workdir}" leads outside the tenant's work root` });
    if (!inside(join(dirs.workRoot, ...segments.slice(0, existing)))) return escapes();
    mkdirSync(path, { recursive: true, mode: 0o700 });
    return inside(path) ? ok(path) : escapes();
  } catch (cause) {
    return err({ kind: 'InvalidLaunchOptions', reason: `cannot create workdir "${workdir}": ${String(cause)}` });
  }
}
