// Checks that a model-written answer invents no figure: every number, percentage, date, time,
// code (C4, T+1) and link in it must appear in the passages it was written from. A paraphrase may
// change the form (50万元 = 500000元, 0.05% = 万分之五, 9点30分 = 9:30) but not the value.
import { toHalfWidth } from '../nlu/entities/text.ts';
import { formatDecimal, parseMixedNumber, type Decimal } from '../nlu/entities/numbers.ts';
import type { ComplianceCheck } from './advice-guard.ts';

/** One figure found in a text: `key` compares values, `raw` is what the text said. */
export interface Figure {
  key: string;
  raw: string;
}

const CN_NUM = '零〇一二两三四五六七八九十百千万亿';
// Chinese numerals count only before a measure word, so 一般, 统一 or 三方存管 hold no number.
const CN_MEASURE =
  '周岁|工作日|交易日|分钟|小时|个|年|月|日|天|周|元|股|手|倍|岁|次|位|秒|户|级|类|笔|条|家|张|份|只|支|成|期|点|%';

const FIGURE = new RegExp(
  [
    String.raw`(?<link>https?:\/\/[^\s，。；、）)]+|www\.[a-z0-9.-]+[a-z]|[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|gov)(?![a-z]))`,
    String.raw`(?<ymd>(?<y1>\d{4})\s*[年\-/.]\s*(?<m1>\d{1,2})\s*[月\-/.]\s*(?<d1>\d{1,2})\s*[日号]?)`,
    String.raw`(?<ym>(?<y2>\d{4})\s*年\s*(?<m2>\d{1,2})\s*月)`,
    String.raw`(?<md>(?<m3>\d{1,2})\s*月\s*(?<d3>\d{1,2})\s*[日号])`,
    String.raw`(?<year>(?<y4>\d{4})\s*年)`,
    String.raw`(?<clock>(?<h1>\d{1,2}):(?<min1>\d{2}))`,
    String.raw`(?<oclock>(?<h2>\d{1,2})\s*点(?:\s*(?<min2>\d{1,2})\s*分|(?<half>半))?)`,
    String.raw`(?<code>[a-z]+[+\-]?\d+(?:\.\d+)?)`,
    String.raw`(?<fraction>(?<den>[百千万])分之(?<num>[0-9.${CN_NUM}]+))`,
    String.raw`(?<arabic>\d+(?:,\d{3})*(?:\.\d+)?(?:[十百千万亿]+)?)\s*(?<unit1>%|‰)?`,
    String.raw`(?<chinese>[${CN_NUM}]+)(?=(?<unit2>${CN_MEASURE}))`,
  ].join('|'),
  'giu',
);

// "1." or "2、" at the start of a line numbers a list; it is layout, not a fact.
const LIST_MARKER = /^([ \t]*)(?:\d{1,2}[.、)）](?!\d)|[(（]\d{1,2}[)）])/gm;

function pad(n: string): string {
  return n.padStart(2, '0');
}

function shift(value: Decimal, places: number): string {
  return formatDecimal({ units: value.units, scale: value.scale + places });
}

const FRACTION_PLACES: Record<string, number> = { 百: 2, 千: 3, 万: 4 };

/** Every figure in the text, in order. */
export function figuresIn(text: string): Figure[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const flat = toHalfWidth(text).replace(LIST_MARKER, '$1').toLowerCase();
  const figures: Figure[] = [];
  for (const m of flat.matchAll(FIGURE)) {
    const g = m.groups ?? {};
    const raw = m[0].trim();
    if (g.link) figures.push({ key: `link:${g.link.replace(/[.]+$/, '')}`, raw });
    else if (g.ymd)
      figures.push({ key: `date:${g.y1}-${pad(g.m1 ?? '')}-${pad(g.d1 ?? '')}`, raw });
    else if (g.ym) figures.push({ key: `month:${g.y2}-${pad(g.m2 ?? '')}`, raw });
    else if (g.md) figures.push({ key: `day:${pad(g.m3 ?? '')}-${pad(g.d3 ?? '')}`, raw });
    else if (g.year) figures.push({ key: `year:${g.y4}`, raw });
    else if (g.clock) figures.push({ key: `time:${Number(g.h1)}:${g.min1}`, raw });
    else if (g.oclock) {
      const minutes = g.half ? '30' : pad(g.min2 ?? '0');
      figures.push({ key: `time:${Number(g.h2)}:${minutes}`, raw });
    } else if (g.code) figures.push({ key: `code:${g.code.toUpperCase()}`, raw });
    else if (g.fraction) {
      const value = parseMixedNumber(g.num ?? '');
      if (value)
        figures.push({ key: `ratio:${shift(value, FRACTION_PLACES[g.den ?? ''] ?? 0)}`, raw });
    } else if (g.arabic) {
      const value = parseMixedNumber(g.arabic);
      if (!value) continue;
      const places = g.unit1 === '%' ? 2 : g.unit1 === '‰' ? 3 : -1;
      figures.push({
        key: places < 0 ? `number:${formatDecimal(value)}` : `ratio:${shift(value, places)}`,
        raw,
      });
    } else if (g.chinese) {
      const value = parseMixedNumber(g.chinese);
      if (!value) continue;
      figures.push({
        key: g.unit2 === '%' ? `ratio:${shift(value, 2)}` : `number:${formatDecimal(value)}`,
        raw,
      });
    }
  }
  return figures;
}

/** What a passage vouches for: its figures, plus the parts of its dates (a year, a month-day). */
function vouched(evidence: readonly string[]): { keys: Set<string>; text: string } {
  const keys = new Set<string>();
  for (const passage of evidence) {
    for (const { key } of figuresIn(passage)) {
      keys.add(key);
      const date = /^date:(\d{4})-(\d{2})-(\d{2})$/.exec(key);
      if (date) {
        keys.add(`month:${date[1]}-${date[2]}`);
        keys.add(`day:${date[2]}-${date[3]}`);
        keys.add(`year:${date[1]}`);
      }
      const month = /^month:(\d{4})-/.exec(key);
      if (month) keys.add(`year:${month[1]}`);
    }
  }
  for (const key of [...keys]) {
    const year = /^year:(\d{4})$/.exec(key);
    if (year) keys.add(`number:${year[1]}`);
  }
  return { keys, text: toHalfWidth(evidence.join('\n')).toLowerCase() };
}

/**
 * ok when every figure of `answer` is vouched for by `evidence`; otherwise the figures that are
 * not, so a reviewer sees what the model made up.
 */
export function checkGrounded(answer: string, evidence: readonly string[]): ComplianceCheck {
  const figures = figuresIn(answer);
  if (figures.length === 0) return { ok: true };
  const { keys, text } = vouched(evidence);
  const missing: string[] = [];
  for (const figure of figures) {
    if (keys.has(figure.key)) continue;
    // A plain number may stand for a year the passage wrote as one (2023 -> 2023年).
    if (figure.key.startsWith('number:') && keys.has(`year:${figure.key.slice(7)}`)) continue;
    if (figure.key.startsWith('link:') && text.includes(figure.key.slice(5))) continue;
    if (!missing.includes(figure.raw)) missing.push(figure.raw);
  }
  return missing.length === 0
    ? { ok: true }
    : {
        ok: false,
        reasons: [`依据中没有的数字或日期：${missing.map((f) => `「${f}」`).join('')}`],
      };
}
