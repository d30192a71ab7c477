// `csbot nlu classify | eval | bench`: what the classifier makes of a message or a data set.
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadContent, type LoadedContent } from '../content/load.ts';
import { trainIntentClassifier } from '../nlu/classifier.ts';
import { buildNluEngine, contentReading, examplesOf } from '../nlu/engine.ts';
import {
  evaluateClassifier,
  evaluatePredictions,
  kFolds,
  summarizeLatencies,
  type EvaluationReport,
} from '../nlu/evaluation.ts';
import type { LabeledExample } from '../nlu/types.ts';

export interface NluCommandOptions {
  rootDir: string;
  json?: boolean;
  /** classify: also the standard question, close questions and facets. */
  details?: boolean;
  data?: string;
  train?: string;
  test?: string;
  cv?: string;
}

type Out = NodeJS.WritableStream;

export async function runNluCommand(
  args: string[],
  options: NluCommandOptions,
  out: Out,
): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'classify':
      return classify(rest.join(' '), options, out);
    case 'eval':
      return evaluate(options, out);
    case 'bench':
      return bench(options, out);
    default:
      throw new Error(`nlu needs classify, eval or bench (got ${sub ?? 'nothing'})`);
  }
}

function contentOrThrow(rootDir: string): LoadedContent {
  const content = loadContent({ rootDir });
  const errors = content.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    throw new Error(
      `intents/ has errors; run csbot lint:\n${errors.map((e) => `${e.file}:${e.line}: ${e.message}`).join('\n')}`,
    );
  }
  return content;
}

function classify(text: string, options: NluCommandOptions, out: Out): number {
  if (text.trim() === '')
    throw new Error('classify needs a message, e.g. csbot nlu classify "怎么开户"');
  const engine = buildNluEngine(contentOrThrow(options.rootDir));
  const result = engine.analyze(text);
  if (options.json) {
    // The contract shape; the knowledge-base reading only on request, so scripts keep working.
    const { intent, confidence, entities, alternatives } = result;
    const shown = options.details ? result : { intent, confidence, entities, alternatives };
    out.write(`${JSON.stringify(shown)}\n`);
  } else {
    out.write(`${result.intent}  ${result.confidence.toFixed(3)}\n`);
    if (result.question) {
      const q = engine.kb.questions.get(result.question.id);
      out.write(
        `  标准问 ${result.question.id}  ${result.question.confidence.toFixed(3)}  ${q?.question ?? ''}\n`,
      );
    }
    for (const c of result.candidates ?? []) {
      const q = engine.kb.questions.get(c.id);
      out.write(`  您是想问? ${c.id}  ${c.confidence.toFixed(3)}  ${q?.question ?? ''}\n`);
    }
    for (const alt of result.alternatives)
      out.write(`  ${alt.intent}  ${alt.confidence.toFixed(3)}\n`);
    for (const e of result.entities)
      out.write(`  [${e.type}] ${e.value}${e.normalized ? ` → ${e.normalized}` : ''}\n`);
    for (const f of result.facets ?? []) out.write(`  <${f.key}> ${f.value}\n`);
  }
  return 0;
}

/** Reads {"text","label"} lines; a bad line is reported with its number. */
export function readLabeledJsonl(path: string): LabeledExample[] {
  if (!existsSync(path)) throw new Error(`file not found: ${path}`);
  const examples: LabeledExample[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error(`${path}:${index + 1}: not valid JSON`);
      }
      const record = parsed as { text?: unknown; label?: unknown };
      if (typeof record.text !== 'string' || typeof record.label !== 'string') {
        throw new Error(`${path}:${index + 1}: expected {"text": string, "label": string}`);
      }
      examples.push({ text: record.text, label: record.label });
    });
  return examples;
}

function evaluate(options: NluCommandOptions, out: Out): number {
  const content = contentOrThrow(options.rootDir);
  if (options.cv !== undefined) {
    const k = Number(options.cv);
    if (!Number.isInteger(k) || k < 2) throw new Error('--cv takes a whole number of folds >= 2');
    const reading = contentReading(content);
    // Pool every fold's predictions so per-intent numbers and confusions cover all examples.
    const folds = kFolds(examplesOf(content), k);
    const gold: string[] = [];
    const predicted: string[] = [];
    folds.forEach((testFold, i) => {
      const classifier = trainIntentClassifier(folds.filter((_, j) => j !== i).flat(), reading);
      for (const e of testFold) {
        gold.push(e.label);
        predicted.push(classifier.classify(e.text).intent);
      }
    });
    const pooled = evaluatePredictions(gold, predicted);
    if (options.json) {
      out.write(`${JSON.stringify({ mode: 'cross-validation', folds: k, ...summary(pooled) })}\n`);
    } else {
      out.write(`${k}-fold cross-validation over the shipped intents' examples\n`);
      printReport(pooled, out);
    }
    return 0;
  }
  if (!options.data) throw new Error('eval needs --data F.jsonl or --cv K');
  const data = readLabeledJsonl(options.data);
  const engine = buildNluEngine(content);
  const unknown = [...new Set(data.map((d) => d.label))].filter((l) => !engine.labels.includes(l));
  const report = evaluateClassifier({ classify: (t) => engine.analyze(t) }, data);
  if (options.json) {
    out.write(`${JSON.stringify({ ...summary(report), unknownLabels: unknown })}\n`);
  } else {
    if (unknown.length)
      out.write(`warning: labels not among the shipped intents: ${unknown.join(', ')}\n`);
    printReport(report, out);
  }
  return 0;
}

function bench(options: NluCommandOptions, out: Out): number {
  if (!options.train || !options.test)
    throw new Error('bench needs --train A.jsonl --test B.jsonl');
  const train = readLabeledJsonl(options.train);
  const test = readLabeledJsonl(options.test);
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  // A benchmark set has no out-of-scope class, so nothing is rejected: every message gets a label.
  const classifier = trainIntentClassifier(train, { rejectOutOfScope: false });
  const trainMs = performance.now() - started;
  for (const e of test.slice(0, 200)) classifier.classify(e.text);
  const latencies: number[] = [];
  const predicted: string[] = [];
  for (const e of test) {
    const t0 = performance.now();
    predicted.push(classifier.classify(e.text).intent);
    latencies.push(performance.now() - t0);
  }
  const report = evaluateClassifier({ classify: (t) => classifier.classify(t) }, test);
  const lat = summarizeLatencies(latencies);
  const result = {
    ...summary(report),
    trainMs: round(trainMs, 1),
    p50Ms: round(lat.p50, 4),
    p99Ms: round(lat.p99, 4),
    rssMb: round(process.memoryUsage().rss / 2 ** 20, 1),
    rssDeltaMb: round((process.memoryUsage().rss - rssBefore) / 2 ** 20, 1),
    nTrain: train.length,
  };
  if (options.json) out.write(`${JSON.stringify(result)}\n`);
  else {
    printReport(report, out);
    out.write(
      `train ${result.trainMs} ms, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, rss ${result.rssMb} MB\n`,
    );
  }
  return 0;
}

function summary(report: EvaluationReport): Record<string, unknown> {
  return {
    accuracy: round(report.accuracy, 4),
    macroF1: round(report.macroF1, 4),
    n: report.total,
    perLabel: Object.fromEntries(
      report.perLabel.map((l) => [
        l.label,
        {
          precision: round(l.precision, 4),
          recall: round(l.recall, 4),
          f1: round(l.f1, 4),
          support: l.support,
        },
      ]),
    ),
    topConfusions: report.topConfusions,
  };
}

function printReport(report: EvaluationReport, out: Out): void {
  out.write(
    `accuracy ${pct(report.accuracy)}   macro-F1 ${pct(report.macroF1)}   n=${report.total}\n\n`,
  );
  out.write(`${'intent'.padEnd(30)} precision  recall  support\n`);
  for (const l of [...report.perLabel].sort((a, b) => a.f1 - b.f1)) {
    out.write(
      `${l.label.padEnd(30)} ${pct(l.precision).padStart(9)} ${pct(l.recall).padStart(7)} ${String(l.support).padStart(8)}\n`,
    );
  }
  if (report.topConfusions.length) {
    out.write('\nmost confused (gold → predicted):\n');
    for (const c of report.topConfusions) out.write(`  ${c.gold} → ${c.predicted}: ${c.count}\n`);
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const round = (x: number, digits: number): number => Number(x.toFixed(digits));
