// The accuracy gate, judged per intent on what exists for it: held-out customer messages where
// test/fixtures/nlu/holdout.jsonl has some, cross-validation over its own phrasings where it has
// none, and a minimum number of phrasings. New content is welcome without touching a test file;
// a failing intent is named with its figure and told which file to add messages to.
import type { LoadedContent } from '../content/load.ts';
import { examplesOf } from '../nlu/engine.ts';
import { kFolds } from '../nlu/evaluation.ts';
import type { IntentClassifier, LabeledExample } from '../nlu/types.ts';

export interface IntentGateOptions {
  /** Held-out customer messages (`{"text","label"}`), written independently of intents/. */
  holdout: readonly LabeledExample[];
  /** Where the held-out messages live, as the failure message names it. */
  holdoutFile: string;
  /** Trains a classifier on examples (the app's own training, with the content's reading). */
  train: (examples: LabeledExample[]) => IntentClassifier;
  /** Phrasings (examples, standard questions, 相似问) an intent needs at the least. */
  minPhrasings?: number;
  /** Recall each intent must reach on its held-out messages. */
  minHoldoutRecall?: number;
  /** Recall each intent without held-out messages must reach in cross-validation. */
  minCrossValidationRecall?: number;
  folds?: number;
  seed?: number;
}

export const GATE_MIN_PHRASINGS = 10;
export const GATE_MIN_HOLDOUT_RECALL = 0.75;
export const GATE_MIN_CV_RECALL = 0.6;

export interface IntentVerdict {
  intent: string;
  /** Where the intent is defined (file:line), for the message. */
  definedAt: string;
  phrasings: number;
  /** How it was judged: on held-out messages, or by cross-validation over its phrasings. */
  judgedBy: 'holdout' | 'cross_validation' | 'too_few_phrasings';
  /** Messages it was judged on and how many of them were recognised. */
  measured: number;
  recognised: number;
  recall: number;
  passed: boolean;
  /** What to do when it failed, in words an editor can follow. */
  advice?: string;
}

export interface IntentGateReport {
  verdicts: IntentVerdict[];
  failures: IntentVerdict[];
  /** Held-out messages labelled with an intent that no longer exists. */
  orphanHoldoutLabels: string[];
  /** Whole held-out accuracy (all intents together) and the cross-validation predictions. */
  holdoutAccuracy: number;
  crossValidation: { hits: boolean[]; confidences: number[] };
}

/** Runs the gate: one training on every phrasing for the held-out set, and k-fold cross-validation. */
export function runIntentGate(
  content: LoadedContent,
  options: IntentGateOptions,
): IntentGateReport {
  const minPhrasings = options.minPhrasings ?? GATE_MIN_PHRASINGS;
  const minHoldoutRecall = options.minHoldoutRecall ?? GATE_MIN_HOLDOUT_RECALL;
  const minCvRecall = options.minCrossValidationRecall ?? GATE_MIN_CV_RECALL;
  const examples = examplesOf(content);
  const known = new Set(content.intents.map((i) => i.id));

  const full = options.train(examples);
  const holdoutHits = new Map<string, { n: number; ok: number }>();
  let holdoutOk = 0;
  for (const message of options.holdout) {
    const hit = full.classify(message.text).intent === message.label;
    if (hit) holdoutOk++;
    const tally = holdoutHits.get(message.label) ?? { n: 0, ok: 0 };
    tally.n++;
    if (hit) tally.ok++;
    holdoutHits.set(message.label, tally);
  }

  // Every phrasing is held out once; folds are fixed by the seed, so a run is repeatable.
  const folds = kFolds(examples, options.folds ?? 5, options.seed ?? 7);
  const cvHits = new Map<string, { n: number; ok: number }>();
  const hits: boolean[] = [];
  const confidences: number[] = [];
  folds.forEach((test, i) => {
    const classifier = options.train(folds.filter((_, j) => j !== i).flat());
    for (const e of test) {
      const result = classifier.classify(e.text);
      const hit = result.intent === e.label;
      hits.push(hit);
      confidences.push(result.confidence);
      const tally = cvHits.get(e.label) ?? { n: 0, ok: 0 };
      tally.n++;
      if (hit) tally.ok++;
      cvHits.set(e.label, tally);
    }
  });

  const verdicts: IntentVerdict[] = content.intents.map((intent) => {
    const phrasings = examples.filter((e) => e.label === intent.id).length;
    const definedAt = `${intent.source.file}:${intent.source.line}`;
    const base = { intent: intent.id, definedAt, phrasings };
    if (phrasings < minPhrasings) {
      return {
        ...base,
        judgedBy: 'too_few_phrasings',
        measured: phrasings,
        recognised: 0,
        recall: 0,
        passed: false,
        advice: `intent ${intent.id} (${definedAt}) has ${phrasings} phrasing(s); the gate needs at least ${minPhrasings}. Add the different ways customers ask it under "similar:" of its standard questions (or "examples:") in ${intent.source.file}`,
      };
    }
    const held = holdoutHits.get(intent.id);
    if (held) {
      const recall = held.ok / held.n;
      const passed = recall >= minHoldoutRecall;
      return {
        ...base,
        judgedBy: 'holdout',
        measured: held.n,
        recognised: held.ok,
        recall,
        passed,
        ...(passed
          ? {}
          : {
              advice: `intent ${intent.id} (${definedAt}) recognised ${held.ok} of ${held.n} held-out messages (recall ${recall.toFixed(2)}, needs ${minHoldoutRecall}). Add phrasings like the missed messages to ${intent.source.file}; do not copy the held-out messages themselves`,
            }),
      };
    }
    const cv = cvHits.get(intent.id) ?? { n: 0, ok: 0 };
    const recall = cv.n ? cv.ok / cv.n : 0;
    const passed = recall >= minCvRecall;
    return {
      ...base,
      judgedBy: 'cross_validation',
      measured: cv.n,
      recognised: cv.ok,
      recall,
      passed,
      ...(passed
        ? {}
        : {
            advice: `intent ${intent.id} (${definedAt}) has no held-out messages; trained without each of its phrasings in turn it recognised ${cv.ok} of ${cv.n} (recall ${recall.toFixed(2)}, needs ${minCvRecall}). Its phrasings are too few or too alike: add varied ones (other words, word order, typos) to ${intent.source.file}, and add customer messages for it written by someone else to ${options.holdoutFile}, one per line: {"text": "…", "label": "${intent.id}"}`,
          }),
    };
  });
  return {
    verdicts,
    failures: verdicts.filter((v) => !v.passed),
    orphanHoldoutLabels: [...holdoutHits.keys()].filter((label) => !known.has(label)).sort(),
    holdoutAccuracy: options.holdout.length ? holdoutOk / options.holdout.length : 1,
    crossValidation: { hits, confidences },
  };
}

/** The gate's failures, one paragraph each, for a test's assertion message. */
export function describeGateFailures(report: IntentGateReport): string {
  return [
    ...report.failures.map((v) => v.advice ?? v.intent),
    ...report.orphanHoldoutLabels.map(
      (label) =>
        `held-out messages are labelled ${label}, an intent that does not exist: relabel or remove them`,
    ),
  ].join('\n');
}
