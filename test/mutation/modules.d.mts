// Types of modules.mjs (plain JavaScript so stryker.config.mjs can load it without a compiler).
export interface MutationModule {
  mutate: string[];
  tests: string[];
}
export declare const MUTATION_MODULES: Record<string, MutationModule>;
export declare function selectMutationModules(
  names: string | undefined,
): [string, MutationModule][];
