#!/usr/bin/env node
// Runs the compiled CLI. `npm install` and `npm start` build dist/ first (the `prepare` and `prestart` scripts).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('aicli-api: dist/ is missing; run `npm run build` (or `npm install`) first\n');
  process.exit(1);
}
await import(entry.href);
