// @ts-check
// The modules where a silent bug hurts most, each with the source files Stryker mutates and the
// test files that must kill those mutants. Shared by stryker.config.mjs and
// vitest.mutation.config.ts so a run of one module loads only that module's tests.

/** @typedef {{ mutate: string[]; tests: string[] }} MutationModule */

/** @type {Record<string, MutationModule>} */
export const MUTATION_MODULES = {
  masking: {
    mutate: [
      'src/compliance/mask.ts',
      'src/compliance/number-patterns.ts',
      'src/nlu/entities/personal.ts',
    ],
    tests: [
      'test/compliance/mask.test.ts',
      'test/compliance/mask-corpus.test.ts',
      'test/compliance/mask-generated.test.ts',
      'test/compliance/mask-rules.test.ts',
      'test/support/pii-generators.test.ts',
      'test/nlu/entities.test.ts',
    ],
  },
  signatures: {
    mutate: ['src/desks/slack/verify.ts', 'src/channels/wechat-mp/crypto.ts'],
    tests: [
      'test/desks/slack-verify.test.ts',
      'test/channels/wechat-crypto.test.ts',
      'test/channels/wechat-mp-protocol.test.ts',
    ],
  },
  compliance: {
    mutate: ['src/compliance/advice-guard.ts', 'src/compliance/disclosure.ts'],
    tests: [
      'test/compliance/advice-guard.test.ts',
      'test/compliance/advice-guard-rules.test.ts',
      'test/compliance/disclosure.test.ts',
    ],
  },
  durability: {
    mutate: [
      'src/store/durable-file.ts',
      'src/store/file-state.ts',
      'src/store/spool.ts',
      'src/store/keyed-queues.ts',
    ],
    tests: [
      'test/store/durable-file.test.ts',
      'test/store/keyed-queues.test.ts',
      'test/store/file.test.ts',
      'test/store/file-state.test.ts',
      'test/store/file-state-edges.test.ts',
      'test/store/spool.test.ts',
      'test/store/spool-edges.test.ts',
      'test/store/redis-outage.test.ts',
    ],
  },
  tickets: {
    mutate: ['src/tickets/ticket-machine.ts', 'src/store/ticket-id.ts'],
    tests: [
      'test/tickets/ticket-machine.test.ts',
      'test/tickets/ticket-plans.test.ts',
      'test/store/ticket-id.test.ts',
    ],
  },
};

/**
 * The modules named by MUTATION_MODULE (comma-separated; all when unset), with a clear error
 * for an unknown name.
 * @param {string | undefined} names
 * @returns {[string, MutationModule][]}
 */
export function selectMutationModules(names) {
  const wanted = names ? names.split(',').map((n) => n.trim()) : Object.keys(MUTATION_MODULES);
  return wanted.map((name) => {
    const module = MUTATION_MODULES[name];
    if (!module) {
      const known = Object.keys(MUTATION_MODULES).join(', ');
      throw new Error(`MUTATION_MODULE: unknown module "${name}" (known: ${known})`);
    }
    return [name, module];
  });
}
