import { describe, expect, it } from 'vitest';
import {
  findSensitive,
  REDACTED,
  sensitiveWarning,
  withoutSensitive,
} from '../../src/conversation/sensitive.ts';
import { idNumberCheckChar } from '../../src/nlu/entities/personal.ts';

const now = new Date('2026-11-23T02:00:00Z');
const validId = (first17: string): string => first17 + idNumberCheckChar(first17);

describe('findSensitive', () => {
  it.each([
    ['我的交易密码是abc12345，帮我看看为什么登不上', 'password', 'abc12345'],
    ['密码：888888', 'password', '888888'],
    ['pwd 135790 not working', 'password', '135790'],
    ['验证码 482913 收到了', 'sms_code', '482913'],
    ['驗證碼係 5521', 'sms_code', '5521'],
    ['短信验证码:663201', 'sms_code', '663201'],
    ['我把交易密码发你 123456 你们登进去看看', 'password', '123456'],
  ])('redacts a %s in "%s"', (text, kind, secret) => {
    const found = findSensitive(text, now);
    expect(found.kinds).toContain(kind);
    expect(found.redacted).not.toContain(secret);
    expect(found.redacted).toContain(REDACTED);
  });

  it('spots an ID number (valid or mistyped check digit) and keeps it for the record', () => {
    const id = validId('44030619530815213');
    const found = findSensitive(`张伟，身份证${id}`, now);
    expect(found.kinds).toEqual(['id_card']);
    expect(found.redacted).toContain(id);
    const wrong = `${id.slice(0, 17)}${id.endsWith('1') ? '2' : '1'}`;
    expect(findSensitive(`身份证号 ${wrong}`, now).kinds).toEqual(['id_card']);
  });

  it.each(['6222021234567890123', '6228 4800 1234 5671', '4392-2500-1234-5678'])(
    'spots a full card number %s, Luhn or not',
    (card) => {
      expect(findSensitive(`卡号${card}转不了账`, now).kinds).toEqual(['bank_card']);
    },
  );

  it.each([
    '密码忘了怎么办',
    '交易密码是几位数',
    'password reset 怎么弄',
    '验证码收不到',
    '我的手机号13812345678',
    '资金账号 1234567890',
    '买了600519 一百股',
  ])('leaves ordinary questions alone: %s', (text) => {
    const found = findSensitive(text, now);
    expect(found.kinds).toEqual([]);
    expect(found.redacted).toBe(text);
  });

  it('warns kindly, and says what was hidden only when something was', () => {
    expect(sensitiveWarning(['password'])).toMatch(/请不要在对话中发送密码.*已做隐藏处理/u);
    expect(sensitiveWarning(['id_card', 'bank_card'])).toMatch(/身份证号、完整的银行卡号/u);
    expect(sensitiveWarning(['id_card'])).not.toContain('隐藏');
  });
});

describe('withoutSensitive: the message as read for its question', () => {
  it('takes out secrets and handed-over numbers with their labels', () => {
    expect(withoutSensitive('资金账号31880026 密码660512 你帮我看看我佣金是多少')).toBe(
      '你帮我看看我佣金是多少',
    );
    expect(withoutSensitive('钱转不进去 我的卡是6222021234567890123 工商银行的')).toBe(
      '钱转不进去 工商银行的',
    );
    // Also after findSensitive hid the code.
    expect(withoutSensitive(findSensitive('验证码是583920 你帮我登一下吧', now).redacted)).toBe(
      '你帮我登一下吧',
    );
  });

  it('keeps what the question is about: the label of a phone number, stock codes', () => {
    expect(withoutSensitive('我的手机号13812345678换了')).toBe('我的手机号13812345678换了');
    expect(withoutSensitive('600519今天能买吗')).toBe('600519今天能买吗');
    expect(withoutSensitive('我办了张新卡 6217 0012 3456 7890 123 要换三方存管')).toBe(
      '我办了张新卡 要换三方存管',
    );
    expect(withoutSensitive('密码忘了怎么办')).toBe('密码忘了怎么办');
  });
});
