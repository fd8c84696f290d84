/**
 * Where the aicli package is installed and which version it is. Found by walking up from this module, so it
 * works from the TypeScript sources and from the compiled `dist/` tree alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'aicli') return dir;
    // Reaching the filesystem root without finding the manifest means the install is broken: a bug, not input.
    if (dirname(dir) === dir) throw new Error(`aicli package.json not found above ${start}`);
  }
}

/** Absolute path of the package root (the folder holding package.json and config/). */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** The package version, as reported by `--version` and the health endpoint. */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The built-in defaults file. */
export const DEFAULT_CONFIG_FILE = join(PACKAGE_ROOT, 'config', 'default.yaml');

/** The stand-in Claude Code CLI (speaks stream-json, needs no API key): what `--agent=fake` runs. */
export const FAKE_CLAUDE_COMMAND = join(PACKAGE_ROOT, 'test', 'fixtures', 'fake-claude', 'fake-claude.mjs');
