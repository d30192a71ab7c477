import { defineConfig } from 'vitest/config';

/** CI services set CI=true (GitHub, GitLab) or CI=1; an unset or "false" CI is a developer's run. */
function isCi(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/no-unhandled-rejections.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // CI runs files and the tests inside them in a random order, so a test that only passes after
    // another one fails there. The seed is printed ("Running tests with seed ..."); reproduce with
    // npx vitest run --sequence.shuffle --sequence.seed=SEED. Locally, add --sequence.shuffle.
    sequence: { shuffle: isCi(process.env.CI) },
  },
});
