// The NLU engine the app uses: the classifier trained from the shipped intents plus entity
// extraction, behind one `analyze` call. Built once at start-up (and again on content reload).
import { existsSync } from 'node:fs';
import type { LoadedContent } from '../content/load.ts';
import {
  trainIntentClassifier,
  type ClassifierOptions,
  type TrainedIntentClassifier,
} from './classifier.ts';
import { createEntityExtractor, loadStockListings, type StockListing } from './entities.ts';
import { createTokenizer } from './tokenize.ts';
import type { IntentClassifier, LabeledExample, NluResult } from './types.ts';

export interface NluEngine {
  analyze(text: string, now?: Date): NluResult;
  /** Intent ids the classifier knows. */
  readonly labels: readonly string[];
}

export interface BuildNluOptions {
  classifier?: ClassifierOptions;
  /** Use this classifier instead of training one (tests inject the fake). */
  classifierOverride?: IntentClassifier & { labels?: readonly string[] };
}

/** Every example of every intent, as training data. */
export function examplesOf(content: LoadedContent): LabeledExample[] {
  return content.intents.flatMap((intent) =>
    intent.examples.map((text) => ({ text, label: intent.id })),
  );
}

export function buildNluEngine(content: LoadedContent, options: BuildNluOptions = {}): NluEngine {
  const stocks: StockListing[] = existsSync(content.paths.stocksPath)
    ? loadStockListings(content.paths.stocksPath)
    : [];
  const extractor = createEntityExtractor({ stocks });
  let classifier: IntentClassifier;
  let labels: readonly string[];
  if (options.classifierOverride) {
    classifier = options.classifierOverride;
    labels = options.classifierOverride.labels ?? content.intents.map((i) => i.id);
  } else {
    const tokenizer = createTokenizer({
      ...(existsSync(content.paths.lexiconPath) ? { lexiconPath: content.paths.lexiconPath } : {}),
      // Listed names and the short names customers use (茅台, 京东方) stay whole words.
      extraWords: stocks.flatMap((s) => [s.name, ...(s.aliases ?? [])]),
    });
    const trained: TrainedIntentClassifier = trainIntentClassifier(examplesOf(content), {
      tokenizer,
      ...options.classifier,
    });
    classifier = trained;
    labels = trained.labels;
  }
  return {
    labels,
    analyze(text: string, now?: Date): NluResult {
      const result = classifier.classify(text);
      return { ...result, entities: extractor.extract(text, now) };
    },
  };
}
