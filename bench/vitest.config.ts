import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The unit tests of the benchmarks' helpers (`npm run test:bench`); the benchmarks themselves are never tests. */
export default defineConfig({
  test: { root: fileURLToPath(new URL('..', import.meta.url)), include: ['bench/**/*.test.ts'] },
});
