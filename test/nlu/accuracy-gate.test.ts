// The accuracy gate: a regression in the classifier or the shipped intents fails the build.
// Thresholds sit a little under what the current model measures (see docs/benchmarks.md).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLabeledJsonl } from '../../src/cli/nlu.ts';
import { loadContent } from '../../src/content/load.ts';
import { trainIntentClassifier } from '../../src/nlu/classifier.ts';
import { examplesOf } from '../../src/nlu/engine.ts';
import { evaluateClassifier, splitHoldout } from '../../src/nlu/evaluation.ts';
import { createTokenizer } from '../../src/nlu/tokenize.ts';

const root = join(import.meta.dirname, '..', '..');
const content = loadContent({ rootDir: root });
const tokenizer = createTokenizer({ lexiconPath: content.paths.lexiconPath });

describe('accuracy gate', () => {
  it('recognises independently written customer messages (test/fixtures/nlu/holdout.jsonl)', () => {
    const classifier = trainIntentClassifier(examplesOf(content), { tokenizer });
    const holdout = readLabeledJsonl(join(root, 'test', 'fixtures', 'nlu', 'holdout.jsonl'));
    const report = evaluateClassifier(classifier, holdout);
    expect(holdout.length).toBeGreaterThanOrEqual(31 * 8);
    expect(report.accuracy).toBeGreaterThanOrEqual(0.93);
    // No intent may collapse even if the average holds.
    for (const label of report.perLabel)
      expect(label.recall, label.label).toBeGreaterThanOrEqual(0.625);
  });

  it('generalises to a held-out fifth of the shipped examples it was not trained on', () => {
    const { train, test } = splitHoldout(examplesOf(content), 0.2, 7);
    const report = evaluateClassifier(trainIntentClassifier(train, { tokenizer }), test);
    expect(test.length).toBeGreaterThan(200);
    expect(report.accuracy).toBeGreaterThanOrEqual(0.78);
  });
});
