// Pure metrics for intent classification: accuracy, per-label and macro F1, confusions,
// stratified holdout, k-fold cross-validation and latency percentiles.
import type { IntentClassifier, LabeledExample } from './types.ts';
import { seededRandom, shuffleInPlace } from './random.ts';

export interface LabelMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Gold examples of this label. */
  support: number;
}

export interface ConfusionPair {
  gold: string;
  predicted: string;
  count: number;
}

export interface EvaluationReport {
  accuracy: number;
  macroF1: number;
  perLabel: LabelMetrics[];
  topConfusions: ConfusionPair[];
  total: number;
}

function checkLengths(gold: readonly string[], predicted: readonly string[]): void {
  if (gold.length !== predicted.length) {
    throw new Error(`gold has ${gold.length} labels but predicted has ${predicted.length}`);
  }
}

export function accuracy(gold: readonly string[], predicted: readonly string[]): number {
  checkLengths(gold, predicted);
  if (gold.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] === predicted[i]) ok++;
  return ok / gold.length;
}

/** Precision/recall/F1 for every label seen in gold or predictions (0 when undefined), sorted by label. */
export function perLabelMetrics(
  gold: readonly string[],
  predicted: readonly string[],
): LabelMetrics[] {
  checkLengths(gold, predicted);
  const tp = new Map<string, number>();
  const goldCount = new Map<string, number>();
  const predCount = new Map<string, number>();
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i] as string;
    const p = predicted[i] as string;
    goldCount.set(g, (goldCount.get(g) ?? 0) + 1);
    predCount.set(p, (predCount.get(p) ?? 0) + 1);
    if (g === p) tp.set(g, (tp.get(g) ?? 0) + 1);
  }
  const labels = [...new Set([...goldCount.keys(), ...predCount.keys()])].sort();
  return labels.map((label) => {
    const t = tp.get(label) ?? 0;
    const pc = predCount.get(label) ?? 0;
    const gc = goldCount.get(label) ?? 0;
    const precision = pc ? t / pc : 0;
    const recall = gc ? t / gc : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support: gc };
  });
}

/** Unweighted mean F1 over the labels that occur in gold (predicted-only labels still cost precision). */
export function macroF1(gold: readonly string[], predicted: readonly string[]): number {
  const rows = perLabelMetrics(gold, predicted).filter((r) => r.support > 0);
  if (rows.length === 0) return 0;
  return rows.reduce((sum, r) => sum + r.f1, 0) / rows.length;
}

/** Most frequent (gold, predicted) mistakes, most frequent first, ties by label. */
export function topConfusions(
  gold: readonly string[],
  predicted: readonly string[],
  limit = 10,
): ConfusionPair[] {
  checkLengths(gold, predicted);
  const counts = new Map<string, ConfusionPair>();
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i] as string;
    const p = predicted[i] as string;
    if (g === p) continue;
    const key = JSON.stringify([g, p]);
    const pair = counts.get(key) ?? { gold: g, predicted: p, count: 0 };
    pair.count++;
    counts.set(key, pair);
  }
  return [...counts.values()]
    .sort(
      (a, b) =>
        b.count - a.count || a.gold.localeCompare(b.gold) || a.predicted.localeCompare(b.predicted),
    )
    .slice(0, limit);
}

/**
 * Expected calibration error: predictions are put in `bins` equal-width bins by confidence, and the
 * gap between each bin's mean confidence and its accuracy is averaged, weighted by bin size. 0 means
 * "confidence 0.8" is right 80% of the time; the fallback ladder's thresholds rely on that.
 */
export function expectedCalibrationError(
  confidences: readonly number[],
  correct: readonly boolean[],
  bins = 10,
): number {
  if (confidences.length !== correct.length) {
    throw new Error(`${confidences.length} confidences but ${correct.length} outcomes`);
  }
  if (confidences.length === 0) return 0;
  const count = new Array<number>(bins).fill(0);
  const confSum = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  confidences.forEach((c, i) => {
    if (!Number.isFinite(c) || c < 0 || c > 1)
      throw new RangeError(`confidence ${c} is not in [0, 1]`);
    const b = Math.min(bins - 1, Math.floor(c * bins));
    count[b] = (count[b] as number) + 1;
    confSum[b] = (confSum[b] as number) + c;
    if (correct[i]) hits[b] = (hits[b] as number) + 1;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const n = count[b] as number;
    if (n > 0)
      ece +=
        (n / confidences.length) * Math.abs((confSum[b] as number) / n - (hits[b] as number) / n);
  }
  return ece;
}

export function evaluatePredictions(
  gold: readonly string[],
  predicted: readonly string[],
  confusionLimit = 10,
): EvaluationReport {
  return {
    accuracy: accuracy(gold, predicted),
    macroF1: macroF1(gold, predicted),
    perLabel: perLabelMetrics(gold, predicted),
    topConfusions: topConfusions(gold, predicted, confusionLimit),
    total: gold.length,
  };
}

export function evaluateClassifier(
  classifier: IntentClassifier,
  examples: readonly LabeledExample[],
  confusionLimit = 10,
): EvaluationReport {
  const predicted = examples.map((e) => classifier.classify(e.text).intent);
  return evaluatePredictions(
    examples.map((e) => e.label),
    predicted,
    confusionLimit,
  );
}

function groupByLabel<T extends LabeledExample>(examples: readonly T[], seed: number): T[][] {
  const groups = new Map<string, T[]>();
  for (const e of examples) {
    const list = groups.get(e.label) ?? [];
    list.push(e);
    groups.set(e.label, list);
  }
  const rnd = seededRandom(seed);
  return [...groups.keys()]
    .sort()
    .map((label) => shuffleInPlace([...(groups.get(label) as T[])], rnd));
}

/**
 * Stratified split: about `fraction` of each label goes to test, but every label keeps at least
 * one training example. Same input and seed → same split.
 */
export function splitHoldout<T extends LabeledExample>(
  examples: readonly T[],
  fraction: number,
  seed = 1,
): { train: T[]; test: T[] } {
  if (!(fraction >= 0 && fraction < 1))
    throw new Error(`holdout fraction must be in [0, 1), got ${fraction}`);
  const train: T[] = [];
  const test: T[] = [];
  for (const list of groupByLabel(examples, seed)) {
    const take = Math.min(list.length - 1, Math.round(list.length * fraction));
    test.push(...list.slice(0, take));
    train.push(...list.slice(take));
  }
  return { train, test };
}

/** Stratified k folds: each example is in exactly one fold; labels are spread round-robin. */
export function kFolds<T extends LabeledExample>(
  examples: readonly T[],
  k: number,
  seed = 1,
): T[][] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`k must be an integer >= 2, got ${k}`);
  const folds: T[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const list of groupByLabel(examples, seed)) {
    for (const e of list) {
      (folds[next % k] as T[]).push(e);
      next++;
    }
  }
  return folds;
}

export interface CrossValidationResult {
  folds: EvaluationReport[];
  meanAccuracy: number;
  meanMacroF1: number;
}

/** Trains on k-1 folds and evaluates on the remaining one, k times. */
export function crossValidate(
  examples: readonly LabeledExample[],
  k: number,
  train: (examples: LabeledExample[]) => IntentClassifier,
  seed = 1,
): CrossValidationResult {
  const folds = kFolds(examples, k, seed);
  const reports = folds.map((testFold, i) => {
    const trainSet = folds.filter((_, j) => j !== i).flat();
    return evaluateClassifier(train(trainSet), testFold);
  });
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
  return {
    folds: reports,
    meanAccuracy: mean(reports.map((r) => r.accuracy)),
    meanMacroF1: mean(reports.map((r) => r.macroF1)),
  };
}

/** Nearest-rank percentile (p in [0, 100]) of unsorted samples; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile must be in [0, 100], got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarizeLatencies(samples: readonly number[]): LatencySummary {
  const n = samples.length;
  return {
    count: n,
    mean: n ? samples.reduce((a, b) => a + b, 0) / n : Number.NaN,
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: n ? Math.max(...samples) : Number.NaN,
  };
}
