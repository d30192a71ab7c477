// The edges of each masking rule: what counts as a date, an amount or the firm's hotline (and so
// stays), where a number starts and ends, which country and ID formats are recognised, and the
// checks behind ID and card detection. Found by mutation testing (docs/testing.md): each case
// fails when one condition of a rule is dropped or loosened.
import { describe, expect, it } from 'vitest';
import {
  maskAccount,
  maskBankCard,
  maskEmail,
  maskPersonalData,
  maskPhone,
} from '../../src/compliance/index.ts';
import {
  detectBankCards,
  detectEmails,
  detectIdLikeNumbers,
  detectIdNumbers,
  detectPersonalData,
  detectPhones,
  idNumberCheckChar,
  isPlausibleBirthDate,
  isValidBankCard,
  isValidIdNumber,
  passesLuhn,
} from '../../src/nlu/entities/personal.ts';

const NOW = new Date('2026-11-23T02:00:00Z');
const mask = (text: string): string => maskPersonalData(text, NOW);

function expectMasks(cases: [string, string][]): void {
  for (const [text, masked] of cases) expect(mask(text), text).toBe(masked);
}

describe('numbers that stay: dates, amounts, hotlines', () => {
  it('keeps an 8-digit date written YYYYMMDD, and masks 8 digits that are no date', () => {
    expectMasks([
      ['订单日期20261128', '订单日期20261128'],
      ['日期20261231和20260101', '日期20261231和20260101'],
      ['单据20261332', '单据****1332'],
      ['单据20261301', '单据****1301'],
      ['单据20261232', '单据****1232'],
      ['单据20260012', '单据****0012'],
      ['单据19991231', '单据19991231'],
      ['单据20260032', '单据****0032'],
      ['单据20261200', '单据****1200'],
      ['单据18991128', '单据****1128'],
      ['单据30261128', '单据****1128'],
      ['2026 1128', '**** 1128'],
      ['202611281', '*****1281'],
    ]);
  });

  it('keeps the firm’s 400/800 hotlines and masks longer numbers that start the same', () => {
    expectMasks([
      ['热线4008888888', '热线4008888888'],
      ['热线8008123456', '热线8008123456'],
      ['号码40012345678', '号码*******5678'],
      ['号码94001234567', '号码*******4567'],
    ]);
  });

  it('keeps an amount: a unit right after it, or a currency right before it', () => {
    expectMasks([
      ['是23456789 元', '是23456789 元'],
      ['是23456789了手续费', '是****6789了手续费'],
      ['是23456789 的', '是****6789 的'],
      ['价格23456789.5', '价格23456789.5'],
      ['¥ 23456789', '¥ 23456789'],
      ['RMB23456789', 'RMB23456789'],
      ['$和23456789', '$和****6789'],
    ]);
  });
});

describe('where a number starts and ends', () => {
  it('never reads a phone out of a longer digit run', () => {
    expectMasks([
      ['9138123456789', '*********6789'],
      ['13812345678901', '**********8901'],
      ['a13812345678', 'a138****5678'],
      ['13812345678 13987654321', '138****5678 139****4321'],
      ['x 19012345678', 'x 190****5678'],
      ['１３８１２３４５６７８', '１３８****５６７８'],
    ]);
  });

  it('takes one letter before a number along, and an ID’s X only at its end', () => {
    expectMasks([
      ['订单A12345678B', '订单A****5678B'],
      ['编号x12345678', '编号*****5678'],
      ['A12345678X9', 'A****5678X9'],
      ['11010119900307123Xy', '110101*******7123Xy'],
      ['0110101199001011234', '011010*********1234'],
    ]);
  });
});

describe('phones with a country code, and Taiwan mobiles', () => {
  it('keeps the country code and the last 4, with area codes in brackets too', () => {
    expectMasks([
      ['+852 (2) 1234 5678', '+852 (*) **** 5678'],
      ['+44 (20) 7946 0958', '+44 (**) **** 0958'],
      ['+1 650-253-0000', '+1 ***-***-0000'],
      ['+852-91234567', '+852-****4567'],
      ['+85291234567', '+852****4567'],
      ['电话+8529123456712', '电话+852******6712'],
      ['a+852 9123 4567', 'a+*** **** 4567'],
    ]);
  });

  it('reads a Taiwan mobile only as one whole 10-digit number', () => {
    expectMasks([
      ['台湾0912 345678', '台湾0912 ***678'],
      ['台湾0912345 678', '台湾0912*** 678'],
      ['台湾1 0912345678', '台湾1 ******5678'],
      ['0912345678 9', '******5678 9'],
      ['09123456789', '0912***6789'],
    ]);
  });

  it('keeps a +86 prefix whole when masking a mainland mobile', () => {
    expect(maskPhone('+8613812345678')).toBe('+86138****5678');
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('0571-87654321转802')).toBe('0571-****4321转802');
  });
});

describe('Hong Kong and Macau identity cards', () => {
  it('masks all but the check digit, and leaves look-alikes alone', () => {
    expectMasks([
      ['A123456(7)', 'A******(7)'],
      ['A1234567', 'A******7'],
      ['1234567(8)', '*******(8)'],
      ['2234567(8)', '2234567(8)'],
      ['123456(8)', '123456(8)'],
      ['1234567(x)', '1234567(x)'],
    ]);
  });
});

describe('e-mail', () => {
  it('needs a real domain: labels that do not start or end with a dash, and a TLD of 2+ letters', () => {
    expectMasks([
      ['ab@c.d', 'ab@c.d'],
      ['x@my-host.cn', '***@my-host.cn'],
      ['x@sub.my-host.com.cn', '***@sub.my-host.com.cn'],
      ['x@a.b-c.cn', '***@a.b-c.cn'],
      ['x@host-.cn', 'x@host-.cn'],
      ['x@ab.cn-', 'x@ab.cn-'],
      ['x@a-.b.cn', 'x@a-.b.cn'],
      ['mail: a.b@c-d.e-f.gh。', 'mail: a***@c-d.e-f.gh。'],
      ['a@qq.com', '***@qq.com'],
    ]);
    expect(detectEmails('请发到 Zhang.San@Example.COM 谢谢')).toMatchObject([
      { value: 'Zhang.San@Example.COM', normalized: 'zhang.san@example.com', start: 4, end: 25 },
    ]);
  });

  it('masks a name with the domain kept, also with a full-width at sign', () => {
    expect(maskEmail('zhangsan@qq.com')).toBe('zh***@qq.com');
    expect(maskEmail('zhangsan＠qq.com')).toBe('zh***＠qq.com');
    expect(maskEmail('@qq.com')).toBe('***@qq.com');
    expect(maskEmail('no-at-sign')).toBe('***');
  });
});

describe('passwords', () => {
  it('hides what follows 密码 completely, letters-only passwords included', () => {
    expectMasks([
      ['密码:abcd1234', '密码:********'],
      ['密码 : abcd1234', '密码 : ********'],
      ['密码   abcd1234', '密码   ********'],
      ['密码abcd', '密码****'],
      ['我的密码是abcdefgh，谢谢', '我的密码是********，谢谢'],
      ['Password: Secret!x', 'Password: ********'],
      ['密码忘了怎么办', '密码忘了怎么办'],
    ]);
  });
});

describe('numbers too short to show both ends', () => {
  it('show at most their last half, never the whole number', () => {
    expect(maskAccount('1234')).toBe('**34');
    expect(maskAccount('12345')).toBe('*2345');
    expect(maskBankCard('1234567890')).toBe('******7890');
    expect(maskBankCard('12345678901')).toBe('123456*8901');
  });
});

describe('text without anything to mask', () => {
  it('comes back as the very same string', () => {
    for (const text of ['', '开户要带什么', '营业部在哪里？', 'hello'])
      expect(mask(text)).toBe(text);
    expect(maskPersonalData(undefined as unknown as string)).toBeUndefined();
  });
});

describe('resident ID checks', () => {
  it('compute the check character over the first 17 digits', () => {
    expect(idNumberCheckChar('11010519491231002')).toBe('X');
    expect(idNumberCheckChar('11010119900307123')).toBe('3');
    expect(idNumberCheckChar('44030519900101001')).toBe(
      '10X98765432'[
        [4, 4, 0, 3, 0, 5, 1, 9, 9, 0, 0, 1, 0, 1, 0, 0, 1].reduce(
          (sum, d, i) => sum + d * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i]!,
          0,
        ) % 11
      ],
    );
  });

  it('accept a birth date that exists, from 1900 up to today (Beijing time)', () => {
    expect(isPlausibleBirthDate('19900101', NOW)).toBe(true);
    expect(isPlausibleBirthDate('19000101', NOW)).toBe(true);
    expect(isPlausibleBirthDate('18991231', NOW)).toBe(false);
    expect(isPlausibleBirthDate('19901231', NOW)).toBe(true);
    expect(isPlausibleBirthDate('19901301', NOW)).toBe(false);
    expect(isPlausibleBirthDate('19900001', NOW)).toBe(false);
    expect(isPlausibleBirthDate('19900100', NOW)).toBe(false);
    expect(isPlausibleBirthDate('19900131', NOW)).toBe(true);
    expect(isPlausibleBirthDate('19900230', NOW)).toBe(false);
    expect(isPlausibleBirthDate('19900431', NOW)).toBe(false);
    expect(isPlausibleBirthDate('20000229', NOW)).toBe(true);
    expect(isPlausibleBirthDate('1990010', NOW)).toBe(false);
    expect(isPlausibleBirthDate('199001011', NOW)).toBe(false);
    expect(isPlausibleBirthDate('x19900101', NOW)).toBe(false);
    // Today in Beijing is 2026-11-23 (02:00 UTC is 10:00 there): today counts, tomorrow does not.
    expect(isPlausibleBirthDate('20261123', NOW)).toBe(true);
    expect(isPlausibleBirthDate('20261124', NOW)).toBe(false);
    expect(isPlausibleBirthDate('20261124', new Date('2026-11-23T16:00:00Z'))).toBe(true);
    expect(isPlausibleBirthDate('20261124', new Date('2026-11-23T15:59:59Z'))).toBe(false);
  });

  it('accept an 18-character ID only with its check character, X in either case', () => {
    expect(isValidIdNumber('11010519491231002X', NOW)).toBe(true);
    expect(isValidIdNumber('11010519491231002x', NOW)).toBe(true);
    expect(isValidIdNumber('110105194912310021', NOW)).toBe(false);
    expect(isValidIdNumber('110101199003071233', NOW)).toBe(true);
    expect(isValidIdNumber('110101199003071234', NOW)).toBe(false);
    expect(isValidIdNumber('x110101199003071233', NOW)).toBe(false);
    expect(isValidIdNumber('1101011990030712331', NOW)).toBe(false);
    expect(isValidIdNumber('010101199003071233', NOW)).toBe(false);
    // Right check character, impossible birth date.
    const first17 = '11010119901301123';
    expect(isValidIdNumber(first17 + idNumberCheckChar(first17), NOW)).toBe(false);
  });

  it('find valid IDs as entities, and mistyped ones with a real birth date only for masking', () => {
    expect(detectIdNumbers('身份证110101199003071233', NOW)).toMatchObject([
      { type: 'id_card', value: '110101199003071233', normalized: '110101199003071233', start: 3 },
    ]);
    expect(detectIdNumbers('110101199003071234', NOW)).toEqual([]);
    const mistyped = detectIdLikeNumbers('号110101199003071234', NOW);
    expect(mistyped).toHaveLength(1);
    expect(mistyped[0]).toMatchObject({ type: 'id_card', start: 1, end: 19 });
    expect(mistyped[0]!.rank).toBe(detectIdNumbers('110101199003071233', NOW)[0]!.rank - 1);
    expect(detectIdLikeNumbers('110101199013071234', NOW)).toEqual([]);
  });
});

describe('bank card checks', () => {
  it('run Luhn over digits only', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(passesLuhn('79927398713')).toBe(true);
    // A doubled 9 is 18 -> 9: only subtracting 9 above 9 gets this right.
    expect(passesLuhn('59')).toBe(true);
    expect(passesLuhn('0')).toBe(false);
    expect(passesLuhn('x4111111111111111')).toBe(false);
    expect(passesLuhn('4111111111111111x')).toBe(false);
  });

  it('take 16 to 19 digits, not one digit repeated, with spaces or dashes', () => {
    expect(isValidBankCard('4111111111111111')).toBe(true);
    expect(isValidBankCard('4111 1111 1111 1111')).toBe(true);
    expect(isValidBankCard('6222-0212-3456-7890-128')).toBe(true);
    expect(isValidBankCard('0000000000000000')).toBe(false);
    expect(isValidBankCard('411111111111111')).toBe(false);
    expect(isValidBankCard('41111111111111111111')).toBe(false);
    expect(isValidBankCard('x4111111111111111')).toBe(false);
    expect(isValidBankCard('4111111111111111x')).toBe(false);
    expect(isValidBankCard('00000000000000000018')).toBe(false);
    // Repeated digits but one, Luhn-valid: still a card shape.
    expect(isValidBankCard('0000000000000018')).toBe(true);
  });

  it('find cards as entities with their digits normalised', () => {
    expect(detectBankCards('卡6222 0212 3456 7890 128到账')).toMatchObject([
      { type: 'bank_card', value: '6222 0212 3456 7890 128', normalized: '6222021234567890128' },
    ]);
    expect(detectBankCards('6222021234567890123')).toEqual([]);
  });
});

describe('entity detection as a whole', () => {
  it('returns every kind with offsets into the text, and nothing for text without digits', () => {
    const text = '手机13812345678，邮箱a@qq.com，卡4111111111111111，证110101199003071233';
    const found = detectPersonalData(text, NOW);
    expect(found.map((c) => [c.type, text.slice(c.start, c.end)]).sort()).toEqual(
      [
        ['bank_card', '4111111111111111'],
        ['email', 'a@qq.com'],
        ['id_card', '110101199003071233'],
        ['phone', '13812345678'],
      ].sort(),
    );
    expect(detectPersonalData('没有数字', NOW)).toEqual([]);
    expect(detectPhones('+86 138 1234 5678')).toMatchObject([
      { value: '+86 138 1234 5678', normalized: '13812345678', start: 0, end: 17 },
    ]);
  });
});
