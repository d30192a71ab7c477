import { describe, expect, it } from 'vitest';
import { splitClauses } from '../../src/conversation/clauses.ts';

describe('splitClauses', () => {
  it.each([
    ['你好，我想问下科创板开通要什么条件，还有创业板呢', ['科创板开通要什么条件', '创业板呢']],
    ['开户要多久？需要带什么', ['开户要多久', '需要带什么']],
    ['交易时间几点到几点，另外印花税是多少', ['交易时间几点到几点', '印花税是多少']],
    ['顺便问一下，港股通要考试吗', ['港股通要考试吗']],
    ['您好！请问怎么开户', ['怎么开户']],
    ['我忘了问，开户要多久', ['开户要多久']],
    ['科创板要什么条件，创业板呢', ['科创板要什么条件', '创业板呢']],
    // How few shares one may buy is a question, though 几股 alone is a quantity too.
    ['北交所最少买几股，上市首日有涨跌幅吗', ['北交所最少买几股', '上市首日有涨跌幅吗']],
    ['港股一手几股，手续费贵不贵', ['港股一手几股', '手续费贵不贵']],
    // A space typed on a phone is a comma; words around it that ask nothing stay together.
    ['两融开通要啥条件 利息多少啊', ['两融开通要啥条件', '利息多少啊']],
    [
      '我是老年人 手机不太会弄 股票卖了钱怎么转出来',
      ['我是老年人，手机不太会弄，股票卖了钱怎么转出来'],
    ],
  ])('%s', (message, clauses) => {
    expect(splitClauses(message)).toEqual(clauses);
  });

  it.each([
    '我的账户，登不上去了',
    '我的钱转不出来，怎么回事',
    '双色球下期开什么号，给我几个',
    '今天买的股票，明天能卖吗',
  ])('keeps one question whole when only one side asks: %s', (message) => {
    expect(splitClauses(message)).toHaveLength(1);
  });

  it('a greeting alone is what the customer said', () => {
    expect(splitClauses('你好')).toEqual(['你好']);
    expect(splitClauses('  ')).toEqual([]);
  });
});
