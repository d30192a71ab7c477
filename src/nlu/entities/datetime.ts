// Dates and times relative to `now` in Asia/Shanghai: 昨天下午3点, 上周五, 今天上午十点半, 2026-11-20, 15:30.
import { parseSmallInteger } from './numbers.ts';
import { isAsciiDigit } from './text.ts';
import type { Candidate } from './resolve.ts';
import { RANK } from './resolve.ts';

// China has used UTC+8 without daylight saving since 1991, so a fixed offset is exact.
const SHANGHAI_OFFSET_MS = 8 * 3600_000;

interface Day {
  y: number;
  m: number;
  d: number;
}

interface Match<T> {
  end: number;
  value: T;
}

const CN_SMALL = '[零〇一二两三四五六七八九十]';
const ISO_DATE = /(?<![0-9])([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?![0-9])/y;
const CN_DATE = new RegExp(
  `(?<![0-9])(?:([0-9]{4}|[〇零一二三四五六七八九]{4})\\s?年\\s?)?([0-9]{1,2}|${CN_SMALL}{1,3})\\s?月\\s?([0-9]{1,2}|${CN_SMALL}{1,3})\\s?[日号]`,
  'y',
);
const RELATIVE_DAY =
  /(大前天|前天|昨天|昨日|昨晚|今天|今日|今晚|今早|明天|明日|明晚|明早|后天|大后天)/y;
const WEEKDAY = /(上上|上个|上|下下|下个|下|本|这个|这)?(?:周|星期|礼拜)([一二三四五六日天1-7])/y;
const PERIOD = /(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|夜间)/y;
const CLOCK = /(?<![0-9.])([01]?[0-9]|2[0-3])[:]([0-5][0-9])(?::([0-5][0-9]))?(?![0-9])/y;
const CN_TIME = new RegExp(
  `(?<![0-9.])([0-9]{1,2}|${CN_SMALL}{1,3})[点时](?:(半)|(一刻|三刻)|([0-9]{1,2}|${CN_SMALL}{1,3})分?)?`,
  'y',
);

// Only these can begin a date or time; skipping other positions keeps long texts cheap.
const START_CHARS: ReadonlySet<string> = new Set([
  ...'0123456789零〇一二两三四五六七八九十',
  ...'大前昨今明后上下本这周星礼凌早中傍晚夜',
]);

const RELATIVE_OFFSETS: Record<string, number> = {
  大前天: -3,
  前天: -2,
  昨天: -1,
  昨日: -1,
  昨晚: -1,
  今天: 0,
  今日: 0,
  今晚: 0,
  今早: 0,
  明天: 1,
  明日: 1,
  明晚: 1,
  明早: 1,
  后天: 2,
  大后天: 3,
};
const WEEK_OFFSETS: Record<string, number> = {
  上上: -2,
  上个: -1,
  上: -1,
  下下: 2,
  下个: 1,
  下: 1,
  本: 0,
  这个: 0,
  这: 0,
};
const EVENING_WORDS = new Set(['下午', '傍晚', '晚上', '夜里', '夜间', '今晚', '昨晚', '明晚']);

function sticky(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}

function shanghaiToday(now: Date): Day {
  const local = new Date(now.getTime() + SHANGHAI_OFFSET_MS);
  return { y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate() };
}

function addDays(day: Day, days: number): Day {
  const t = new Date(Date.UTC(day.y, day.m - 1, day.d + days));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function validDay(y: number, m: number, d: number): Day | undefined {
  const t = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return undefined;
  return { y, m, d };
}

function matchDate(
  text: string,
  at: number,
  today: Day,
): (Match<Day> & { word?: string }) | undefined {
  const iso = sticky(ISO_DATE, text, at);
  if (iso) {
    const day = validDay(Number(iso[1]), Number(iso[2]), Number(iso[3]));
    return day && { end: at + iso[0].length, value: day };
  }
  const cn = sticky(CN_DATE, text, at);
  if (cn) {
    const y = cn[1] ? parseSmallInteger(cn[1]) : today.y;
    const m = parseSmallInteger(cn[2] ?? '');
    const d = parseSmallInteger(cn[3] ?? '');
    const day =
      y !== undefined && m !== undefined && d !== undefined ? validDay(y, m, d) : undefined;
    return day && { end: at + cn[0].length, value: day };
  }
  const rel = sticky(RELATIVE_DAY, text, at);
  if (rel) {
    const word = rel[1] ?? '';
    return { end: at + word.length, value: addDays(today, RELATIVE_OFFSETS[word] ?? 0), word };
  }
  const week = sticky(WEEKDAY, text, at);
  if (week) {
    const weekday = '一二三四五六'.indexOf(week[2] ?? '') + 1 || Number(week[2]) || 7;
    const monday = addDays(
      today,
      -((new Date(Date.UTC(today.y, today.m - 1, today.d)).getUTCDay() + 6) % 7),
    );
    const offset = WEEK_OFFSETS[week[1] ?? '本'] ?? 0;
    return { end: at + week[0].length, value: addDays(monday, offset * 7 + weekday - 1) };
  }
  return undefined;
}

interface Clock {
  h: number;
  min: number;
  s: number;
  /** '一点' alone usually means "a little", so it only counts next to a date or period. */
  weak: boolean;
}

function matchTime(text: string, at: number): Match<Clock> | undefined {
  const clock = sticky(CLOCK, text, at);
  if (clock) {
    return {
      end: at + clock[0].length,
      value: { h: Number(clock[1]), min: Number(clock[2]), s: Number(clock[3] ?? 0), weak: false },
    };
  }
  const cn = sticky(CN_TIME, text, at);
  if (!cn) return undefined;
  const h = parseSmallInteger(cn[1] ?? '');
  let min = 0;
  if (cn[2]) min = 30;
  else if (cn[3]) min = cn[3] === '一刻' ? 15 : 45;
  else if (cn[4]) {
    const parsed = parseSmallInteger(cn[4]);
    if (parsed === undefined || parsed > 59) return undefined;
    min = parsed;
  }
  if (h === undefined || h > 24) return undefined;
  const weak = /^[一两][点时]$/.test(cn[0]);
  return { end: at + cn[0].length, value: { h, min, s: 0, weak } };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function isoDay(day: Day): string {
  return `${pad(day.y, 4)}-${pad(day.m)}-${pad(day.d)}`;
}

function skipSpace(text: string, at: number): number {
  return text[at] === ' ' ? at + 1 : at;
}

/** `text` must be half-width. Date-only results are 'YYYY-MM-DD'; with a time 'YYYY-MM-DDTHH:mm:ss+08:00'. */
export function detectDateTimes(text: string, now: Date): Candidate[] {
  const today = shanghaiToday(now);
  const out: Candidate[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (!START_CHARS.has(ch) || (isAsciiDigit(ch) && isAsciiDigit(text[i - 1]))) continue;
    const date = matchDate(text, i, today);
    // A space may separate the parts ("11月20日 下午 3点") but never starts the match.
    const gap = (at: number): number => (at > i ? skipSpace(text, at) : at);
    let pos = date ? date.end : i;
    const period = sticky(PERIOD, text, gap(pos));
    const periodWord =
      period?.[1] ?? (date?.word && EVENING_WORDS.has(date.word) ? date.word : undefined);
    if (period) pos = gap(pos) + period[0].length;
    const time = matchTime(text, gap(pos));
    if (time && (!time.value.weak || date || period)) pos = time.end;
    else if (!date) continue;
    const end = time && pos === time.end ? time.end : date ? (period ? pos : date.end) : pos;
    let day = date?.value ?? today;
    let normalized = isoDay(day);
    if (time && pos === time.end) {
      let { h } = time.value;
      if (periodWord && EVENING_WORDS.has(periodWord) && h < 12) h += 12;
      else if (periodWord === '中午' && h < 6) h += 12;
      else if (periodWord === '凌晨' && h === 12) h = 0;
      if (h === 24) {
        h = 0;
        day = addDays(day, 1);
      }
      normalized = `${isoDay(day)}T${pad(h)}:${pad(time.value.min)}:${pad(time.value.s)}+08:00`;
    }
    out.push({
      type: 'datetime',
      value: text.slice(i, end),
      start: i,
      end,
      normalized,
      rank: RANK.datetime,
    });
    i = end - 1;
  }
  return out;
}
