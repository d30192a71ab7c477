import { describe, expect, it } from 'vitest';
import { normalizeText, onlyLongNumbers } from '../../src/nlu/normalize.ts';

describe('normalizeText', () => {
  it('maps HK/TW brokerage words to mainland forms', () => {
    expect(normalizeText('我的戶口')).toBe('我的账户');
    expect(normalizeText('帳號登入不了')).toBe('账号登录不了');
    expect(normalizeText('密碼忘了，想開戶')).toBe('密码忘了 想开户');
    expect(normalizeText('證券帳戶')).toBe('证券账户');
  });

  it('reads an age said without 岁 as one, and other counts as they are', () => {
    expect(normalizeText('我72了，能在手机上开吗')).toBe('我72岁了 能在手机上开吗');
    expect(normalizeText('我妈都80多了')).toBe('我妈都80多岁了');
    expect(normalizeText('今年六十八了')).toBe('今年六十八岁了');
    expect(normalizeText('已经10了还没到账')).toBe('已经10了还没到账');
    expect(normalizeText('我买了100了')).toBe('我买了100了');
  });

  it('folds full-width digits and letters and lower-cases', () => {
    expect(normalizeText('ＥＴＦ基金１２３')).toBe('etf基金123');
  });

  it('keeps amount separators inside numbers only', () => {
    expect(normalizeText('转账1,000.50元，好吗?')).toBe('转账1,000.50元 好吗');
    expect(normalizeText('佣金万2.5%')).toBe('佣金万2.5%');
  });

  it('strips emoji and collapses whitespace', () => {
    expect(normalizeText('  开户😭😭   要多久？？  ')).toBe('开户 要多久');
  });

  it('returns empty string for empty or non-string input', () => {
    expect(normalizeText('')).toBe('');
    expect(normalizeText(undefined as unknown as string)).toBe('');
  });
});

describe('a message that is only numbers', () => {
  it.each(['880012345678', '138 1234 5678', '6222-0212-3456-7890-123', '110101199003071234。'])(
    '%s is only numbers',
    (text) => {
      expect(onlyLongNumbers(text)).toBe(true);
    },
  );
  it.each(['资金账号880012345678', '5', '2025年', '我的卡号6222021234567890123转不出钱'])(
    '%s says something besides',
    (text) => {
      expect(onlyLongNumbers(text)).toBe(false);
    },
  );
});
