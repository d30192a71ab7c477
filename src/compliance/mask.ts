// Masks personal data before text leaves the conversation (Slack, logs, LLM prompts).
import {
  detectBankCards,
  detectEmails,
  detectIdLikeNumbers,
  detectPhones,
} from '../nlu/entities/personal.ts';
import { ACCOUNT_CONTEXT_WORDS, toHalfWidth } from '../nlu/entities/text.ts';
import { identifyingNumbers, maskDigitsInPlace, type MaskSpan } from './number-patterns.ts';

const MASK = '*';

/**
 * '13812345678' -> '138****5678'; a +86 prefix and separators are kept: '+86 138-****-5678';
 * a landline's extension is not personal: '0571-87654321转802' -> '0571-****4321转802'.
 */
export function maskPhone(phone: string): string {
  const extension = phone.indexOf('转');
  if (extension > 0) return maskPhone(phone.slice(0, extension)) + phone.slice(extension);
  const digits = toHalfWidth(phone).replace(/[^0-9]/g, '');
  const prefix = digits.length > 11 ? digits.length - 11 : 0;
  return maskDigitsInPlace(phone, prefix + 3, 4);
}

/** Resident ID: first 6 (region) and last 4 stay: '110101********1234'. */
export function maskIdNumber(id: string): string {
  return maskDigitsInPlace(id, 6, 4);
}

/**
 * Bank card: first 6 (issuer BIN) and last 4 stay, every other digit becomes '*':
 * '6222021234567890123' -> '622202*********0123'. This is the display banks and brokerages use on
 * statements and in apps (and what PCI DSS allows); the agent can still tell which bank it is.
 */
export function maskBankCard(card: string): string {
  return maskDigitsInPlace(card, 6, 4);
}

/** Fund / securities / shareholder account numbers: only the last 4 stay: '*****6789'. */
export function maskAccount(account: string): string {
  return maskDigitsInPlace(account, 0, 4);
}

/** 'zhangsan@qq.com' -> 'zh***@qq.com'; the domain stays so agents know the provider. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@') >= 0 ? email.lastIndexOf('@') : email.lastIndexOf('＠');
  if (at < 0) return MASK.repeat(3);
  const local = email.slice(0, at);
  const keep = local.length >= 4 ? 2 : local.length >= 2 ? 1 : 0;
  return `${local.slice(0, keep)}***${email.slice(at)}`;
}

type Span = MaskSpan;

// A number right after an account/card/ID word, unless a unit says it is an amount or a count.
const ACCOUNT_NUMBER = new RegExp(
  `(?:${ACCOUNT_CONTEXT_WORDS})[\\s:=是为#()]{0,4}((?<![A-Za-z])[A-Za-z]?[0-9](?:[ \\-]?[0-9]){5,}[Xx]?)(?![0-9])(?!\\s?[元块万千亿股手%]|\\.[0-9])`,
  'g',
);
// Secrets typed after 密码/口令 are hidden completely.
const PASSWORD = /(?:密码|口令|passcode|password|pwd)[\s:=是为]{0,4}([\x21-\x7e]{4,64})/gi;

// Only text with a digit, an '@' or a password word can hold anything to mask (a password may
// be letters only).
const MAY_HOLD_PERSONAL_DATA = /[0-9０-９@＠]|密码|口令|passcode|password|pwd/i;

function collectSpans(half: string, now: Date): Span[] {
  const spans: Span[] = [];
  for (const c of detectEmails(half)) spans.push({ ...c, mask: maskEmail });
  for (const c of detectIdLikeNumbers(half, now)) spans.push({ ...c, mask: maskIdNumber });
  for (const c of detectPhones(half)) spans.push({ ...c, mask: maskPhone });
  for (const c of detectBankCards(half)) spans.push({ ...c, mask: maskBankCard });
  for (const m of half.matchAll(ACCOUNT_NUMBER)) {
    const number = m[1] ?? '';
    const start = m.index + m[0].length - number.length;
    spans.push({ start, end: start + number.length, mask: maskAccount, rank: 40 });
  }
  spans.push(...identifyingNumbers(half));
  for (const m of half.matchAll(PASSWORD)) {
    const secret = m[1] ?? '';
    const start = m.index + m[0].length - secret.length;
    spans.push({
      start,
      end: start + secret.length,
      mask: (v) => MASK.repeat(v.length),
      rank: 200,
    });
  }
  return spans;
}

/**
 * The one masking function for text leaving the conversation (Slack, the admin API, logs, LLM
 * prompts). Masks every phone number (mainland mobiles 13x-19x, landlines, +852/+853/+886 and
 * other country codes, Taiwan's 09xx), resident ID (also with a wrong check digit), Hong Kong and
 * Macau IDs, bank card, every run of 16 or more digits (Luhn or not), bare account numbers of 8
 * or more digits, e-mail, numbers after words like 资金账号/账户/卡号, and passwords. Dates,
 * amounts, stock codes and the firm's hotlines stay. Text without any stays identical.
 * Full-width digits and spaced or dashed numbers are found too.
 */
export function maskPersonalData(text: string, now: Date = new Date()): string {
  if (typeof text !== 'string' || !MAY_HOLD_PERSONAL_DATA.test(text)) return text;
  const half = toHalfWidth(text);
  const spans = collectSpans(half, now).sort(
    (a, b) => b.rank - a.rank || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const chosen: Span[] = [];
  for (const s of spans) {
    if (chosen.every((c) => s.end <= c.start || s.start >= c.end)) chosen.push(s);
  }
  if (chosen.length === 0) return text;
  chosen.sort((a, b) => a.start - b.start);
  let out = '';
  let last = 0;
  for (const s of chosen) {
    out += text.slice(last, s.start) + s.mask(text.slice(s.start, s.end));
    last = s.end;
  }
  return out + text.slice(last);
}
