// The gate welcomes new content: an intent added by an editor is judged on what exists for it
// (cross-validation over its phrasings, no held-out messages yet) without editing a test file.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLabeledJsonl } from '../../src/cli/nlu.ts';
import { loadContent } from '../../src/content/load.ts';
import { describeGateFailures, runIntentGate } from '../../src/eval/intent-gate.ts';
import { trainIntentClassifier } from '../../src/nlu/classifier.ts';
import { contentReading } from '../../src/nlu/engine.ts';
import {
  copyShippedContent,
  newTopicYaml,
  REVERSE_REPO_TOPIC,
  type ContentCopy,
} from '../support/content-copy.ts';

const HOLDOUT_FILE = join('test', 'fixtures', 'nlu', 'holdout.jsonl');
const holdout = readLabeledJsonl(join(import.meta.dirname, '..', '..', HOLDOUT_FILE));

function gateOn(dir: string) {
  const content = loadContent({ rootDir: dir });
  const reading = contentReading(content);
  return runIntentGate(content, {
    holdout,
    holdoutFile: HOLDOUT_FILE,
    train: (examples) => trainIntentClassifier(examples, reading),
  });
}

describe('intent gate on new content', () => {
  let copy: ContentCopy | undefined;
  afterEach(() => copy?.remove());

  it('passes a new standard question with ten paraphrases, judged by cross-validation', () => {
    copy = copyShippedContent();
    copy.write('intents/reverse_repo.yaml', newTopicYaml(REVERSE_REPO_TOPIC));
    const report = gateOn(copy.dir);
    const verdict = report.verdicts.find((v) => v.intent === 'faq.reverse_repo');
    expect(verdict).toMatchObject({ judgedBy: 'cross_validation', phrasings: 11, passed: true });
    expect(describeGateFailures(report)).toBe('');
  }, 120_000);

  it('fails an intent with two near-identical paraphrases, saying where to add what', () => {
    copy = copyShippedContent();
    copy.write(
      'intents/reverse_repo.yaml',
      newTopicYaml({ ...REVERSE_REPO_TOPIC, similar: ['逆回购怎么买', '逆回购怎么买呢'] }),
    );
    const report = gateOn(copy.dir);
    expect(report.failures.map((f) => f.intent)).toEqual(['faq.reverse_repo']);
    const message = describeGateFailures(report);
    expect(message).toContain('faq.reverse_repo (intents/reverse_repo.yaml:2) has 3 phrasing(s)');
    expect(message).toContain('the gate needs at least 10');
    expect(message).toContain('under "similar:"');
    expect(message).toContain('in intents/reverse_repo.yaml');
  }, 120_000);

  it('names an intent whose paraphrases are not recognised, with the held-out file and line format', () => {
    copy = copyShippedContent();
    // Ten phrasings that are really questions of another topic: the gate must not let it pass.
    copy.write(
      'intents/margin_rate.yaml',
      newTopicYaml({
        id: 'faq.margin_rate',
        title: '两融利率',
        questionId: 'margin_rate.rate',
        question: '融资融券的利率是多少？',
        similar: [
          '两融利息怎么算',
          '融资利率多少',
          '融券费率是多少',
          '借钱买股票利息多少',
          '两融年化利率几个点',
          '融资的利息高吗',
          '融资融券利息怎么收',
          '两融利率能降吗',
          '融资借款的年利率',
          '融券的费用怎么计算',
        ],
        answer: '融资融券的利率以本公司规定为准。',
      }),
    );
    const report = gateOn(copy.dir);
    const verdict = report.failures.find((v) => v.intent === 'faq.margin_rate');
    expect(verdict?.judgedBy).toBe('cross_validation');
    expect(verdict?.advice).toMatch(/recognised \d+ of 11 \(recall 0\.\d\d, needs 0\.6\)/);
    expect(verdict?.advice).toContain(
      `${HOLDOUT_FILE}, one per line: {"text": "…", "label": "faq.margin_rate"}`,
    );
  }, 120_000);
});
