// Conversation tests as data: every case in test/conversations/**/*.yaml is played through the
// real pipeline (classifier trained from intents/, shipped dialogs, memory stores, the real handoff
// service with a recording desk) by src/eval/conversations.ts, the runner `csbot test` and
// `csbot eval conversations` use too. Format: docs/dialog-format.md, "Conversation tests".
// Cases under holdout/ are an independently written check of generalisation: they are judged by
// their pass rate, not one by one, and are never tuned against.
import { readFileSync } from 'node:fs';
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

// Cases already failing on main, named in known-gaps.txt: they are played and reported, and a
// regression anywhere else fails the suite. The list only shrinks.
const KNOWN_GAPS = new Set(
  readFileSync(join(CASES_DIR, 'known-gaps.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#')),
);
const keyOf = (c: { file: string; name: string }): string => `${c.file}::${c.name}`;
/** Own cases passing, over all own cases: the floor under which the whole set may not fall. */
const OWN_FLOOR = 0.84;
/**
 * The held-out set's floor. The target is 0.9 (issue #10); measured 0.58 early on 2026-11-28 and
 * 0.84 at the end of that day, so the floor keeps what was reached (less the few cases a content
 * edit moves) and is raised as the bot improves.
 */
const HOLDOUT_FLOOR = 0.75;

it('ships at least 100 multi-turn conversation cases, each in a category', () => {
  expect(own.length).toBeGreaterThanOrEqual(100);
  expect(own.filter((c) => c.turns.length >= 2).length).toBeGreaterThanOrEqual(100);
});

it('names only existing cases among the known gaps', () => {
  const existing = new Set(own.map(keyOf));
  expect([...KNOWN_GAPS].filter((k) => !existing.has(k))).toEqual([]);
});

for (const file of [...new Set(own.map((c) => c.file))]) {
  describe(file, () => {
    for (const spec of own.filter((c) => c.file === file && !KNOWN_GAPS.has(keyOf(c)))) {
      it(spec.name, async () => {
        const result = await runConversationCase(spec, env);
        expect(result.failures, JSON.stringify(result.transcript, null, 1)).toEqual([]);
      });
    }
  });
}

it(`own cases pass at ${OWN_FLOOR * 100}% or more, known gaps included`, async () => {
  const gaps = own.filter((c) => KNOWN_GAPS.has(keyOf(c)));
  const closed: string[] = [];
  for (const spec of gaps) {
    const result = await runConversationCase(spec, env);
    if (result.failures.length === 0) closed.push(keyOf(spec));
  }
  if (closed.length > 0)
    console.info(`known gaps now passing (take them off known-gaps.txt): ${closed.join(' | ')}`);
  const failing = gaps.length - closed.length;
  expect((own.length - failing) / own.length).toBeGreaterThanOrEqual(OWN_FLOOR);
}, 120_000);

describe('held-out conversations (written independently, never tuned against)', () => {
  it.runIf(holdout.length > 0)(
    `pass at ${HOLDOUT_FLOOR * 100}% or more (target 90%)`,
    async () => {
      const results = [];
      for (const spec of holdout) results.push(await runConversationCase(spec, env));
      const summary = summarize(results);
      const failed = results.filter((r) => !r.passed).map((r) => `${r.category}: ${r.name}`);
      console.info(`held-out conversations: ${summary.passed}/${summary.total} passed`);
      expect(summary.rate, `failed: ${failed.join(' | ')}`).toBeGreaterThanOrEqual(HOLDOUT_FLOOR);
    },
    120_000,
  );
});
