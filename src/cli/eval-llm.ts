// `csbot eval llm --base-url URL`: runs the grounded-QA set (knowledge/eval/grounded-qa.jsonl) through
// the LLM layer against a real endpoint, with the same retrieval, prompt and compliance check the
// bot uses, and reports how often answers are grounded and how often the model declines.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadContent } from '../content/load.ts';
import type { LlmTurnContext } from '../core/llm-ports.ts';
import { checkLongTailAnswer } from '../core/long-tail.ts';
import { createLlmLayer, loadKnowledge } from '../llm/index.ts';
import type { AnswerOutcome } from '../llm/grounded-answerer.ts';
import { llmSettingsFromEnv } from '../llm/settings.ts';
import { contentReading } from '../nlu/engine.ts';
import { summarizeLatencies } from '../nlu/evaluation.ts';

export interface LlmEvalOptions {
  rootDir: string;
  env: Record<string, string | undefined>;
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  data?: string;
  streaming?: boolean;
  timeoutMs?: string;
  json?: boolean;
}

export interface EvalCase {
  question: string;
  expect: 'answer' | 'refuse';
  /** The document an answer should cite. */
  source?: string;
}

export interface EvalItem {
  question: string;
  expect: EvalCase['expect'];
  outcome: AnswerOutcome['kind'];
  /** answered, and the compliance check (figures, advice) passed. */
  grounded: boolean | null;
  sourceOk: boolean | null;
  reasons: string[];
  ms: number;
}

export interface LlmEvalReport {
  model: string;
  baseUrl: string;
  n: number;
  answered: number;
  refused: number;
  unavailable: number;
  unparseable: number;
  /** Answers that passed the grounding and advice checks, among answers. */
  groundedness: number;
  /** Questions the model (or retrieval) declined, among all. */
  refusalRate: number;
  /** Declined among questions the documents answer (lower is better). */
  falseRefusalRate: number;
  /** Declined among questions the documents do not answer (higher is better). */
  correctRefusalRate: number;
  /** Answers citing the expected document, among answers to answerable questions. */
  sourceAccuracy: number;
  p50Ms: number;
  p99Ms: number;
  items: EvalItem[];
}

export const DEFAULT_EVAL_DATA = join('knowledge', 'eval', 'grounded-qa.jsonl');

export function parseEvalCases(text: string, source: string): EvalCase[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'))
    .map(({ line, n }) => {
      let value: Partial<EvalCase>;
      try {
        value = JSON.parse(line) as Partial<EvalCase>;
      } catch {
        throw new Error(`${source}:${n}: not a JSON object`);
      }
      if (typeof value.question !== 'string' || !value.question.trim())
        throw new Error(`${source}:${n}: "question" must be a non-empty string`);
      if (value.expect !== 'answer' && value.expect !== 'refuse')
        throw new Error(`${source}:${n}: "expect" must be "answer" or "refuse"`);
      return {
        question: value.question,
        expect: value.expect,
        ...(typeof value.source === 'string' ? { source: value.source } : {}),
      };
    });
}

const ratio = (a: number, b: number): number =>
  b === 0 ? 0 : Math.round((a / b) * 10_000) / 10_000;

export async function evaluateLlm(options: LlmEvalOptions): Promise<LlmEvalReport> {
  const env = {
    ...options.env,
    ...(options.baseUrl ? { LLM_BASE_URL: options.baseUrl } : {}),
    ...(options.model ? { LLM_MODEL: options.model } : {}),
    ...(options.apiKey ? { LLM_API_KEY: options.apiKey } : {}),
    ...(options.streaming ? { LLM_STREAMING: 'true' } : {}),
  };
  if (!env.LLM_BASE_URL?.trim())
    throw new Error('eval llm needs --base-url URL (an OpenAI-compatible /v1 endpoint)');
  const parsed = llmSettingsFromEnv(env);
  if (!parsed) throw new Error('eval llm needs --base-url URL');
  const timeoutMs = options.timeoutMs === undefined ? 30_000 : Number(options.timeoutMs);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new Error(
      `--timeout-ms must be a whole number of milliseconds, got "${options.timeoutMs}"`,
    );
  // Only the eval set's questions and the firm's own documents are sent: no customer data, so the
  // provider-location rule for customer texts does not apply here.
  const settings = {
    ...parsed,
    uses: ['answer' as const],
    turnTimeoutMs: timeoutMs,
    maxConcurrency: 1,
  };

  const dataPath = options.data ?? join(options.rootDir, DEFAULT_EVAL_DATA);
  if (!existsSync(dataPath)) throw new Error(`no eval data at ${dataPath}`);
  const cases = parseEvalCases(readFileSync(dataPath, 'utf8'), dataPath);
  const content = loadContent({ rootDir: options.rootDir });
  const knowledge = loadKnowledge({ rootDir: options.rootDir, firm: content.firm });
  if (knowledge.passages.length === 0)
    throw new Error(`knowledge/ under ${options.rootDir} is empty`);
  const layer = createLlmLayer(settings, {
    knowledge,
    firm: content.firm,
    ...contentReading(content),
    log: () => {},
  });
  const answerer = layer.answerer!;

  const items: EvalItem[] = [];
  for (const [i, c] of cases.entries()) {
    const context: LlmTurnContext = {
      conversationId: `eval-${i + 1}`,
      channel: 'cli',
      startedAt: Date.now(),
    };
    const started = performance.now();
    const outcome = await answerer.attempt(c.question, context);
    const ms = performance.now() - started;
    let grounded: boolean | null = null;
    let sourceOk: boolean | null = null;
    let reasons: string[] = [];
    if (outcome.kind === 'answered') {
      const check = checkLongTailAnswer(outcome.answer);
      grounded = check.ok;
      reasons = check.ok ? [] : check.reasons;
      if (c.source) sourceOk = outcome.answer.sources.some((s) => s.file === c.source);
    } else if (outcome.kind === 'unavailable' || outcome.kind === 'unparseable') {
      reasons = [outcome.reason];
    }
    items.push({
      question: c.question,
      expect: c.expect,
      outcome: outcome.kind,
      grounded,
      sourceOk,
      reasons,
      ms,
    });
  }

  const declined = (i: EvalItem) => i.outcome === 'refused' || i.outcome === 'no_passages';
  const answered = items.filter((i) => i.outcome === 'answered');
  const answerable = items.filter((i) => i.expect === 'answer');
  const unanswerable = items.filter((i) => i.expect === 'refuse');
  const latencies = summarizeLatencies(items.map((i) => i.ms));
  return {
    model: settings.model,
    baseUrl: settings.baseUrl,
    n: items.length,
    answered: answered.length,
    refused: items.filter(declined).length,
    unavailable: items.filter((i) => i.outcome === 'unavailable').length,
    unparseable: items.filter((i) => i.outcome === 'unparseable').length,
    groundedness: ratio(answered.filter((i) => i.grounded).length, answered.length),
    refusalRate: ratio(items.filter(declined).length, items.length),
    falseRefusalRate: ratio(answerable.filter(declined).length, answerable.length),
    correctRefusalRate: ratio(unanswerable.filter(declined).length, unanswerable.length),
    sourceAccuracy: ratio(
      answered.filter((i) => i.sourceOk === true).length,
      answered.filter((i) => i.sourceOk !== null).length,
    ),
    p50Ms: latencies.p50,
    p99Ms: latencies.p99,
    items,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export async function runLlmEval(
  options: LlmEvalOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const report = await evaluateLlm(options);
  if (options.json) {
    out.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  const lines = [
    `模型 ${report.model} @ ${report.baseUrl}，${report.n} 题`,
    `作答 ${report.answered}，拒答 ${report.refused}，不可用 ${report.unavailable}，格式不符 ${report.unparseable}`,
    `有据率 groundedness ${pct(report.groundedness)}（作答中通过数字/日期与合规检查的比例）`,
    `拒答率 refusal ${pct(report.refusalRate)}；应答题误拒 ${pct(report.falseRefusalRate)}；无据题正确拒答 ${pct(report.correctRefusalRate)}`,
    `依据文档正确 ${pct(report.sourceAccuracy)}；耗时 p50 ${Math.round(report.p50Ms)} ms，p99 ${Math.round(report.p99Ms)} ms`,
    '',
    ...report.items
      .filter(
        (i) =>
          i.grounded === false ||
          (i.expect === 'refuse' && i.outcome === 'answered') ||
          i.reasons.length > 0,
      )
      .map(
        (i) =>
          `✗ ${i.question}：${i.outcome}${i.reasons.length ? `（${i.reasons.join('；')}）` : ''}`,
      ),
  ];
  out.write(`${lines.join('\n')}\n`);
  return 0;
}
