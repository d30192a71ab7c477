import { describe, expect, it } from 'vitest';
import { extractTerms, fitVectorizer, pinyinRuns, sparseDot } from '../../src/nlu/features.ts';

const pinyinTerms = (text: string): Set<string> =>
  new Set(extractTerms(text, [], { pinyin: true }).filter((t) => t.startsWith('p:')));

describe('features', () => {
  it('gives toneless pinyin per CJK run', () => {
    expect(pinyinRuns('开户 etf 销户')).toEqual([
      ['kai', 'hu'],
      ['xiao', 'hu'],
    ]);
    expect(pinyinRuns('投诉上证')).toEqual([['tou', 'su', 'san', 'zen']]);
  });

  it('pinyin features make typo words overlap with the right words', () => {
    for (const [typo, right] of [
      ['融姿融券', '融资融券'],
      ['开护', '开户'],
      ['销护', '销户'],
      ['投述', '投诉'],
    ] as const) {
      const a = pinyinTerms(typo);
      expect([...a].some((t) => pinyinTerms(right).has(t))).toBe(true);
    }
    expect([...pinyinTerms('开护')].some((t) => pinyinTerms('销户').has(t))).toBe(false);
  });

  it('emits single characters and words by default; longer grams and word pairs on request', () => {
    expect(extractTerms('开户', ['开户'], { pinyin: false })).toEqual(['c:开', 'c:户', 'w:开户']);
    const terms = extractTerms('开户', ['开户'], { pinyin: false, charNgramMax: 3 });
    expect(terms).toEqual(['c:开', 'c:户', 'c:开户', 'w:开户']);
    expect(extractTerms('ab', ['a', 'b'], { pinyin: false })).not.toContain('b:a|b');
    expect(extractTerms('ab', ['a', 'b'], { pinyin: false, wordBigrams: true })).toContain('b:a|b');
    expect(extractTerms('开户买', [], { words: false })).toEqual([
      'c:开',
      'c:户',
      'c:买',
      'p:kai hu',
      'p:kai hu mai',
      'p:hu mai',
    ]);
  });

  it('vectorises to L2-normalised sparse vectors; typos stay close', () => {
    const docs = ['融资融券怎么开', '怎么开户', '我要投诉'].map((t) => extractTerms(t, []));
    const vec = fitVectorizer(docs);
    const x = vec.transform(extractTerms('融姿融券怎么开', []));
    const norm = Array.from(x.values).reduce((s, v) => s + v * v, 0);
    expect(norm).toBeCloseTo(1, 5);
    const sims = docs.map((d) => sparseDot(x, vec.transform(d)));
    expect(sims[0]).toBeGreaterThan(sims[1] as number);
    expect(sims[0]).toBeGreaterThan(sims[2] as number);
    expect(vec.transform(['c:unseen']).indices.length).toBe(0);
  });
});
