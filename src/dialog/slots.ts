// Slot validation: turns what the customer typed into a slot value, or says it does not fit.
// Pure functions; the entities from NLU are used when they are more precise than our patterns.
import type { Entity } from '../nlu/types.ts';
import type { ChoiceOption, SlotType } from './types.ts';

export type SlotResult =
  { ok: true; value: string; extra: Record<string, string>; option?: ChoiceOption } | { ok: false };

const NO = { ok: false } as const;

export const SKIP_VALUE = '__skip__';
const SKIP_WORDS = /^(跳过|不提供|不方便|没有|无|略过|skip)$/i;
const TRAILING_PUNCT = /[。.!！?？~～,，\s]+$/u;

export function cleanText(text: string): string {
  return text.trim().replace(TRAILING_PUNCT, '');
}

export function isSkip(text: string, choice: string | null): boolean {
  return choice === SKIP_VALUE || SKIP_WORDS.test(cleanText(text));
}

export function validateSlot(
  type: SlotType,
  text: string,
  entities: Entity[],
  now: string,
  options: ChoiceOption[] = [],
  choice: string | null = null,
): SlotResult {
  const input = cleanText(text);
  switch (type) {
    case 'text':
      return input.length >= 2 && input.length <= 1000 ? ok(input) : NO;
    case 'name':
      return validateName(input);
    case 'phone':
      return validatePhone(input);
    case 'account':
      return validateAccount(input);
    case 'datetime':
      return validateDateTime(input, entities, now);
    case 'choice':
      return matchOption(options, input, choice);
    case 'yes_no':
      return validateYesNo(input, choice);
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

function validateName(input: string): SlotResult {
  const name = input.replace(/^(我叫|我是|本人|姓名是?|名字是?)[:：\s]*/u, '').trim();
  if (QUESTION_WORDS.test(name)) return NO;
  if (/^[\u4e00-\u9fa5]{2,6}$/u.test(name)) return ok(name);
  if (/^[\u4e00-\u9fa5]+[·•][\u4e00-\u9fa5·•]+$/u.test(name) && name.length <= 20) return ok(name);
  if (/^[A-Za-z][A-Za-z .'-]{1,40}$/.test(name)) return ok(name);
  return NO;
}

/** Mainland mobile numbers: 11 digits starting 13-19, optionally written with +86 and spaces. */
export function validatePhone(input: string): SlotResult {
  const compact = input.replace(/[\s\-()（）]/g, '');
  const runs = compact.match(/\d+/g) ?? [];
  const candidates = runs
    .map((run) => (run.length === 13 && run.startsWith('86') ? run.slice(2) : run))
    .filter((run) => run.length >= 7);
  if (candidates.length !== 1) return NO;
  const digits = candidates[0] ?? '';
  return /^1[3-9]\d{9}$/.test(digits) ? ok(digits) : NO;
}

function validateAccount(input: string): SlotResult {
  const runs = input.replace(/[\s-]/g, '').match(/\d+/g) ?? [];
  if (runs.length !== 1) return NO;
  const digits = runs[0] ?? '';
  return digits.length >= 6 && digits.length <= 20 ? ok(digits) : NO;
}

const YES = /^(是|是的|对|对的|好|好的|可以|确认|确定|没问题|嗯|嗯嗯|要|需要|行|ok|yes|y)$/i;
const NO_WORDS = /^(否|不|不是|不对|不要|不用|不需要|不用了|没有|no|n)$/i;

function validateYesNo(input: string, choice: string | null): SlotResult {
  const value = choice ?? input;
  if (value === 'yes' || YES.test(value)) return ok('yes');
  if (value === 'no' || NO_WORDS.test(value)) return ok('no');
  return NO;
}

/** Picks an option by tapped value, exact label, or a label the message clearly names. */
export function matchOption(
  options: ChoiceOption[],
  input: string,
  choice: string | null,
): SlotResult {
  if (choice !== null) {
    const tapped = options.find((o) => o.value === choice || o.label === choice);
    if (tapped) return { ok: true, value: tapped.value, extra: {}, option: tapped };
  }
  const text = input.toLowerCase().replace(/^(\d+)\s*分$/, '$1');
  if (!text) return NO;
  const exact = options.find(
    (o) => o.label.toLowerCase() === text || o.value.toLowerCase() === text,
  );
  if (exact) return { ok: true, value: exact.value, extra: {}, option: exact };
  const named = options.filter((o) =>
    o.label
      .toLowerCase()
      .split(/[/／、]/)
      .some((part) => part.length >= 2 && text.includes(part)),
  );
  if (named.length === 1 && named[0]) {
    return { ok: true, value: named[0].value, extra: {}, option: named[0] };
  }
  return NO;
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

function validateDateTime(input: string, entities: Entity[], now: string): SlotResult {
  const entity = entities.find((e) => e.type === 'datetime');
  const iso = entity?.normalized ?? parseWhen(input, now);
  if (iso) return ok(input, { iso });
  // A time said loosely ("上周", "上个月初") is still what the customer remembers; keep the words.
  return TIME_WORDS.test(input) && input.length <= 60 ? ok(input) : NO;
}
