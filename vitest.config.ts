import { configDefaults, defineConfig } from 'vitest/config';

/** The typed cdk8s imports are compiled ES modules (npm run imports): Node loads them as they are,
 * instead of Vite transforming megabytes of JavaScript on every run (docs/decisions.md, "Typed
 * imports"). Shared with vitest.integration.config.ts. */
export const serverDeps = { external: [/\/apps\/imports\/[^/]+\.js$/] };

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The integration tier has its own command (npm run test:integration).
    exclude: [...configDefaults.exclude, 'test/integration/**'],
    // One render of the repository's environments for the whole run (test/support/repository.ts).
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'threads',
    // Test files share loaded modules (cdktf and the AWS provider cost seconds to import per file).
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    server: { deps: serverDeps },
  },
});
