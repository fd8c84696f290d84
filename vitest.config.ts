import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'machines/**/*.test.ts', 'projections/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'console/**/*.test.ts'],
    // Builds the operator console into dist/console once (esbuild, well under a second): servers started from the
    // sources serve it at /console.
    globalSetup: ['test/support/build-console.ts'],
    // Integration tests start real servers and child processes; keep a generous ceiling but fail hung tests.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
