// Sensitive data a customer pastes into the chat. Passwords and SMS verification codes are C3
// authentication data (JR/T 0171-2020): they are redacted before the message is stored anywhere
// (transcript, Redis, Slack). ID and full card numbers are kept for the record and masked when
// they leave the conversation; in every case the customer is told kindly not to send them here.
import { detectIdLikeNumbers } from '../nlu/entities/personal.ts';
import { toHalfWidth } from '../nlu/entities/text.ts';

export type SensitiveKind = 'id_card' | 'bank_card' | 'password' | 'sms_code';

export interface SensitiveFinding {
  /** What the message holds, in order of appearance, each kind once. */
  kinds: SensitiveKind[];
  /** The message with passwords and verification codes replaced by ******. */
  redacted: string;
}

export const REDACTED = '******';

// 密码是 abc123 / 交易密码：888888 / pwd 123456 / 我的密码123456 / 交易密码发你 123456
const PASSWORD =
  /((?:交易|资金|登录|登陆|银行卡?|取款|转账|通讯|账户|账号|查询|支付)?(?:密码|密碼|口令)|\b(?:pwd|password|passcode|pin)\b)(\s*(?:(?:发给|發給|发|發|给|給|告诉|告訴)(?:你们|你們|你|您)(?:看看?|看一下)?)?\s*(?:是|为|為|係|:|：|=)?\s*(?:是|为)?\s*)([A-Za-z0-9!@#$%^&*()_+\-=.?~]{4,20})(?![A-Za-z0-9])/giu;
// 验证码 123456 / 驗證碼是 8888 / code: 123456
const SMS_LABEL =
  /(?:短信|手机|動態|动态|校验|校驗)?(?:验证码|驗證碼|校验码|動態碼|动态码|短信码)|\b(?:otp|sms\s*code|verification\s*code|code)\b/;
const SMS_CODE = new RegExp(
  `(${SMS_LABEL.source})(\\s*(?:是|为|為|係|:|：|=)?\\s*(?:是|为)?\\s*)([0-9]{4,8})(?![0-9])`,
  'giu',
);
// 16-19 digits, with the single spaces or dashes people type between groups.
const LONG_DIGITS = /(?<![0-9])[0-9](?:[ -]?[0-9]){15,18}(?![0-9])/g;

export function findSensitive(text: string, now: Date = new Date()): SensitiveFinding {
  const kinds = new Set<SensitiveKind>();
  const mark = (kind: SensitiveKind): void => {
    kinds.add(kind);
  };
  let redacted = text;
  const hide = (re: RegExp, kind: SensitiveKind): void => {
    // The secret is Latin letters and digits only, so 密码是什么 / 密码忘了 never match.
    redacted = redacted.replace(re, (whole, label: string, glue: string, secret: string) => {
      if (!isSecret(secret)) return whole;
      mark(kind);
      return `${label}${glue}${REDACTED}`;
    });
  };
  hide(PASSWORD, 'password');
  hide(SMS_CODE, 'sms_code');
  const half = toHalfWidth(text);
  const ids = detectIdLikeNumbers(half, now);
  if (ids.length > 0) mark('id_card');
  for (const m of half.matchAll(LONG_DIGITS)) {
    const start = m.index;
    const end = start + m[0].length;
    if (ids.some((id) => id.start < end && start < id.end)) continue;
    mark('bank_card');
  }
  const order: SensitiveKind[] = ['id_card', 'bank_card', 'password', 'sms_code'];
  return { kinds: order.filter((k) => kinds.has(k)), redacted };
}

/**
 * What follows a password or code label is the secret itself: a code is digits, and a password
 * needs a digit or enough letters to be one (密码 是 错的 is not a password).
 */
function isSecret(secret: string): boolean {
  return /[0-9]/.test(secret) || secret.length >= 6;
}

// A code label whose code findSensitive already replaced by ******.
const HIDDEN_CODE = new RegExp(`(?:${SMS_LABEL.source})[^*]{0,6}\\*{6}`, 'giu');

// What labels a number the customer hands over: 我的卡号是, 身份证号：, 资金账号, 银行卡是. A phone
// number keeps its label (我的手机号换了 is about the phone), only the number goes.
const NUMBER_LABEL =
  /(?:我的?|俺的?|本人的?)?(?:(?:(?:银行|銀行)?卡[号號]|身份[证證][号號]?[码碼]?|[证證]件[号號][码碼]?|(?:资金|資金|证券|證券|股东|股東)?(?:账号|帳號))\s*(?:是|为|為|係|:|：)?|(?:(?:银行|銀行)?卡|身份[证證]|(?:资金|資金|证券|證券)?(?:账户|帳戶|户口|戶口))\s*(?:是|为|為|係|:|：))\s*/u;
const HANDED_NUMBER = new RegExp(
  `${NUMBER_LABEL.source}[0-9](?:[ -]?[0-9Xx]){5,}(?![0-9Xx])|(?<![0-9])[0-9](?:[ -]?[0-9]){13,17}[0-9Xx](?![0-9Xx])`,
  'gu',
);

/**
 * The message as it should be read for its question: passwords, codes and handed-over numbers
 * taken out together with their labels, so 资金账号31880026 密码660512 你帮我看看我佣金是多少 asks
 * about the commission, not about passwords. Empty when the message only hands numbers over.
 */
export function withoutSensitive(text: string): string {
  const strip = (re: RegExp, t: string): string =>
    t.replace(re, (whole, label: string, glue: string, secret: string) =>
      isSecret(secret) ? ' ' : whole,
    );
  const plain = strip(SMS_CODE, strip(PASSWORD, toHalfWidth(text))).replace(HIDDEN_CODE, ' ');
  return plain
    .replace(HANDED_NUMBER, ' ')
    .replace(/\s{2,}/gu, ' ')
    .replace(/^[\s，,。；;]+|[\s，,；;]+$/gu, '')
    .trim();
}

const NAMES: Record<SensitiveKind, string> = {
  id_card: '身份证号',
  bank_card: '完整的银行卡号',
  password: '密码',
  sms_code: '短信验证码',
};

/** The kind warning for what the message held. */
export function sensitiveWarning(kinds: readonly SensitiveKind[]): string {
  const names = kinds.map((k) => NAMES[k]).join('、');
  const secret = kinds.includes('password') || kinds.includes('sms_code');
  return secret
    ? `温馨提示：为了您的账户安全，请不要在对话中发送${names}。任何人（包括客服）都不会向您索要密码或验证码，您刚才发送的内容已做隐藏处理，如已泄露请尽快修改密码。`
    : `温馨提示：为保护您的个人信息，请不要在对话中发送${names}，咨询业务一般不需要提供；如需核实身份，客服会通过安全的方式进行。`;
}
