// The test run Stryker repeats for every mutant: only the tests of the selected modules (see
// test/mutation/modules.mjs), so a mutation run of one module does not start the whole suite.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';
import { selectMutationModules } from './test/mutation/modules.mjs';

const tests = selectMutationModules(process.env.MUTATION_MODULE).flatMap(([, m]) => m.tests);

export default defineConfig({ ...base, test: { ...base.test, include: tests } });
