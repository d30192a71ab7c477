// Which standard question of a topic a message asks, on the shipped content.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent } from '../../src/content/load.ts';
import { readQuestion } from '../../src/kb/question-reading.ts';
import { buildNluEngine } from '../../src/nlu/engine.ts';
import { createFakeClassifier } from '../../src/nlu/fake-classifier.ts';
import type { NluResult } from '../../src/nlu/types.ts';

const content = loadContent({ rootDir: join(import.meta.dirname, '..', '..') });
// The topic is given to readQuestion; only the knowledge base's own classifiers matter here.
const { kb } = buildNluEngine(content, { classifierOverride: createFakeClassifier({}) });

function topic(intent: string): NluResult {
  return { intent, confidence: 0.9, alternatives: [], entities: [] };
}

describe('readQuestion', () => {
  it.each([
    ['要', 'faq.account_transfer'],
    ['要！', 'faq.account_transfer'],
    ['税', 'faq.dividend'],
    ['撤', 'faq.order_failure'],
  ])('reads no standard question, and no sure topic, into the one character %s', (text, intent) => {
    const reading = readQuestion(kb, text, topic(intent));
    expect(reading.question).toBeUndefined();
    expect(reading.candidates).toBeUndefined();
    expect(reading.intent).toBe(intent);
    expect(reading.confidence).toBeLessThan(0.5);
  });

  it.each([
    ['撤指', 'faq.account_transfer', 'transfer.sh'],
    ['红利税怎么算', 'faq.dividend', 'div.tax_rate'],
    ['拿了两年还扣红利税吗', 'faq.dividend', 'div.tax_long_hold'],
  ])('reads %s as %s / %s', (text, intent, question) => {
    expect(readQuestion(kb, text, topic(intent)).question?.id).toBe(question);
  });
});

describe('ranking one character', () => {
  it.each(['我', '要', '税。'])(
    'ranks no question for %s, in the whole base or a topic',
    (text) => {
      expect(kb.rank(text, 5)).toEqual([]);
      expect(kb.rankWithin('faq.trading_fees', text, 5)).toEqual([]);
    },
  );
});

describe('readQuestion with no question leading', () => {
  it('offers the close questions rather than the topic overview (刚上市的股票盘中涨到60%会怎样)', () => {
    const reading = readQuestion(kb, '刚上市的股票盘中涨到60%会怎样', topic('faq.trading_rules'));
    expect(reading.question).toBeUndefined();
    expect(reading.candidates?.[0]?.id).toBe('rules.new_listing');
    expect(reading.candidates?.length).toBeGreaterThanOrEqual(2);
  });
});
