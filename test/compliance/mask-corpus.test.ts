// The masking function on a corpus of how customers really type personal numbers: every mobile
// prefix 13x-19x, landlines, Hong Kong / Macau / Taiwan phones, resident IDs with right and wrong
// check digits, HK / Macau / Taiwan IDs, cards that pass or fail Luhn, bare account numbers; with
// spaces, dashes, full-width digits, country codes, and mixed into sentences. And what must stay:
// stock codes, dates, amounts, ticket numbers, the firm's hotlines.
import { describe, expect, it } from 'vitest';
import { maskPersonalData } from '../../src/compliance/index.ts';
import { idNumberCheckChar, passesLuhn } from '../../src/nlu/entities/personal.ts';
import { toHalfWidth } from '../../src/nlu/entities/text.ts';

const NOW = new Date('2026-11-23T02:00:00Z');
const mask = (text: string): string => maskPersonalData(text, NOW);

const fullWidth = (s: string): string =>
  s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
const digits = (s: string): string => toHalfWidth(s).replace(/[^0-9Xx]/g, '');

/** Luhn check digit appended to `body`, or a wrong one when `valid` is false. */
function card(body: string, valid = true): string {
  for (let d = 0; d <= 9; d++) {
    if (passesLuhn(body + d) === valid) return body + d;
  }
  throw new Error('unreachable');
}

function residentId(first17: string, valid = true): string {
  const right = idNumberCheckChar(first17);
  if (valid) return first17 + right;
  return first17 + (right === '0' ? '1' : '0');
}

/** A sample: the text a customer typed and the number in it that must not be readable. */
interface Sample {
  text: string;
  secret: string;
}

const mobiles: Sample[] = [];
for (let second = 3; second <= 9; second++) {
  for (let third = 0; third <= 9; third++) {
    const number = `1${second}${third}${String(12345678 + second * 10 + third).slice(-8)}`;
    mobiles.push({ text: `我的手机${number}`, secret: number });
  }
}

const mobileFormats: Sample[] = [
  { text: '电话 138 1234 5678 谢谢', secret: '13812345678' },
  { text: '电话：139-8765-4321', secret: '13987654321' },
  { text: '+86 15012345678', secret: '15012345678' },
  { text: '+86-186-1234-5678', secret: '18612345678' },
  { text: '0086 17712345678', secret: '17712345678' },
  { text: '(+86)19912345678请回电', secret: '19912345678' },
  { text: `手机号${fullWidth('13612345678')}`, secret: '13612345678' },
  { text: '打我电话166 1234 5678或者微信同号', secret: '16612345678' },
  { text: '电话138 1234-5678', secret: '13812345678' },
];

const landlines: Sample[] = [
  { text: '座机010-62345678', secret: '62345678' },
  { text: '办公电话 021 6234 5678', secret: '62345678' },
  { text: '打0755-86543210找我', secret: '86543210' },
  { text: '(020)87654321', secret: '87654321' },
  { text: '0571 8765 4321转123', secret: '87654321' },
  { text: `电话${fullWidth('0512-67654321')}`, secret: '67654321' },
];

const hkMacauTaiwanPhones: Sample[] = [
  { text: '我在香港，电话+852 9123 4567', secret: '91234567' },
  { text: '+85261234567', secret: '61234567' },
  { text: '00852 5123 4567', secret: '51234567' },
  { text: '香港手机 9123 4567', secret: '91234567' },
  { text: '澳门+853 6612 3456', secret: '66123456' },
  { text: '台湾+886 912 345 678', secret: '912345678' },
  { text: '台湾手机0912-345-678', secret: '0912345678' },
  { text: '0912345678', secret: '0912345678' },
  { text: '台北(02)2345-6789', secret: '23456789' },
];

const ids: Sample[] = [
  { text: `身份证${residentId('11010519491231002')}`, secret: residentId('11010519491231002') },
  {
    text: `我的证件号是${residentId('44030119850615123', false)}，帮我查`,
    secret: residentId('44030119850615123', false),
  },
  { text: '身份证号11010519491231002X', secret: '11010519491231002X' },
  { text: '身份证 110105 19491231 002X', secret: '11010519491231002X' },
  { text: fullWidth('310104198001010017'), secret: '310104198001010017' },
  { text: '老身份证110105491231002', secret: '110105491231002' },
  { text: '出生日期不对的号码110105199913451234', secret: '110105199913451234' },
  { text: '香港身份证A123456(7)', secret: '1234567' },
  { text: '香港身份证AB9876543', secret: '9876543' },
  { text: '澳门身份证1234567(8)', secret: '12345678' },
  { text: '台湾身份证A123456789', secret: '123456789' },
  { text: '护照E12345678', secret: '12345678' },
];

const cards: Sample[] = [
  { text: `卡号${card('622202123456789012')}`, secret: card('622202123456789012') },
  {
    text: `这张卡${card('622848001234567890', false)}转不了账`,
    secret: card('622848001234567890', false),
  },
  { text: `储蓄卡${card('621700123456789')}`, secret: card('621700123456789') },
  { text: `${card('436742123456789', false)}`, secret: card('436742123456789', false) },
  { text: '银行卡 6222 0212 3456 7890 123', secret: '6222021234567890123' },
  { text: '6217-0012-3456-7890', secret: '6217001234567890' },
  { text: fullWidth('卡：6228480012345678901'), secret: '6228480012345678901' },
  { text: '订单号6222021234567890123不对', secret: '6222021234567890123' },
];

const accounts: Sample[] = [
  { text: '310012345678', secret: '310012345678' },
  { text: '我的是 8800123456，麻烦查一下', secret: '8800123456' },
  { text: '资金账号 12345678', secret: '12345678' },
  { text: '88001234', secret: '88001234' },
  { text: '股东代码A123456789', secret: '123456789' },
  { text: '深市账户0123456789', secret: '0123456789' },
  { text: fullWidth('880012345678'), secret: '880012345678' },
  { text: '客户号：8800-1234-5678', secret: '880012345678' },
];

function expectHidden({ text, secret }: Sample): void {
  const masked = mask(text);
  const visible = digits(masked);
  expect(visible, `${text} -> ${masked}`).not.toContain(digits(secret));
  // At most the first 6 and the last 4 stay (a card's issuer and tail); usually fewer.
  const hidden = [...masked].filter((c) => c === '*').length;
  expect(hidden, `${text} -> ${masked}`).toBeGreaterThanOrEqual(
    Math.max(1, digits(secret).length - 10),
  );
  expect(masked.length, 'the layout stays').toBe(text.length);
}

describe('maskPersonalData on a corpus of personal numbers', () => {
  it.each([
    ['mainland mobiles, every prefix 130-199', mobiles],
    ['mobiles with spaces, dashes, country codes and full-width digits', mobileFormats],
    ['landlines with an area code', landlines],
    ['Hong Kong, Macau and Taiwan phones', hkMacauTaiwanPhones],
    ['identity numbers, right and wrong check digits', ids],
    ['cards that pass or fail Luhn', cards],
    ['bare account numbers', accounts],
  ])('hides %s', (_name, samples) => {
    expect(samples.length).toBeGreaterThan(0);
    for (const sample of samples) expectHidden(sample);
  });

  it('keeps the parts agents use: the area or country code and the last digits', () => {
    expect(mask('座机010-62345678')).toBe('座机010-****5678');
    expect(mask('电话+852 9123 4567')).toBe('电话+852 **** 4567');
    expect(mask('台湾0912-345-678')).toBe('台湾0912-***-678');
    // After a word such as 手机 or 账号, only the last 4 stay.
    expect(mask('台湾手机0912-345-678')).toBe('台湾手机****-**5-678');
    expect(mask('香港身份证A123456(7)')).toBe('香港身份证A******(7)');
    expect(mask('310012345678')).toBe('********5678');
    expect(mask('6222 0212 3456 7890 123')).toBe('6222 02** **** ***0 123');
    expect(mask(`手机${fullWidth('13812345678')}`)).toBe(
      `手机${fullWidth('138')}****${fullWidth('5678')}`,
    );
  });

  it('masks several numbers in one message', () => {
    const text =
      '我叫李四，电话0755-86543210，手机13912345678，卡6222021234567890123，资金账号880012345678';
    const masked = mask(text);
    for (const secret of ['86543210', '13912345678', '6222021234567890123', '880012345678']) {
      expect(digits(masked)).not.toContain(secret);
    }
    expect(masked).toContain('李四');
  });
});

describe('maskPersonalData leaves what is not personal', () => {
  it.each([
    '贵州茅台(600519)今天涨了3.5%',
    '买了600519和000001各1000股',
    '2026-11-23 15:30 转账没到',
    '20261123那天下的单',
    '2026年11月23日9:30-11:30',
    '我转了50000元，余额12345678.90元',
    '成交12345678股',
    '¥12345678',
    '工单号TS20261123-0001，请跟进',
    '客服热线95000，或400-820-8820',
    '创业板指数2345.67点，T+1到账',
    '委托编号123456',
  ])('%s', (text) => {
    expect(mask(text)).toBe(text);
  });
});
