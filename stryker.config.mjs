// @ts-check
// Mutation testing (npm run test:mutation): Stryker plants small bugs in the modules listed in
// test/mutation/modules.mjs and checks that their tests fail. Not part of `npm test` (slow).
// One module: MUTATION_MODULE=masking npm run test:mutation. See docs/testing.md.
import process from 'node:process';
import { selectMutationModules } from './test/mutation/modules.mjs';

const selected = selectMutationModules(process.env.MUTATION_MODULE);
const label = process.env.MUTATION_MODULE ? selected.map(([name]) => name).join('+') : 'all';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: 'vitest',
  // The dedicated config loads only the selected modules' tests (see vitest.mutation.config.ts).
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: selected.flatMap(([, module]) => module.mutate),
  coverageAnalysis: 'perTest',
  // Reuses results for unchanged code and tests; the file is committed so a rerun is quick.
  incremental: true,
  incrementalFile: `reports/mutation/${label}.incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${label}.html` },
  jsonReporter: { fileName: `reports/mutation/${label}.json` },
  thresholds: { high: 90, low: 85, break: 85 },
  concurrency: 2,
  timeoutMS: 20_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};

export default config;
