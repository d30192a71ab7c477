import { defineConfig } from 'vitest/config';

// Browser tests: Debian chromium driven by playwright-core; kept out of `npm test`.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
