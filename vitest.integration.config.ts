import { defineConfig } from 'vitest/config';
import { serverDeps } from './vitest.config.js';

// The integration tier: end-to-end runs of the project's commands (child processes, a git
// repository, two renders), too slow for `npm test`; `.ci/run` runs it after `npm test`.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    pool: 'threads',
    testTimeout: 300_000,
    server: { deps: serverDeps },
  },
});
