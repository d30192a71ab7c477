// `csbot eval conversations` (pass rate by category) and `csbot test` (every case, with a readable
// diff of what was expected and what the bot said), against the current content, no server.
import { join, resolve } from 'node:path';
import { loadContent } from '../content/load.ts';
import { formatIssue } from '../content/lint.ts';
import { loadDialogs } from '../dialog/loader.ts';
import {
  loadConversationCases,
  runConversationCase,
  summarize,
  type CaseResult,
  type ConversationEnvironment,
} from '../eval/conversations.ts';
import { buildNluEngine } from '../nlu/engine.ts';

type Out = NodeJS.WritableStream;

function environment(rootDir: string): ConversationEnvironment {
  const content = loadContent({ rootDir });
  const dialogs = loadDialogs(join(rootDir, 'dialogs'), rootDir);
  const errors = [...content.issues, ...dialogs.issues].filter((i) => i.severity === 'error');
  if (errors.length > 0)
    throw new Error(`content has errors (run csbot lint):\n${errors.map(formatIssue).join('\n')}`);
  return { content, nlu: buildNluEngine(content), dialogs: dialogs.dialogs };
}

async function runAll(rootDir: string, dirs: string[]): Promise<CaseResult[]> {
  const env = environment(rootDir);
  const results: CaseResult[] = [];
  for (const dir of dirs) {
    for (const spec of loadConversationCases(resolve(rootDir, dir))) {
      results.push(await runConversationCase({ ...spec, file: join(dir, spec.file) }, env));
    }
  }
  return results;
}

const DEFAULT_DIR = join('test', 'conversations');

/** Pass rate overall and by category; exit 0 (it measures, it does not judge). */
export async function runEvalConversations(
  options: { rootDir: string; dirs: string[]; json?: boolean },
  out: Out,
): Promise<number> {
  const dirs = options.dirs.length > 0 ? options.dirs : [DEFAULT_DIR];
  const results = await runAll(options.rootDir, dirs);
  const summary = summarize(results);
  if (options.json) {
    out.write(
      `${JSON.stringify({
        ...summary,
        failed: results
          .filter((r) => !r.passed)
          .map((r) => ({
            file: r.file,
            name: r.name,
            category: r.category,
            failures: r.failures,
          })),
      })}\n`,
    );
    return 0;
  }
  out.write(`conversations: ${summary.passed}/${summary.total} passed (${pct(summary.rate)})\n`);
  for (const [category, c] of Object.entries(summary.byCategory).sort())
    out.write(
      `  ${category.padEnd(24)} ${String(c.passed).padStart(3)}/${c.total}  ${pct(c.rate)}\n`,
    );
  return 0;
}

/** Every case; failures shown with what was expected and what the bot said. Exit 1 on a failure. */
export async function runConversationTests(
  options: { rootDir: string; dirs: string[] },
  out: Out,
): Promise<number> {
  const dirs = options.dirs.length > 0 ? options.dirs : [DEFAULT_DIR];
  const results = await runAll(options.rootDir, dirs);
  for (const r of results) {
    if (r.passed) continue;
    out.write(`\n✗ ${r.file} / ${r.name}\n`);
    for (const f of r.failures) out.write(`    期望 expected: ${f}\n`);
    for (const [i, t] of r.transcript.entries()) {
      out.write(`    ${i + 1}. 客户: ${t.customer}\n`);
      for (const line of t.bot.split('\n')) out.write(`       机器人: ${line}\n`);
    }
  }
  const summary = summarize(results);
  out.write(
    `\n${summary.passed}/${summary.total} conversation cases passed${summary.passed === summary.total ? '' : ` (${summary.total - summary.passed} failed)`}\n`,
  );
  return summary.passed === summary.total ? 0 : 1;
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}
