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

/**
 * Cantonese (and HK written Chinese) read as Mandarin, after the character conversion: 點樣開戶 is
 * 怎么开户, 得唔得 is 可不可以. Longer phrases first; single particles only where they cannot be
 * part of a Mandarin word.
 */
const CANTONESE_PHRASES: ReadonlyArray<readonly [string, string]> = [
  ['系唔系', '是不是'],
  ['系咪', '是不是'],
  ['得唔得', '可不可以'],
  ['可唔可以', '可不可以'],
  ['能唔能', '能不能'],
  ['使唔使', '需不需要'],
  ['要唔要', '要不要'],
  ['有冇', '有没有'],
  ['够唔够', '够不够'],
  ['识唔识', '会不会'],
  ['点样', '怎么'],
  ['会点', '会怎样'],
  ['先开到', '才能开通'],
  ['先可以', '才可以'],
  ['先得', '才行'],
  ['点解', '为什么'],
  ['点算', '怎么办'],
  ['点搞', '怎么弄'],
  ['点开', '怎么开'],
  ['点买', '怎么买'],
  ['点改', '怎么改'],
  ['点查', '怎么查'],
  ['点转', '怎么转'],
  ['几时', '什么时候'],
  ['几耐', '多久'],
  ['几多钱', '多少钱'],
  ['几多', '多少'],
  ['边度', '哪里'],
  ['边个', '哪个'],
  ['边间', '哪家'],
  ['乜嘢', '什么'],
  ['咩嘢', '什么'],
  ['而家', '现在'],
  ['琴日', '昨天'],
  ['寻日', '昨天'],
  ['听日', '明天'],
  ['唔该', '谢谢'],
  ['唔识', '不会'],
  ['唔得', '不行'],
  ['唔到', '不了'],
  ['唔系', '不是'],
  ['冇咗', '没有了'],
  ['冇法', '没法'],
  ['收市', '收盘'],
  ['开市', '开盘'],
  ['孖展', '融资'],
  ['我系', '我是'],
  ['你系', '你是'],
  ['佢系', '他是'],
  ['就系', '就是'],
  ['都系', '都是'],
  ['冇', '没有'],
  ['唔', '不'],
  ['咩', '什么'],
  ['嘅', '的'],
  ['咗', '了'],
  ['喺', '在'],
  ['佢', '他'],
  ['睇', '看'],
  ['揾', '找'],
  ['搵', '找'],
  ['攞', '拿'],
  ['畀', '给'],
  ['啲', '些'],
  ['㗎', ''],
  ['喎', ''],
  ['囉', ''],
  ['啰', ''],
];

/**
 * Slips of pinyin input and internet spellings that can only mean the business word (开护 is 开户,
 * 北郊所 is 北交所): corrected before anything reads the message, so the boards and products a
 * follow-up names are recognised too. Only spellings that are not words of their own.
 */
const TYPO_PHRASES: ReadonlyArray<readonly [string, string]> = [
  ['开护', '开户'],
  ['销护', '销户'],
  ['开沪', '开户'],
  ['创业版', '创业板'],
  ['转拖管', '转托管'],
  ['转脱管', '转托管'],
  ['科创版', '科创板'],
  ['北郊所', '北交所'],
  ['北交易所', '北交所'],
  ['港古通', '港股通'],
  ['港股同', '港股通'],
  ['融资融卷', '融资融券'],
  ['融资融劵', '融资融券'],
  ['蜜码', '密码'],
  ['密马', '密码'],
  ['多酒', '多久'],
  ['肿么', '怎么'],
  ['怎摸', '怎么'],
  ['神马', '什么'],
  ['木有', '没有'],
  ['申够', '申购'],
  ['银症', '银证'],
  ['印花说', '印花税'],
  ['佣近', '佣金'],
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

// Ages a brokerage asks about (minors of 16-17, customers of 50 and over); 已经10了 is not one.
const AGE_WITHOUT_UNIT =
  /((?:^|[我他她妈爸爷奶]|今年|已经|都|快))(1[6-9]|[5-9][0-9]|[五六七八九]十[一二三四五六七八九]?)(多)?(?=了)/gu;

/**
 * Canonical form of a customer message: full-width→half-width, traditional→simplified (HK/TW
 * variants and brokerage phrases), lower case, emoji/punctuation removed, whitespace collapsed.
 */
export function normalizeText(text: string): string {
  if (typeof text !== 'string' || text.length === 0) return '';
  // A turn reads the same clause and its pieces many times (alone, completed, split): the last
  // texts seen are remembered. Bounded, so a flood of distinct messages costs no memory.
  const known = recentlyNormalized.get(text);
  if (known !== undefined) return known;
  const out = normalizeUncached(text);
  if (recentlyNormalized.size >= NORMALIZED_REMEMBERED)
    recentlyNormalized.delete(recentlyNormalized.keys().next().value as string);
  recentlyNormalized.set(text, out);
  return out;
}
const NORMALIZED_REMEMBERED = 2048;
const recentlyNormalized = new Map<string, string>();

function normalizeUncached(text: string): string {
  // NFKC folds full-width letters/digits/punctuation and the ideographic space to ASCII.
  let out = text.normalize('NFKC');
  out = replacePhrases(out, TRADITIONAL_PHRASES);
  out = toSimplified(out);
  out = replacePhrases(out, SIMPLIFIED_PHRASES);
  // 户口本 is the household register, not an account.
  out = replacePhrases(out.replace(/户口(?!本|簿)/gu, '账户'), CANTONESE_PHRASES);
  out = replacePhrases(out, TYPO_PHRASES);
  // 我72了 / 今年六十八了 / 都80多了 say an age: read as 72岁 like the examples that mention one.
  out = out.replace(AGE_WITHOUT_UNIT, '$1$2$3岁');
  out = out.toLowerCase();
  out = stripNoise(out);
  return out.replace(/\s+/g, ' ').trim();
}

/** The text with its runs of seven or more digits (phones, cards, IDs, accounts; not a six-digit
 * stock code) blanked out. */
function blankLongNumbers(text: string): string {
  return text.replace(/[0-9０-９][0-9０-９\s-]{5,}[0-9０-９xX]/gu, (run) =>
    run.replace(/[^0-9０-９]/gu, '').length >= 7 ? ' ' : run,
  );
}

/** The message is nothing but phone, card or account numbers (880012345678). */
export function onlyLongNumbers(text: string): boolean {
  const blanked = blankLongNumbers(text);
  return blanked !== text && blanked.replace(/[\s,，.。:：;；!！?？]/gu, '') === '';
}

/** The text without its long numbers; the text itself when nothing else is left. */
export function withoutLongNumbers(text: string): string {
  const stripped = blankLongNumbers(text);
  return stripped.trim() ? stripped : text;
}
