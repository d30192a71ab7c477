import { describe, expect, it } from 'vitest';
import {
  maskAccount,
  maskBankCard,
  maskEmail,
  maskIdNumber,
  maskPersonalData,
  maskPhone,
} from '../../src/compliance/index.ts';

const NOW = new Date('2026-11-23T02:00:00Z');
const mask = (text: string): string => maskPersonalData(text, NOW);

describe('single-value masks', () => {
  it('phone keeps the first 3 and last 4 digits', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+86 138-1234-5678')).toBe('+86 138-****-5678');
  });

  it('ID number keeps the region code and the last 4', () => {
    expect(maskIdNumber('110101199003071234')).toBe('110101********1234');
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
  });

  it('bank card keeps the issuer BIN (first 6) and the last 4', () => {
    expect(maskBankCard('6222021234567890128')).toBe('622202*********0128');
    expect(maskBankCard('6222 0212 3456 7890')).toBe('6222 02** **** 7890');
  });

  it('account keeps only the last 4', () => {
    expect(maskAccount('123456789')).toBe('*****6789');
    expect(maskAccount('A123456789')).toBe('A*****6789');
  });

  it('email keeps the start of the name and the domain', () => {
    expect(maskEmail('zhangsan@qq.com')).toBe('zh***@qq.com');
    expect(maskEmail('ab@x.cn')).toBe('a***@x.cn');
    expect(maskEmail('a@x.cn')).toBe('***@x.cn');
  });

  it('never reveals most of a value too short for its rule', () => {
    expect(maskPhone('1381')).toBe('**81');
    expect(maskAccount('12')).toBe('*2');
  });
});

describe('maskPersonalData', () => {
  it('masks every kind of personal data in mixed Chinese text', () => {
    expect(
      mask(
        '我叫张三，手机13812345678，身份证11010519491231002X，卡号6222021234567890128，邮箱zhangsan@qq.com，麻烦尽快处理',
      ),
    ).toBe(
      '我叫张三，手机138****5678，身份证110105********002X，卡号622202*********0128，邮箱zh***@qq.com，麻烦尽快处理',
    );
  });

  it('masks numbers written with spaces or dashes, keeping the layout', () => {
    expect(mask('电话 138 1234 5678 或 139-8765-4321')).toBe('电话 138 **** 5678 或 139-****-4321');
    expect(mask('卡 6222 0212 3456 7890 128 用不了')).toBe('卡 6222 02** **** ***0 128 用不了');
    expect(mask('+86 13812345678')).toBe('+86 138****5678');
  });

  it('masks full-width digits', () => {
    expect(mask('手机号是１３８１２３４５６７８谢谢')).toBe('手机号是１３８****５６７８谢谢');
    expect(mask('邮箱ａｂｃｄ＠ｑｑ．ｃｏｍ')).toBe('邮箱ａｂ***＠ｑｑ．ｃｏｍ');
  });

  it('masks several numbers of the same kind', () => {
    expect(mask('13812345678,13987654321;15011112222')).toBe('138****5678,139****4321;150****2222');
  });

  it('masks account numbers named by the words around them', () => {
    expect(mask('我的资金账号是：123456789，登不上去')).toBe('我的资金账号是：*****6789，登不上去');
    expect(mask('证券账户 A123456789')).toBe('证券账户 A*****6789');
    expect(mask('股东账号0123456789.')).toBe('股东账号******6789.');
    expect(mask('客户号 8800 1234 56')).toBe('客户号 **** **34 56');
  });

  it('keeps amounts and short numbers next to account words', () => {
    expect(mask('账户余额 100000元，账户里有500000块')).toBe('账户余额 100000元，账户里有500000块');
    expect(mask('账户 123456.78')).toBe('账户 123456.78');
  });

  it('masks every run of 16-19 digits as a card, Luhn or not, with or without a word before it', () => {
    expect(mask('卡号6222021234567890123不对吗')).toBe('卡号622202*********0123不对吗');
    expect(mask('订单号6222021234567890123不对吗')).toBe('订单号622202*********0123不对吗');
  });

  it('masks an ID number even when its check digit is mistyped', () => {
    expect(mask('身份证110105194912310021')).toBe('身份证110105********0021');
  });

  it('hides passwords completely', () => {
    expect(mask('密码是abc123，登录不了')).toBe('密码是******，登录不了');
    expect(mask('交易密码：888888')).toBe('交易密码：******');
  });

  it('leaves text without personal data unchanged', () => {
    const samples = [
      '请问创业板怎么开通？',
      '今天大盘涨了1.5%，600519怎么样',
      '我转了5万元，2026-11-20 15:30 还没到账',
      '',
    ];
    for (const text of samples) expect(mask(text)).toBe(text);
  });

  it('does not mask stock codes, dates or amounts next to personal data', () => {
    expect(mask('13812345678买了600519共5万元')).toBe('138****5678买了600519共5万元');
  });
});
