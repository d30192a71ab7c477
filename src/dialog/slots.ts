// Slot validation: turns what the customer typed into a slot value, or says it does not fit.
// Pure functions; the entities from NLU are used when they are more precise than our patterns.
// Every parser reads the message in simplified characters (跳過, 上週一, 三點 are understood).
import {
  DamerauLevenshteinDistance,
  LevenshteinDistanceSearch,
} from 'natural/lib/natural/distance/index.js';
import type { Entity } from '../nlu/types.ts';
import {
  answerKey,
  DEFAULT_ANSWERS,
  mentions,
  phraseKey,
  saysOnly,
  simplifiedScript,
} from './answers.ts';
import { parsePhone } from './phone.ts';
import type { ChoiceOption, SlotType } from './types.ts';

export type SlotResult =
  { ok: true; value: string; extra: Record<string, string>; option?: ChoiceOption } | { ok: false };

const NO = { ok: false } as const;

export const SKIP_VALUE = '__skip__';
const TRAILING_PUNCT = /[。.!！?？~～,，\s]+$/u;

export function cleanText(text: string): string {
  return text.trim().replace(TRAILING_PUNCT, '');
}

/** The customer declines an optional question: 跳过, 不方便提供, 不记得了, 跳過... */
export function isSkip(
  text: string,
  choice: string | null,
  phrases: readonly string[] = DEFAULT_ANSWERS.skip ?? [],
): boolean {
  return choice === SKIP_VALUE || saysOnly(text, phrases) || mentions(text, phrases);
}

/** The yes/no options a yes_no question offers when the dialog names none. */
export function yesNoOptions(): ChoiceOption[] {
  return [
    { label: '是', value: 'yes', answers: [...(DEFAULT_ANSWERS.yes ?? [])] },
    { label: '否', value: 'no', answers: [...(DEFAULT_ANSWERS.no ?? [])] },
  ];
}

export function validateSlot(
  type: SlotType,
  text: string,
  entities: Entity[],
  now: string,
  options: ChoiceOption[] = [],
  choice: string | null = null,
): SlotResult {
  const typed = cleanText(text);
  const input = simplifiedScript(typed);
  switch (type) {
    case 'text':
      return typed.length >= 2 && typed.length <= 1000 ? ok(typed) : NO;
    case 'name':
      return validateName(typed);
    case 'phone':
      return validatePhone(typed);
    case 'account':
      return validateAccount(input);
    case 'datetime':
      return validateDateTime(typed, entities, now);
    case 'choice':
      return matchOption(options, typed, choice);
    case 'yes_no':
      return matchOption(options.length > 0 ? options : yesNoOptions(), typed, choice);
    case 'amount':
      return validateAmount(input, entities);
    case 'stock_code':
      return validateStockCode(input, entities);
  }
}

function ok(value: string, extra: Record<string, string> = {}): SlotResult {
  return { ok: true, value, extra };
}

const QUESTION_WORDS = /[吗呢么？?]|什么|怎么|几点|多少|如何|哪|为何|能否|可以|时间|请问/;
// Words of a request, never of a name ("帮我查一下持仓" during the name question).
const REQUEST_WORDS =
  /帮我|帮忙|麻烦|查一下|查询|查查|我要|我想|告诉|办理|开户|销户|转账|密码|股票|基金|账户|账号|持仓|余额|投诉|人工|客服|不知道|不方便|不想|不告诉|保密|跳过/u;
const NAME_PREFIX = /^(我叫|我是|本人是?|姓名是?|名字是?|叫我|免贵)[:：\s]*/u;
// "我叫周敏，去年十月…": a name said plainly first, the rest is something else.
const SAID_NAME =
  /^((?:我叫|本人姓名是?|姓名是?|我的名字是|名字是)[:：\s]*[^，,。\s\d]{2,6})[，,。\s]+\S/u;
// 他叫刘强 / 经理姓刘: someone else's name (the person complained about), not the customer's; nor
// words of a sentence (我忘了).
const NOT_A_NAME = /^(?:他|她|它|我|对方|那个|那位|这个|这位)|叫|了/u;
// Middle dots customers type in minority and foreign names (· • ‧ ・ ･ ．).
const NAME_DOTS = /[·•‧・･．.]/gu;

function validateName(typed: string): SlotResult {
  // 张伟，身份证… / 王芳 13812345678: the name is the first part.
  const first =
    /^([^，,\s\d]{2,20})[，,\s]+.*\d/u.exec(typed.trim()) ?? SAID_NAME.exec(typed.trim());
  if (first?.[1] && first[1] !== typed.trim()) {
    const named = validateName(first[1]);
    if (named.ok) return named;
  }
  const bare = typed.replace(NAME_PREFIX, '').trim();
  // 对的 / 确认无误 / 好的 to "怎么称呼您" is a confirmation, not a name.
  if (
    saysOnly(simplifiedScript(bare), [
      ...(DEFAULT_ANSWERS.yes ?? []),
      '确认无误',
      '对',
      '啱',
      '啱嘅',
      '係',
      '係呀',
    ])
  )
    return NO;
  const name = /[\u4e00-\u9fa5]/u.test(bare) ? bare.replace(NAME_DOTS, '·') : bare;
  const simplified = simplifiedScript(name);
  if (QUESTION_WORDS.test(simplified) || REQUEST_WORDS.test(simplified)) return NO;
  // "我姓王" / "姓王": the surname is what the customer wants to be called by.
  const surname = /^我?姓([\u4e00-\u9fa5]{1,2})$/u.exec(simplified);
  if (surname?.[1]) return ok(surname[1]);
  if (NOT_A_NAME.test(simplified)) return NO;
  if (/^[\u4e00-\u9fa5]{2,6}$/u.test(name)) return ok(name);
  if (/^[\u4e00-\u9fa5]+(?:·[\u4e00-\u9fa5]+)+$/u.test(name) && [...name].length <= 20)
    return ok(name);
  if (/^[A-Za-z][A-Za-z .'-]{1,40}$/.test(name)) return ok(name);
  return NO;
}

/**
 * One phone number: a mainland mobile (13x-19x, +86 allowed), a landline with its area code
 * (extension allowed), or a Hong Kong, Macau or Taiwan number with its country code.
 */
export function validatePhone(input: string): SlotResult {
  const phone = parsePhone(input);
  return phone ? ok(phone.value) : NO;
}

function validateAccount(input: string): SlotResult {
  const runs = input.replace(/[\s-]/g, '').match(/\d+/g) ?? [];
  if (runs.length !== 1) return NO;
  const digits = runs[0] ?? '';
  return digits.length >= 6 && digits.length <= 20 ? ok(digits) : NO;
}

const CN_INDEX = '一二三四五六七八九十';
const OPTION_NUMBER = /^(?:第|选)?\s*([0-9]{1,2}|[一二三四五六七八九十])\s*(?:个|项|号|条)?$/u;

/**
 * Picks an option by tapped value, its label or value, its number, a whole reply in its phrases
 * (`says`, `means`), a label or `says` phrase the message names (服务态度不好 -> 服务态度), or a
 * label typed with one character wrong (服务太度). Ambiguous messages pick nothing.
 */
export function matchOption(
  options: ChoiceOption[],
  input: string,
  choice: string | null,
): SlotResult {
  const picked = (o: ChoiceOption): SlotResult => ({
    ok: true,
    value: o.value,
    extra: {},
    option: o,
  });
  const only = (found: ChoiceOption[]): SlotResult | null =>
    found.length === 1 && found[0] ? picked(found[0]) : null;
  if (choice !== null) {
    const tapped = options.find((o) => o.value === choice || o.label === choice);
    if (tapped) return picked(tapped);
  }
  const typed = cleanText(input)
    .toLowerCase()
    .replace(/^(\d+)\s*分(?:吧|啊|呀|哈|了|啦|嘛)?$/, '$1');
  if (!typed) return NO;
  const text = simplifiedScript(typed);
  const key = answerKey(typed);
  const exact = options.find((o) =>
    [o.label, o.value].some((v) => {
      const lower = v.toLowerCase();
      return lower === typed || lower === text || (key !== '' && phraseKey(v) === key);
    }),
  );
  if (exact) return picked(exact);
  const number = OPTION_NUMBER.exec(text);
  if (number?.[1]) {
    const n = /\d/.test(number[1]) ? Number(number[1]) : CN_INDEX.indexOf(number[1]) + 1;
    const byNumber = options[n - 1];
    return byNumber ? picked(byNumber) : NO;
  }
  const said = only(
    options.filter((o) => saysOnly(text, [...(o.says ?? []), ...(o.answers ?? [])])),
  );
  if (said) return said;
  // 是的，我还想问… / 不对，是上周: a plain yes or no leads, the rest explains it. Not 不用了，
  // 我自己再试试: declining help says nothing about whether the problem was solved.
  const lead = text.split(/[，,。.!！;；？?\s]/u)[0] ?? '';
  if (lead && lead !== text) {
    const first = only(
      options.filter((o) =>
        saysOnly(
          lead,
          [...(o.says ?? []), ...(o.answers ?? [])].filter((p) => PLAIN_YES_NO.has(p)),
        ),
      ),
    );
    if (first) return first;
  }
  // 不是这些原因，就是你们系统的问题 at 解决了吗: a denial of what was just said is a no.
  if (DENIAL.test(key)) {
    const no = only(options.filter((o) => o.value === 'no' && (o.answers ?? []).includes('不是')));
    if (no) return no;
  }
  const named = only(options.filter((o) => labelParts(o).some((part) => key.includes(part))));
  if (named) return named;
  const mentioned = only(
    options.filter((o) =>
      (o.says ?? []).some((p) => {
        const phrase = phraseKey(p);
        return phrase.length >= 2 && key.includes(phrase);
      }),
    ),
  );
  if (mentioned) return mentioned;
  return only(options.filter((o) => nearMiss(o, key))) ?? NO;
}

/** The yes and no that answer a question whatever follows them. */
const PLAIN_YES_NO = new Set(['是', '是的', '对', '对的', '没错', '正确', '不是', '不对', '否']);

/** A reply that denies what the bot just said or offered (not 不错, not 没什么问题). */
const DENIAL =
  /^(?:不是(?:这|那|的|啊|呀)|不是$|不行|不对|没用|没有用|不管用|没解决|没有解决|还是不行|都不是)/u;

/** The parts of a label a customer may name: "产品销售/适当性" -> 产品销售, 适当性. */
function labelParts(option: ChoiceOption): string[] {
  return option.label
    .split(/[/／、]/)
    .map(phraseKey)
    .filter((part) => part.length >= 2);
}

/** One character off a label of four or more (服务太度, 信息批露), alone or inside a sentence. */
function nearMiss(option: ChoiceOption, key: string): boolean {
  if (key.length === 0 || key.length > 40) return false;
  return labelParts(option).some((part) => {
    if (part.length < 4) return false;
    if (DamerauLevenshteinDistance(part, key) <= 1) return true;
    return key.length > part.length && LevenshteinDistanceSearch(part, key).distance <= 1;
  });
}

function validateAmount(input: string, entities: Entity[]): SlotResult {
  const money = entities.find((e) => e.type === 'money' && e.normalized);
  if (money?.normalized) return ok(money.normalized);
  const m = /(\d+(?:\.\d+)?)\s*(万|千|元|块)?/.exec(input);
  if (!m?.[1]) return NO;
  const scale = m[2] === '万' ? 10_000 : m[2] === '千' ? 1000 : 1;
  const yuan = Number(m[1]) * scale;
  return Number.isFinite(yuan) && yuan > 0 ? ok(String(Math.round(yuan * 100) / 100)) : NO;
}

function validateStockCode(input: string, entities: Entity[]): SlotResult {
  const stock = entities.find(
    (e) => (e.type === 'stock_code' || e.type === 'stock_name') && e.normalized,
  );
  if (stock?.normalized) return ok(stock.normalized);
  const m = /(?<!\d)(\d{6})(?!\d)/.exec(input);
  if (!m?.[1]) return NO;
  const code = m[1];
  const market = /^[65]/.test(code)
    ? 'SH'
    : /^[03]/.test(code)
      ? 'SZ'
      : /^[489]/.test(code)
        ? 'BJ'
        : '';
  return market ? ok(`${code}.${market}`) : NO;
}

// ---- dates and times ------------------------------------------------------------------------

const CN_DIGITS: Record<string, number> = {
  零: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  十: 10,
};

function cnNumber(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  if (text.startsWith('十')) return 10 + (CN_DIGITS[text[1] ?? ''] ?? 0);
  const tens = text.indexOf('十');
  if (tens > 0)
    return (CN_DIGITS[text[0] ?? ''] ?? 0) * 10 + (CN_DIGITS[text[tens + 1] ?? ''] ?? 0);
  return CN_DIGITS[text] ?? Number.NaN;
}

const TIME_WORDS =
  /(今天|今日|昨天|昨日|前天|大前天|刚才|刚刚|上午|下午|中午|晚上|早上|凌晨|上周|上个?星期|上个?月|本周|这周|星期|周[一二三四五六日天]|\d+\s*[月日号点时]|[一二两三四五六七八九十]+\s*[月日号点]|\d{4}[-/.年]|\d+\s*天前|[一二两三四五六七八九十]+天前)/u;

/** Shanghai wall-clock parts of an ISO instant. */
function shanghaiParts(iso: string): { y: number; m: number; d: number; dow: number } {
  const t = new Date(Date.parse(iso) + 8 * 3600_000);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate(), dow: t.getUTCDay() };
}

function isoDate(y: number, m: number, d: number): string {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.toISOString().slice(0, 10);
}

function shiftDays(y: number, m: number, d: number, days: number): [number, number, number] {
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
}

/**
 * Parses the common ways customers say when something happened, relative to `now`
 * (Asia/Shanghai). Returns an ISO date or date-time, or null when the text names no date.
 */
export function parseWhen(text: string, now: string): string | null {
  if (Number.isNaN(Date.parse(now))) return null;
  const today = shanghaiParts(now);
  let date: [number, number, number] | null = null;
  const full = /(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})/.exec(text);
  const monthDay =
    /([0-9一二三四五六七八九十]{1,3})\s*月\s*([0-9一二三四五六七八九十]{1,3})\s*[日号]?/u.exec(
      text,
    );
  const dayOnly = /(?<![月\d])([0-9一二三四五六七八九十]{1,3})\s*[日号]/u.exec(text);
  const daysAgo = /([0-9一二两三四五六七八九十]{1,3})\s*天前/u.exec(text);
  const weekday = /(上)?(?:周|星期|礼拜)([一二三四五六日天])/u.exec(text);
  if (full) date = [Number(full[1]), Number(full[2]), Number(full[3])];
  else if (monthDay) {
    const m = cnNumber(monthDay[1] ?? '');
    const d = cnNumber(monthDay[2] ?? '');
    const y = m > today.m || (m === today.m && d > today.d) ? today.y - 1 : today.y;
    date = [y, m, d];
  } else if (/大前天/.test(text)) date = shiftDays(today.y, today.m, today.d, -3);
  else if (/前天/.test(text)) date = shiftDays(today.y, today.m, today.d, -2);
  else if (/昨天|昨日|昨晚/.test(text)) date = shiftDays(today.y, today.m, today.d, -1);
  else if (/今天|今日|今早|今晚|刚才|刚刚/.test(text)) date = [today.y, today.m, today.d];
  else if (daysAgo) date = shiftDays(today.y, today.m, today.d, -cnNumber(daysAgo[1] ?? ''));
  else if (weekday) {
    const target = '日一二三四五六'.indexOf(weekday[2] === '天' ? '日' : (weekday[2] ?? ''));
    if (weekday[1]) {
      // 上周X: day X of the previous Monday-to-Sunday week.
      const sinceMonday = (today.dow + 6) % 7;
      date = shiftDays(today.y, today.m, today.d, -sinceMonday - 7 + ((target + 6) % 7));
    } else date = shiftDays(today.y, today.m, today.d, -((today.dow - target + 7) % 7));
  } else if (dayOnly) {
    const d = cnNumber(dayOnly[1] ?? '');
    if (d <= today.d) date = [today.y, today.m, d];
    else {
      const [py, pm] = shiftDays(today.y, today.m, 1, -1);
      date = [py, pm, d];
    }
  }
  if (!date) return null;
  const [y, m, d] = date;
  if (!(m >= 1 && m <= 12 && d >= 1 && d <= 31)) return null;
  const day = isoDate(y, m, d);
  const hourMatch = /([0-9一二两三四五六七八九十]{1,3})\s*[点时:：](?:\s*(\d{1,2}|半)分?)?/u.exec(
    text.replace(/\d{4}\s*[-/.年]/, ''),
  );
  if (!hourMatch) return day;
  let hour = cnNumber(hourMatch[1] ?? '');
  const minute = hourMatch[2] === '半' ? 30 : Number(hourMatch[2] ?? 0);
  if (/下午|晚上|傍晚|今晚|昨晚/.test(text) && hour < 12) hour += 12;
  if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59)) return day;
  return `${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00+08:00`;
}

// A time expression inside a longer message: 昨天下午3点, 上周一, 11月20日, 2026-11-20 14:30.
const WHEN_SPAN = new RegExp(
  '(?:\\d{4}\\s*[-/.年]\\s*\\d{1,2}\\s*[-/.月]\\s*\\d{1,2}\\s*[日号]?' +
    '|[0-9一二三四五六七八九十]{1,3}\\s*月\\s*[0-9一二三四五六七八九十]{1,3}\\s*[日号]?' +
    '|大前天|前天|昨天|昨日|昨晚|今天|今日|今早|今晚|刚才|刚刚' +
    '|上(?:个)?(?:周|星期|礼拜)[一二三四五六日天]|(?:周|星期|礼拜)[一二三四五六日天]' +
    '|[0-9一二两三四五六七八九十]{1,3}\\s*天前' +
    // Said loosely (去年十月, 上个月底, 上周): kept as the customer's words, no exact date.
    '|(?:去年|今年|前年)?[0-9一二三四五六七八九十]{1,2}\\s*月(?:份|初|上旬|中旬|下旬|中|底|末)?' +
    '|(?:上个?|这个|本)月(?:份|初|上旬|中旬|下旬|中|底|末)?|(?:上个?|这个?|本)(?:周|星期|礼拜)(?:[一二三四五六日天]|末)?)' +
    '(?:\\s*(?:上午|下午|中午|晚上|早上|凌晨|傍晚))?' +
    '(?:\\s*[0-9一二两三四五六七八九十]{1,3}\\s*[点时:：](?:\\s*(?:\\d{1,2}|半)分?)?)?',
  'u',
);

/** The time a message names, as said and as ISO when it can be worked out; null when none. */
export function findWhen(text: string, now: string): { text: string; iso?: string } | null {
  const span = WHEN_SPAN.exec(text)?.[0]?.trim();
  if (!span) return null;
  const iso = parseWhen(span, now);
  return iso ? { text: span, iso } : { text: span };
}

function validateDateTime(typed: string, entities: Entity[], now: string): SlotResult {
  const input = simplifiedScript(typed);
  const entity = entities.find((e) => e.type === 'datetime');
  const iso = entity?.normalized ?? parseWhen(input, now);
  if (iso) return ok(typed, { iso });
  // A time said loosely ("上周", "上个月初") is still what the customer remembers; keep the words.
  return TIME_WORDS.test(input) && input.length <= 60 ? ok(typed) : NO;
}
