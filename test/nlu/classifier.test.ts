import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainIntentClassifier, topK } from '../../src/nlu/classifier.ts';
import { createFakeClassifier } from '../../src/nlu/fake-classifier.ts';
import { OUT_OF_SCOPE, type LabeledExample } from '../../src/nlu/types.ts';

const groups = JSON.parse(
  readFileSync(new URL('../fixtures/nlu/intents.json', import.meta.url), 'utf8'),
) as { label: string; texts: string[] }[];
const examples: LabeledExample[] = groups.flatMap((g) =>
  g.texts.map((text) => ({ text, label: g.label })),
);

describe('trainIntentClassifier', () => {
  const clf = trainIntentClassifier(examples, { seed: 3 });

  it('learns the fixture intents, including unseen phrasings and typos', () => {
    expect(clf.labels).toEqual([...new Set(examples.map((e) => e.label))].sort());
    expect(clf.classify('请问怎么开户').intent).toBe('account.open');
    expect(clf.classify('我想注销账户').intent).toBe('account.close');
    expect(clf.classify('交易密码忘记了').intent).toBe('password.reset');
    expect(clf.classify('融姿融券怎么开通').intent).toBe('margin.open');
    expect(clf.classify('我要投述你们').intent).toBe('complaint');
  });

  it('returns calibrated confidences and ranked alternatives', () => {
    const r = clf.classify('怎么开户');
    expect(r.entities).toEqual([]);
    expect(r.confidence).toBeGreaterThan(0);
    expect(r.confidence).toBeLessThanOrEqual(1);
    expect(r.alternatives.length).toBe(3);
    expect(r.alternatives.map((a) => a.intent)).not.toContain(r.intent);
    const all = [r.confidence, ...r.alternatives.map((a) => a.confidence)];
    for (let i = 1; i < all.length; i++) expect(all[i]).toBeLessThanOrEqual(all[i - 1] as number);
    expect(all.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1.0001);
    expect(r.confidence).toBeGreaterThan(r.alternatives[0]?.confidence ?? 1);
  });

  it('rejects unrelated messages as out_of_scope', () => {
    expect(clf.classify('今天天气怎么样啊').intent).toBe(OUT_OF_SCOPE);
    expect(clf.classify('🙂🙂').intent).toBe(OUT_OF_SCOPE);
    expect(clf.classify('').intent).toBe(OUT_OF_SCOPE);
  });

  it('rejects by similarity even without out_of_scope examples', () => {
    const inScope = examples.filter((e) => e.label !== OUT_OF_SCOPE);
    const strict = trainIntentClassifier(inScope, { seed: 3 });
    expect(strict.labels).not.toContain(OUT_OF_SCOPE);
    expect(strict.classify('xyz qwerty').intent).toBe(OUT_OF_SCOPE);
    const open = trainIntentClassifier(inScope, { seed: 3, rejectOutOfScope: false });
    expect(open.classify('怎么开户').intent).toBe('account.open');
  });

  it('is deterministic for the same seed', () => {
    const again = trainIntentClassifier(examples, { seed: 3 });
    for (const text of ['怎么开户', '密码', '投诉电话'])
      expect(again.classify(text)).toEqual(clf.classify(text));
  });

  it('rejects bad training input with a clear error', () => {
    expect(() => trainIntentClassifier([])).toThrow('no training examples');
    expect(() => trainIntentClassifier([{ text: 'x' } as LabeledExample])).toThrow('example 0');
  });

  it('topK returns the best indices in order', () => {
    expect(Array.from(topK([0.1, 0.9, 0.5, 0.7], 3))).toEqual([1, 3, 2]);
  });
});

describe('createFakeClassifier', () => {
  const fake = createFakeClassifier({ 'account.open': ['开户'], complaint: ['投诉', '举报'] });
  it('matches keywords after normalisation', () => {
    expect(fake.classify('我想開戶').intent).toBe('account.open');
    const r = fake.classify('投诉');
    expect(r).toEqual({ intent: 'complaint', confidence: 0.5, alternatives: [], entities: [] });
    expect(fake.classify('天气').intent).toBe(OUT_OF_SCOPE);
  });
});
