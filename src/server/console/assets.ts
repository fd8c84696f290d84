/**
 * The operator console's built files (see console/build.mjs), read once into memory: the page is a few tens of
 * kilobytes, and serving it from memory keeps the handlers synchronous. The build writes `console.json`, the
 * manifest naming every file; only those are served, so a stray file next to them never is.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The manifest's name in the built directory. */
export const CONSOLE_MANIFEST = 'console.json';

/** One file of the console, ready to send. */
export interface ConsoleAsset {
  readonly body: string;
  readonly contentType: string;
  readonly etag: string;
  /** Named by its content's hash, so it may be cached for good; the page itself is always revalidated. */
  readonly immutable: boolean;
}

/** The console's files by name (`index.html`, `app-3FQ2….js` …), or why there are none. */
export type ConsoleAssets =
  | { readonly kind: 'built'; readonly dir: string; readonly index: ConsoleAsset; readonly files: ReadonlyMap<string, ConsoleAsset> }
  | { readonly kind: 'missing'; readonly searched: readonly string[] };

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Where the built console may be: beside the compiled server (`dist/console`, what the package ships) and, when the
 * server runs from its TypeScript sources (tsx, tests), in the checkout's `dist/console`.
 */
export function defaultConsoleDirs(): string[] {
  return [fileURLToPath(new URL('../../../console/', import.meta.url)), fileURLToPath(new URL('../../../dist/console/', import.meta.url))];
}

interface Manifest {
  readonly index: string;
  readonly files: readonly string[];
}

/** Reads the first of `dirs` that holds a console manifest. */
export function loadConsoleAssets(dirs: readonly string[] = defaultConsoleDirs()): ConsoleAssets {
  const dir = dirs.find((candidate) => existsSync(join(candidate, CONSOLE_MANIFEST)));
  if (dir === undefined) return { kind: 'missing', searched: dirs };
  const manifest = JSON.parse(readFileSync(join(dir, CONSOLE_MANIFEST), 'utf8')) as Manifest;
  const files = new Map<string, ConsoleAsset>();
  for (const name of manifest.files) {
    const body = readFileSync(join(dir, name), 'utf8');
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    files.set(name, { body, etag, contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream', immutable: name !== manifest.index });
  }
  const index = files.get(manifest.index);
  if (index === undefined) return { kind: 'missing', searched: dirs };
  return { kind: 'built', dir, index, files };
}
