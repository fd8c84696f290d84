#!/usr/bin/env node
// Builds the operator console (console/src, plain TypeScript) into dist/console: one bundled script and one
// stylesheet named by their content hash, the page that names them, and console.json listing the files the server
// may serve (src/server/console/assets.ts). `npm run build` runs it; the tests run it once before they start.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const DEFAULT_OUT_DIR = fileURLToPath(new URL('../dist/console/', import.meta.url));

/** Builds into `outDir` (emptied first); resolves with the names of the files written. */
export async function buildConsole(outDir = DEFAULT_OUT_DIR) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(HERE, 'src/main.ts'), console: join(HERE, 'console.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    entryNames: '[name]-[hash]',
    outdir: outDir,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const script = outputs.find((name) => name.endsWith('.js'));
  const style = outputs.find((name) => name.endsWith('.css'));
  const page = readFileSync(join(HERE, 'index.html'), 'utf8').replace('{{app.js}}', script).replace('{{console.css}}', style);
  writeFileSync(join(outDir, 'index.html'), page);
  const files = ['index.html', ...outputs];
  writeFileSync(join(outDir, 'console.json'), JSON.stringify({ index: 'index.html', files }, null, 2));
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = await buildConsole(process.argv[2] ?? DEFAULT_OUT_DIR);
  process.stdout.write(`console: built ${files.join(', ')}\n`);
}
