import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tenantDirs, tenantWorkdir } from './tenant.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const tempRoot = (): string => {
  const root = mkdtempSync(join(tmpdir(), 'aicli-tenant-'));
  roots.push(root);
  return root;
};

describe('tenantWorkdir', () => {
  it('creates a working directory under the tenant\'s work root', () => {
    const dirs = tenantDirs(tempRoot(), 'acme')._unsafeUnwrap();
    expect(tenantWorkdir(dirs, 'projects/a')._unsafeUnwrap()).toBe(join(dirs.workRoot, 'projects', 'a'));
    expect(tenantWorkdir(dirs, '')._unsafeUnwrap()).toBe(dirs.workRoot);
  });

  it('refuses a working directory that a symlink leads outside the work root (an agent can make one)', () => {
    const root = tempRoot();
    const dirs = tenantDirs(root, 'acme')._unsafeUnwrap();
    const outside = join(root, 'globex-secrets');
    mkdirSync(outside);
    symlinkSync(outside, join(dirs.workRoot, 'escape'));
    expect(tenantWorkdir(dirs, 'escape')._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidLaunchOptions', reason: expect.stringContaining('outside') });
    expect(tenantWorkdir(dirs, 'escape/deeper').isErr()).toBe(true);
    expect(existsSync(join(outside, 'deeper'))).toBe(false);
    // A symlink that stays inside is fine.
    mkdirSync(join(dirs.workRoot, 'real'));
    symlinkSync(join(dirs.workRoot, 'real'), join(dirs.workRoot, 'alias'));
    expect(tenantWorkdir(dirs, 'alias').isOk()).toBe(true);
  });
});
