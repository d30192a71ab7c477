// Character helpers shared by the entity detectors; everything here keeps string length unchanged.

/**
 * Full-width ASCII (Ａ-Ｚ, ０-９, ＠, ：…) and the ideographic space become their half-width forms, one
 * UTF-16 unit for one, so offsets found in the result are offsets into the original text.
 * The full-width comma stays: in Chinese it separates clauses, not thousands.
 */
export function toHalfWidth(text: string): string {
  if (!/[\uff01-\uff5e\u3000]/.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x3000) out += ' ';
    else if (code >= 0xff01 && code <= 0xff5e && code !== 0xff0c) {
      out += String.fromCharCode(code - 0xfee0);
    } else out += text[i];
  }
  return out;
}

export function isAsciiDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

export function digitsOnly(text: string): string {
  return text.replace(/[^0-9Xx]/g, '').toUpperCase();
}

/** Words right before a number that say it identifies an account, a card, a person or a secret. */
export const ACCOUNT_CONTEXT_WORDS =
  '资金账[号户]|证券账[号户]|股东账[号户]|股东代码|股东卡号?|基金账[号户]|交易账[号户]|信用账[号户]|' +
  '理财账[号户]|客户号|客户编号|客户代码|账户号码?|账号|账户|帐号|帐户|賬號|帳號|賬戶|帳戶|户号|' +
  '卡号|银行卡号?|储蓄卡号?|信用卡号?|身份证号?码?|证件号码?|护照号?码?|手机号?码?|电话号?码?|联系电话';

const CONTEXT_BEFORE = new RegExp(
  `(?:${ACCOUNT_CONTEXT_WORDS}|密码|验证码|单号|编号|工号)[\\s:：=是为#]{0,3}$`,
);

/** True when the text just before `start` names an account, card, phone or code (so a number there is not a stock). */
export function followsAccountWord(text: string, start: number): boolean {
  return CONTEXT_BEFORE.test(text.slice(Math.max(0, start - 10), start));
}
