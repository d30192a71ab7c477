// Amounts of money in yuan: 5万, 50万元, 1,000.50, 1000块, 3千元, 两万, 十万块, 1.5亿, ￥200, 200元.
import { CN_DIGIT_CHARS, CN_UNIT_CHARS, formatDecimal, parseMixedNumber } from './numbers.ts';
import type { Candidate } from './resolve.ts';
import { RANK } from './resolve.ts';

const ARABIC = '[0-9]{1,3}(?:,[0-9]{3})+(?:\\.[0-9]+)?|[0-9]+(?:\\.[0-9]+)?';
const FIRST = `${ARABIC}|[${CN_DIGIT_CHARS}十拾]`;
const REST = `${ARABIC}|[${CN_DIGIT_CHARS}${CN_UNIT_CHARS}]`;
const MONEY = new RegExp(
  `(?<![0-9A-Za-z.,])(?<prefix>(?:人民币|RMB|CNY|[¥￥])[ ]?)?(?<amount>(?:${FIRST})(?:${REST})*)(?<suffix>[ ]?(?:块钱|元钱|元整|元|块|圆))?`,
  'gi',
);
// Units that make a bare number something other than yuan (shares, percent, dates, other currencies).
const NOT_YUAN_AFTER =
  /^[ ]?(?:[股手份只个人次张户%‰年月日号天周点时分秒岁倍位条家名级期]|美元|美金|港元|港币|欧元|日元|英镑)/;

/** `text` must be half-width. Bare numbers are not money: they need a currency mark, 千/万/亿 or 1,000 grouping. */
export function detectMoney(text: string): Candidate[] {
  if (!/[0-9一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾]/.test(text)) return [];
  const out: Candidate[] = [];
  for (const m of text.matchAll(MONEY)) {
    const { prefix, amount = '', suffix } = m.groups ?? {};
    const hasCurrency = Boolean(prefix || suffix);
    const end = m.index + m[0].length;
    if (!hasCurrency) {
      const grouped = /[0-9],[0-9]{3}/.test(amount);
      if (!grouped && !/[千仟万亿]/.test(amount)) continue;
      if (NOT_YUAN_AFTER.test(text.slice(end, end + 3))) continue;
    }
    const value = parseMixedNumber(amount);
    if (!value || value.units === 0n) continue;
    out.push({
      type: 'money',
      value: text.slice(m.index, end),
      start: m.index,
      end,
      normalized: formatDecimal(value),
      rank: RANK.money,
    });
  }
  return out;
}
