import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainIntentClassifier } from '../../src/nlu/classifier.ts';
import { normalizeText } from '../../src/nlu/normalize.ts';
import {
  createSynonymTable,
  defaultSynonyms,
  loadSynonyms,
  parseSynonyms,
} from '../../src/nlu/synonyms.ts';

const table = (text: string) => createSynonymTable(parseSynonyms(text).groups);
const expand = (t: ReturnType<typeof table>, message: string) => t.expand(normalizeText(message));

describe('parseSynonyms', () => {
  it('reads ASCII and Chinese punctuation alike and normalises every word', () => {
    const { groups, problems } = parseSynonyms(
      ['# 注释', '出金: 提现, 取钱', '销户：註銷，銷掉、关户 # 行尾注释', '', '再见: BYE; 88'].join(
        '\n',
      ),
    );
    expect(problems).toEqual([]);
    expect(groups.map((g) => [g.canonical, g.variants, g.line])).toEqual([
      ['出金', ['出金', '提现', '取钱'], 2],
      ['销户', ['销户', '注销', '销掉', '关户'], 3],
      ['再见', ['再见', 'bye', '88'], 5],
    ]);
  });

  it('lists every problem with its line instead of stopping at the first', () => {
    const { groups, problems } = parseSynonyms(
      ['出金 提现 取钱', ': 提现', '入金:', '出金: 提现, 提现', '开户: 提现'].join('\n'),
    );
    expect(problems).toEqual([
      {
        line: 1,
        message: 'expected "标准词: 说法1, 说法2", got "出金 提现 取钱"',
        severity: 'error',
      },
      { line: 2, message: 'the standard word before ":" is empty', severity: 'error' },
      { line: 3, message: '"入金" has no variants after ":"', severity: 'error' },
      { line: 4, message: '"提现" is listed twice', severity: 'warning' },
      { line: 5, message: '"提现" already stands for "出金" (line 4)', severity: 'error' },
    ]);
    expect(groups.map((g) => g.canonical)).toEqual(['出金', '开户']);
  });

  it('loadSynonyms stops start-up on a broken file with path:line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'csbot-synonyms-'));
    const path = join(dir, 'synonyms.txt');
    writeFileSync(path, '出金: 提现\n没有冒号的一行\n');
    expect(() => loadSynonyms(path)).toThrow(`${path}:2: expected`);
    writeFileSync(path, '出金: 提现\n');
    expect(loadSynonyms(path).expand('怎么提现')).toEqual(['出金']);
  });
});

describe('synonym expansion', () => {
  const t = table(
    ['出金: 提现, 取钱', '再见: 88, bye', '你好: hi', '科创板: 688开头', '谢谢: 3q'].join('\n'),
  );

  it('adds the standard word once, in order of appearance, for Chinese variants anywhere', () => {
    expect(expand(t, '我想提现，取钱要多久')).toEqual(['出金']);
    expect(expand(t, '出金和提現')).toEqual(['出金']); // traditional input is normalised first
    expect(expand(t, '提现以后88')).toEqual(['出金', '再见']);
    expect(expand(t, '查一下持仓')).toEqual([]);
  });

  it('matches Latin and digit variants only as words of their own', () => {
    expect(expand(t, 'Hi，在吗')).toEqual(['你好']);
    expect(expand(t, 'this is a test')).toEqual([]); // hi inside this
    expect(expand(t, '好的88')).toEqual(['再见']);
    expect(expand(t, '88')).toEqual(['再见']);
    expect(expand(t, '600588怎么样')).toEqual([]); // inside a stock code
    expect(expand(t, '我有88股')).toEqual([]); // a quantity
    expect(expand(t, 'byebye')).toEqual([]);
    expect(expand(t, '688开头的股票买不了')).toEqual(['科创板']);
    expect(expand(t, '3q')).toEqual(['谢谢']);
  });

  it('copes with empty and odd input', () => {
    expect(t.expand('')).toEqual([]);
    expect(t.expand(undefined as unknown as string)).toEqual([]);
    expect(createSynonymTable([]).expand('提现')).toEqual([]);
  });

  it('ships a synonyms file that parses without problems', () => {
    const shipped = defaultSynonyms();
    expect(shipped.groups.length).toBeGreaterThan(20);
    expect(shipped.expand(normalizeText('怎么提现'))).toEqual(['出金']);
  });
});

describe('the classifier reads synonyms into messages', () => {
  const withdraw = [
    '出金要多久到账',
    '怎么出金',
    '出金失败了',
    '出金有限额吗',
    '周末能出金吗',
    '出金到银行卡',
  ];
  const open = [
    '怎么开户',
    '开户要带什么',
    '开户多久能好',
    '网上能开户吗',
    '开户需要银行卡吗',
    '开户收费吗',
  ];
  const examples = [
    ...withdraw.map((text) => ({ text, label: 'withdraw' })),
    ...open.map((text) => ({ text, label: 'open' })),
  ];
  const synonyms = table('出金: 提现, 取钱');

  it('recognises a variant no example uses, and only through the table', () => {
    const plain = trainIntentClassifier(examples, {
      synonyms: createSynonymTable([]),
      rejectOutOfScope: false,
      seed: 1,
    });
    const reading = trainIntentClassifier(examples, { synonyms, rejectOutOfScope: false, seed: 1 });
    const withSynonyms = reading.classify('提现');
    expect(withSynonyms.intent).toBe('withdraw');
    // Without the table 提现 shares no character or word with the examples.
    const without = plain.classify('提现');
    expect(without.intent === 'withdraw' ? without.confidence : 0).toBeLessThan(
      withSynonyms.confidence,
    );
  });
});
