import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'threads',
    // Test files share loaded modules (cdktf and the AWS provider cost seconds to import per file).
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
