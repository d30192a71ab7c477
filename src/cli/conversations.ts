// `csbot eval conversations` (pass rate by category) and `csbot test` (every case, with a readable
// diff of what was expected and what the bot said), against the current content, no server.
import { join, resolve } from 'node:path';
import { buildContent, type BuildOptions } from '../content/build.ts';
import { formatIssue } from '../content/lint.ts';
import {
  loadConversationCases,
  runConversationCase,
  summarize,
  type CaseResult,
  type ConversationEnvironment,
} from '../eval/conversations.ts';

type Out = NodeJS.WritableStream;

/** The content as the bot would serve it: the start-up build, lint errors refused the same way. */
async function environment(
  rootDir: string,
  build: BuildOptions = {},
): Promise<ConversationEnvironment> {
  const built = await buildContent({ rootDir }, build);
  if (!built.ok)
    throw new Error(
      `content has errors (run csbot lint):\n${built.errors.map(formatIssue).join('\n')}`,
    );
  const { content, nlu, dialogs } = built.snapshot;
  return { content, nlu, dialogs };
}

async function runAll(
  rootDir: string,
  dirs: string[],
  build?: BuildOptions,
): Promise<CaseResult[]> {
  const env = await environment(rootDir, build);
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

/**
 * Every case; a failed one is shown turn by turn: what the customer said, the bot's reply, and
 * under the turn that failed, each expectation (-) against the reply it got (+). Exit 1 on a failure.
 */
export async function runConversationTests(
  options: { rootDir: string; dirs: string[]; build?: BuildOptions },
  out: Out,
): Promise<number> {
  const dirs = options.dirs.length > 0 ? options.dirs : [DEFAULT_DIR];
  const results = await runAll(options.rootDir, dirs, options.build);
  for (const r of results) if (!r.passed) out.write(describeFailure(r));
  const summary = summarize(results);
  out.write(
    `\n${summary.passed}/${summary.total} conversation cases passed${summary.passed === summary.total ? '' : ` (${summary.total - summary.passed} failed)`}\n`,
  );
  return summary.passed === summary.total ? 0 : 1;
}

/** One failed case as a readable diff of expected and actual replies. */
export function describeFailure(r: CaseResult): string {
  const lines = [`\n✗ ${r.file} / ${r.name}`];
  r.transcript.forEach((t, i) => {
    const problems = r.problems.filter((p) => p.turn === i + 1);
    lines.push(`  ${problems.length > 0 ? '✗' : ' '} ${i + 1}. 客户 customer: ${t.customer}`);
    if (problems.length === 0) {
      for (const line of t.bot.split('\n')) lines.push(`       机器人 bot: ${line}`);
      return;
    }
    for (const p of problems) lines.push(`    - 期望 expected: ${p.expected}`);
    const said = t.bot === '' ? ['(nothing)'] : t.bot.split('\n');
    for (const line of said) lines.push(`    + 实际 actual:   ${line}`);
  });
  // Expectations on turns the case never reached (a tap that was not offered stops it).
  for (const p of r.problems.filter((p) => p.turn > r.transcript.length))
    lines.push(`    - 期望 expected (turn ${p.turn}): ${p.expected}`);
  return `${lines.join('\n')}\n`;
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}
