// Text normalisation for the classifier: one canonical simplified, half-width, lower-case form.
import { Converter } from 'opencc-js';

type Convert = (text: string) => string;

/** Brokerage words written the HK/TW way that OpenCC keeps (戶口 stays 户口, 帳號 stays 帐号). */
const TRADITIONAL_PHRASES: ReadonlyArray<readonly [string, string]> = [
  ['戶口', '账户'],
  ['帳戶', '账户'],
  ['賬戶', '账户'],
  ['帳號', '账号'],
  ['賬號', '账号'],
  ['登入', '登录'],
  ['密碼', '密码'],
  ['開戶', '开户'],
  ['銷戶', '销户'],
  ['證券戶', '证券账户'],
];

/** Simplified spellings that mean the same account words (帐 is the older form of 账). */
const SIMPLIFIED_PHRASES: ReadonlyArray<readonly [string, string]> = [
  ['帐户', '账户'],
  ['帐号', '账号'],
  ['登入', '登录'],
];

let converter: Convert | undefined;

// HK first (戶/峯 variants), then TW phrases (登入→登录, 軟體→软件); built once because the dictionaries are large.
function toSimplified(text: string): string {
  if (!converter) {
    const hk = Converter({ from: 'hk', to: 'cn' });
    const twp = Converter({ from: 'twp', to: 'cn' });
    converter = (t) => twp(hk(t));
  }
  return converter(text);
}

function replacePhrases(text: string, table: ReadonlyArray<readonly [string, string]>): string {
  let out = text;
  for (const [from, to] of table) {
    if (out.includes(from)) out = out.split(from).join(to);
  }
  return out;
}

// Anything outside ASCII letters/digits and CJK ideographs is noise for intent purposes.
const KEEP = /[a-z0-9\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
const DIGIT = /[0-9]/;
// Outside the BMP CJK ranges most code points are emoji/symbols, but Ext-B.. ideographs are kept.
const CJK_EXT = /[\u{20000}-\u{2ffff}]/u;

function stripNoise(text: string): string {
  const chars = Array.from(text);
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (KEEP.test(ch) || CJK_EXT.test(ch)) {
      out += ch;
      continue;
    }
    const prev = chars[i - 1] ?? '';
    const next = chars[i + 1] ?? '';
    // '.' and ',' only survive inside numbers (1,000.50); '%' only after a digit (万2.5%).
    if ((ch === '.' || ch === ',') && DIGIT.test(prev) && DIGIT.test(next)) out += ch;
    else if (ch === '%' && DIGIT.test(prev)) out += ch;
    else out += ' ';
  }
  return out;
}

/**
 * Canonical form of a customer message: full-width→half-width, traditional→simplified (HK/TW
 * variants and brokerage phrases), lower case, emoji/punctuation removed, whitespace collapsed.
 */
export function normalizeText(text: string): string {
  if (typeof text !== 'string' || text.length === 0) return '';
  // NFKC folds full-width letters/digits/punctuation and the ideographic space to ASCII.
  let out = text.normalize('NFKC');
  out = replacePhrases(out, TRADITIONAL_PHRASES);
  out = toSimplified(out);
  out = replacePhrases(out, SIMPLIFIED_PHRASES);
  out = out.toLowerCase();
  out = stripNoise(out);
  return out.replace(/\s+/g, ' ').trim();
}
