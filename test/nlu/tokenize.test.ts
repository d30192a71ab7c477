import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createTokenizer, parseLexicon } from '../../src/nlu/tokenize.ts';

const fixture = fileURLToPath(new URL('../fixtures/nlu/lexicon.txt', import.meta.url));

describe('tokenizer', () => {
  const tokenizer = createTokenizer({ lexiconPath: fixture, extraWords: ['撤单失败'] });

  it('keeps lexicon words whole', () => {
    expect(tokenizer.cut('我想开通科创板权限')).toContain('科创板');
    expect(tokenizer.cut('融资融券怎么开')).toContain('融资融券');
    expect(tokenizer.cut('买国债逆回购')).toContain('国债逆回购');
    expect(tokenizer.cut('为什么撤单失败')).toContain('撤单失败');
  });

  it('keeps core securities words whole even next to other words', () => {
    expect(tokenizer.cut('打新中签了吗')).toEqual(expect.arrayContaining(['打新', '中签']));
    expect(tokenizer.cut('两融账户')).toContain('两融');
  });

  it('keeps latin and number runs as single tokens and drops whitespace', () => {
    expect(tokenizer.cut('etf 转账1,000.50元')).toEqual(['etf', '转账', '1,000.50', '元']);
  });

  it('parses the lexicon format and reports bad lines with file:line', () => {
    expect(parseLexicon('# c\n科创板 50000 n\n两融 n\n北交所\n')).toEqual([
      { word: '科创板', freq: 50000, tag: 'n' },
      { word: '两融', tag: 'n' },
      { word: '北交所' },
    ]);
    expect(() => parseLexicon('a b c d', 'lex.txt')).toThrow('lex.txt:1:');
    expect(() => parseLexicon('ok\n词 x n', 'lex.txt')).toThrow('lex.txt:2:');
  });

  it('fails clearly on a missing lexicon file', () => {
    expect(() => createTokenizer({ lexiconPath: '/nonexistent/lexicon.txt' })).toThrow(
      'lexicon not found',
    );
  });
});
