// Conversation tests as data: every case in test/conversations/**/*.yaml is played through the
// real pipeline (classifier trained from intents/, shipped dialogs, memory stores, the real handoff
// service with a recording desk) by src/eval/conversations.ts, the runner `csbot test` and
// `csbot eval conversations` use too. Format: docs/dialog-format.md, "Conversation tests".
// Cases under holdout/ are an independently written check of generalisation: they are judged by
// their pass rate, not one by one, and are never tuned against.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadContent, type LoadedContent } from '../src/content/load.ts';
import { buildNluEngine, type NluEngine } from '../src/nlu/engine.ts';
import { loadDialogs } from '../src/dialog/loader.ts';
import {
  loadConversationCases,
  runConversationCase,
  summarize,
  type ConversationEnvironment,
} from '../src/eval/conversations.ts';

const ROOT = join(import.meta.dirname, '..');
const CASES_DIR = join(import.meta.dirname, 'conversations');
const HOLDOUT = 'holdout/';

let env: ConversationEnvironment;

beforeAll(() => {
  const content: LoadedContent = loadContent({ rootDir: ROOT });
  const nlu: NluEngine = buildNluEngine(content);
  const loaded = loadDialogs(join(ROOT, 'dialogs'), ROOT);
  expect(loaded.issues).toEqual([]);
  env = { content, nlu, dialogs: loaded.dialogs };
}, 180_000);

const cases = loadConversationCases(CASES_DIR);
const own = cases.filter((c) => !c.file.startsWith(HOLDOUT));
const holdout = cases.filter((c) => c.file.startsWith(HOLDOUT));

it('ships at least 100 multi-turn conversation cases, each in a category', () => {
  expect(own.length).toBeGreaterThanOrEqual(100);
  expect(own.filter((c) => c.turns.length >= 2).length).toBeGreaterThanOrEqual(100);
});

for (const file of [...new Set(own.map((c) => c.file))]) {
  describe(file, () => {
    for (const spec of own.filter((c) => c.file === file)) {
      it(spec.name, async () => {
        const result = await runConversationCase(spec, env);
        expect(result.failures, JSON.stringify(result.transcript, null, 1)).toEqual([]);
      });
    }
  });
}

describe('held-out conversations (written independently, never tuned against)', () => {
  it.runIf(holdout.length > 0)(
    'pass at 90% or more',
    async () => {
      const results = [];
      for (const spec of holdout) results.push(await runConversationCase(spec, env));
      const summary = summarize(results);
      const failed = results.filter((r) => !r.passed).map((r) => `${r.category}: ${r.name}`);
      expect(summary.rate, `failed: ${failed.join(' | ')}`).toBeGreaterThanOrEqual(0.9);
    },
    120_000,
  );
});
