import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createEntityExtractor,
  boardOf,
  inferAShareMarket,
  isValidBankCard,
  isValidIdNumber,
  loadStockListings,
  parseStockListings,
  passesLuhn,
  toHalfWidth,
} from '../../src/nlu/entities.ts';
import type { Entity, EntityType } from '../../src/nlu/types.ts';

// Monday 2026-11-23 10:00 in Shanghai (02:00 UTC).
const NOW = new Date('2026-11-23T02:00:00Z');

const STOCKS = parseStockListings(
  [
    '# code name market [aliases]',
    '600519 贵州茅台 SH 茅台',
    '00700 腾讯控股 HK 腾讯',
    '000001 平安银行 SZ',
    '601318 中国平安 SH',
    '510300 沪深300ETF SH',
  ].join('\n'),
);
const extractor = createEntityExtractor({ stocks: STOCKS });

function extract(text: string): Entity[] {
  const entities = extractor.extract(text, NOW);
  // Every result must point at exactly what the customer typed, in order, without overlap.
  let lastEnd = 0;
  for (const e of entities) {
    expect(text.slice(e.start, e.end)).toBe(e.value);
    expect(e.start).toBeGreaterThanOrEqual(lastEnd);
    lastEnd = e.end;
  }
  return entities;
}

function only(text: string, type: EntityType): Array<[string, string | undefined]> {
  return extract(text)
    .filter((e) => e.type === type)
    .map((e) => [e.value, e.normalized]);
}

describe('stock codes', () => {
  it.each([
    ['买600519', '600519', '600519.SH'],
    ['sh600519怎么样', 'sh600519', '600519.SH'],
    ['SH600519', 'SH600519', '600519.SH'],
    ['看看600519.SH', '600519.SH', '600519.SH'],
    ['000001.sz的行情', '000001.sz', '000001.SZ'],
    ['00700.HK', '00700.HK', '00700.HK'],
    ['0700.hk', '0700.hk', '00700.HK'],
    ['HK00700', 'HK00700', '00700.HK'],
    ['700.HK', '700.HK', '00700.HK'],
    ['300750是创业板', '300750', '300750.SZ'],
    ['688981', '688981', '688981.SH'],
    ['430047', '430047', '430047.BJ'],
    ['920001', '920001', '920001.BJ'],
    ['830799', '830799', '830799.BJ'],
    ['510300', '510300', '510300.SH'],
  ])('%s', (text, value, normalized) => {
    expect(only(text, 'stock_code')).toEqual([[value, normalized]]);
  });

  it('tells the board whose permission a symbol needs', () => {
    expect(boardOf('688981.SH')).toBe('star');
    expect(boardOf('689009.SH')).toBe('star');
    expect(boardOf('300750.SZ')).toBe('chinext');
    expect(boardOf('301236.SZ')).toBe('chinext');
    expect(boardOf('830799.BJ')).toBe('bse');
    expect(boardOf('00700.HK')).toBe('hk');
    expect(boardOf('600519.SH')).toBe('main');
    expect(boardOf('000001.SZ')).toBe('main');
    expect(boardOf('600519')).toBeUndefined();
  });

  it('infers the exchange from the prefix', () => {
    expect(inferAShareMarket('601318')).toBe('SH');
    expect(inferAShareMarket('002594')).toBe('SZ');
    expect(inferAShareMarket('873527')).toBe('BJ');
    expect(inferAShareMarket('123456')).toBeUndefined();
  });

  it.each([
    ['a longer number', '身份证号码6005191990'],
    ['an amount in 万', '存了600000万'],
    ['a share count', '持有600519股'],
    ['an unknown prefix', '123456'],
    ['a decimal', '价格600519.12'],
    ['an account number', '资金账号600519'],
    ['a verification code', '验证码：600123'],
    ['a bare 5-digit number not listed in HK', '编码12345'],
  ])('ignores %s', (_why, text) => {
    expect(only(text, 'stock_code')).toEqual([]);
  });

  it('takes a listed 5-digit HK code without a suffix', () => {
    expect(only('00700最近怎样', 'stock_code')).toEqual([['00700', '00700.HK']]);
  });
});

describe('stock names', () => {
  it('matches listed names and aliases, longest first, normalised to the code', () => {
    expect(only('贵州茅台和腾讯控股', 'stock_name')).toEqual([
      ['贵州茅台', '600519.SH'],
      ['腾讯控股', '00700.HK'],
    ]);
    expect(only('茅台还能买吗', 'stock_name')).toEqual([['茅台', '600519.SH']]);
    expect(only('中国平安银行', 'stock_name')).toEqual([['中国平安', '601318.SH']]);
    expect(only('沪深300etf', 'stock_name')).toEqual([['沪深300etf', '510300.SH']]);
  });

  it('finds nothing without listings', () => {
    const bare = createEntityExtractor({ stocks: [] });
    expect(bare.extract('贵州茅台', NOW)).toEqual([]);
  });
});

describe('loadStockListings', () => {
  it('reads code name market lines and skips comments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stocks-'));
    const file = join(dir, 'stocks.txt');
    writeFileSync(file, '# A shares\n600519 贵州茅台 SH\n\n700 腾讯控股 hk  # padded\n');
    expect(loadStockListings(file)).toEqual([
      { code: '600519', name: '贵州茅台', market: 'SH' },
      { code: '00700', name: '腾讯控股', market: 'HK' },
    ]);
  });

  it.each([
    ['600519 贵州茅台', /stocks:1: expected "code name market"/],
    ['600519 贵州茅台 NY', /stocks:1: unknown market "NY"/],
    ['# ok\n60051 贵州茅台 SH', /stocks:2: "60051" is not a 6-digit SH code/],
  ])('rejects %j with file:line', (content, message) => {
    expect(() => parseStockListings(content)).toThrow(message);
  });
});

describe('money', () => {
  it.each([
    ['5万', '50000'],
    ['50万元', '500000'],
    ['1,000.50', '1000.5'],
    ['1000块', '1000'],
    ['3千元', '3000'],
    ['两万', '20000'],
    ['十万块', '100000'],
    ['1.5亿', '150000000'],
    ['￥200', '200'],
    ['¥ 99.9', '99.9'],
    ['200元', '200'],
    ['一万五', '15000'],
    ['1万5千', '15000'],
    ['三千五百元', '3500'],
    ['0.5万', '5000'],
    ['人民币300', '300'],
    ['两千块钱', '2000'],
  ])('%s -> %s yuan', (text, yuan) => {
    expect(only(`我转了${text}进去`, 'money')).toEqual([[text, yuan]]);
  });

  it.each([
    ['a stock code', '600519'],
    ['a bare number', '买了1000'],
    ['a share count', '买了5万股'],
    ['a percentage', '涨了3千%'],
    ['another currency', '5万港元'],
    ['a date', '2026年'],
    ['words containing numerals', '万一一定千万'],
  ])('ignores %s', (_why, text) => {
    expect(only(text, 'money')).toEqual([]);
  });
});

describe('datetime', () => {
  it.each([
    ['昨天下午3点', '2026-11-22T15:00:00+08:00'],
    ['上周五', '2026-11-20'],
    ['今天上午十点半', '2026-11-23T10:30:00+08:00'],
    ['前天', '2026-11-21'],
    ['大后天', '2026-11-26'],
    ['下周一', '2026-11-30'],
    ['本周日', '2026-11-29'],
    ['2026-11-20', '2026-11-20'],
    ['2026/3/5', '2026-03-05'],
    ['2026年11月20日', '2026-11-20'],
    ['11月20日', '2026-11-20'],
    ['十一月二十号', '2026-11-20'],
    ['3点半', '2026-11-23T03:30:00+08:00'],
    ['15:30', '2026-11-23T15:30:00+08:00'],
    ['晚上8点一刻', '2026-11-23T20:15:00+08:00'],
    ['中午1点', '2026-11-23T13:00:00+08:00'],
    ['今晚9点', '2026-11-23T21:00:00+08:00'],
    ['11月20日 下午2点05分', '2026-11-20T14:05:00+08:00'],
  ])('%s -> %s', (text, iso) => {
    expect(only(`我${text}操作的`, 'datetime')).toEqual([[text, iso]]);
  });

  it('uses the Shanghai calendar day even when UTC is still on the previous day', () => {
    const lateUtc = new Date('2026-11-22T17:30:00Z'); // 01:30 on the 23rd in Shanghai
    const [e] = extractor.extract('今天', lateUtc);
    expect(e?.normalized).toBe('2026-11-23');
  });

  it.each([
    ['an impossible date', '2026-02-30'],
    ['a month without a day', '2026年11月'],
    ['一点 meaning "a bit"', '有一点问题'],
    ['index points', '涨了1.5点'],
  ])('ignores %s', (_why, text) => {
    expect(only(text, 'datetime')).toEqual([]);
  });
});

describe('phone numbers', () => {
  it.each([
    ['13812345678', '13812345678'],
    ['138-1234-5678', '13812345678'],
    ['138 1234 5678', '13812345678'],
    ['+86 13912345678', '13912345678'],
    ['+86-139-1234-5678', '13912345678'],
    ['１５９１２３４５６７８', '15912345678'],
  ])('%s', (text, digits) => {
    expect(only(`电话${text}谢谢`, 'phone')).toEqual([[text, digits]]);
  });

  it('finds spaced numbers written one after another', () => {
    expect(only('138 1234 5678 139 8765 4321', 'phone').map(([, n]) => n)).toEqual([
      '13812345678',
      '13987654321',
    ]);
  });

  it('finds several numbers in one message', () => {
    expect(only('13812345678和13987654321', 'phone').map(([, n]) => n)).toEqual([
      '13812345678',
      '13987654321',
    ]);
  });

  it.each([['12345678901'], ['138123456789'], ['0138123456789'], ['10012345678']])(
    'ignores %s',
    (text) => {
      expect(only(text, 'phone')).toEqual([]);
    },
  );
});

describe('resident ID numbers', () => {
  it.each([
    ['11010519491231002X'],
    ['110105199003071239'],
    ['440304198512155613'],
    ['320106200002290086'],
  ])('accepts %s (valid check character)', (id) => {
    expect(isValidIdNumber(id, NOW)).toBe(true);
    expect(only(`身份证${id}`, 'id_card')).toEqual([[id, id]]);
  });

  it('accepts a lower-case x and normalises it', () => {
    expect(only('11010519491231002x', 'id_card')).toEqual([
      ['11010519491231002x', '11010519491231002X'],
    ]);
  });

  it.each([
    ['a wrong check character', '110105199003071234'],
    ['a wrong check X', '11010519491231003X'],
    ['a birth date that does not exist', '110105199002301231'],
    ['a birth date in the future', '110105203012121233'],
  ])('rejects %s', (_why, id) => {
    expect(isValidIdNumber(id, NOW)).toBe(false);
    expect(only(id, 'id_card')).toEqual([]);
  });
});

describe('bank cards', () => {
  it('checks Luhn', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(isValidBankCard('6222021234567890128')).toBe(true);
    expect(isValidBankCard('6222021234567890123')).toBe(false);
    expect(isValidBankCard('0000000000000000')).toBe(false);
  });

  it.each([
    ['6222021234567890128', '6222021234567890128'],
    ['6222 0212 3456 7890 128', '6222021234567890128'],
    ['4111-1111-1111-1111', '4111111111111111'],
    ['622848001234567894', '622848001234567894'],
  ])('finds %s', (text, digits) => {
    expect(only(`卡号${text}`, 'bank_card')).toEqual([[text, digits]]);
  });

  it('ignores Luhn failures and prefers an ID reading of a valid ID', () => {
    expect(only('6222021234567890123', 'bank_card')).toEqual([]);
    expect(extract('110105199003071239').map((e) => e.type)).toEqual(['id_card']);
  });
});

describe('email', () => {
  it('finds addresses next to Chinese text', () => {
    expect(only('邮箱Zhang.San+cs@example.com.cn谢谢', 'email')).toEqual([
      ['Zhang.San+cs@example.com.cn', 'zhang.san+cs@example.com.cn'],
    ]);
  });
});

describe('the whole message', () => {
  it('extracts mixed entities in order with original offsets', () => {
    const text = '您好，我昨天下午3点用13812345678买了５万元的贵州茅台（600519），没成交';
    expect(extract(text).map((e) => [e.type, e.value, e.normalized])).toEqual([
      ['datetime', '昨天下午3点', '2026-11-22T15:00:00+08:00'],
      ['phone', '13812345678', '13812345678'],
      ['money', '５万元', '50000'],
      ['stock_name', '贵州茅台', '600519.SH'],
      ['stock_code', '600519', '600519.SH'],
    ]);
  });

  it('returns nothing for text without entities or empty input', () => {
    expect(extract('请问怎么开通创业板权限？')).toEqual([]);
    expect(extract('')).toEqual([]);
  });

  it('half-width conversion keeps length', () => {
    const text = '６００５１９．ＳＨ　ａｂｃ＠ｑｑ．ｃｏｍ，';
    expect(toHalfWidth(text)).toBe('600519.SH abc@qq.com，');
    expect(toHalfWidth(text)).toHaveLength(text.length);
  });
});
