// Exact decimal arithmetic and Chinese/Arabic numeral parsing (1.5亿, 两万三千, 一万五, 1万5千).

/** value = units / 10^scale, exact for amounts of any size. */
export interface Decimal {
  units: bigint;
  scale: number;
}

export function parseDecimal(text: string): Decimal {
  const clean = text.replace(/,/g, '');
  if (!/^[0-9]+(?:\.[0-9]+)?$/.test(clean)) throw new RangeError(`not a decimal: ${text}`);
  const [whole = '0', frac = ''] = clean.split('.');
  return { units: BigInt(whole + frac), scale: frac.length };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [
    a.units * 10n ** BigInt(scale - a.scale),
    b.units * 10n ** BigInt(scale - b.scale),
    scale,
  ];
}

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  return { units: x + y, scale };
}

export function scaleDecimal(a: Decimal, multiplier: number): Decimal {
  return { units: a.units * BigInt(multiplier), scale: a.scale };
}

/** Shortest plain decimal string: 1000.50 -> '1000.5', 2e4 -> '20000'. */
export function formatDecimal(a: Decimal): string {
  let units = a.units;
  let scale = a.scale;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale--;
  }
  const digits = units.toString().padStart(scale + 1, '0');
  return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

const CN_DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  壹: 1,
  二: 2,
  贰: 2,
  两: 2,
  三: 3,
  叁: 3,
  四: 4,
  肆: 4,
  五: 5,
  伍: 5,
  六: 6,
  陆: 6,
  七: 7,
  柒: 7,
  八: 8,
  捌: 8,
  九: 9,
  玖: 9,
};
const SMALL_UNITS: Record<string, number> = {
  十: 10,
  拾: 10,
  百: 100,
  佰: 100,
  千: 1000,
  仟: 1000,
};
const BIG_UNITS: Record<string, number> = { 万: 10_000, 亿: 100_000_000 };

export const CN_DIGIT_CHARS = Object.keys(CN_DIGITS).join('');
export const CN_UNIT_CHARS = [...Object.keys(SMALL_UNITS), ...Object.keys(BIG_UNITS)].join('');

const TOKEN = /[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?|[^0-9]/g;
const ZERO: Decimal = { units: 0n, scale: 0 };

/**
 * Parses a numeral mixing Arabic and Chinese forms. Returns undefined for text that is not a number.
 * A trailing bare digit after a unit is the colloquial short form: 一万五 = 15000, 三千五 = 3500.
 */
export function parseMixedNumber(text: string): Decimal | undefined {
  let yi = ZERO;
  let wan = ZERO;
  let section = ZERO;
  let current: Decimal | undefined;
  let currentIsCnDigit = false;
  let lastUnit = 0;
  let sawValue = false;
  for (const token of text.match(TOKEN) ?? []) {
    if (/^[0-9]/.test(token)) {
      if (current) return undefined;
      current = parseDecimal(token);
      currentIsCnDigit = false;
      sawValue = true;
      continue;
    }
    const digit = CN_DIGITS[token];
    if (digit !== undefined) {
      sawValue = true;
      if (digit === 0) {
        if (current && currentIsCnDigit) current = scaleDecimal(current, 10);
        else lastUnit = 0;
        continue;
      }
      // 二零二六 style digit strings read digit by digit.
      current =
        current && currentIsCnDigit
          ? addDecimal(scaleDecimal(current, 10), { units: BigInt(digit), scale: 0 })
          : { units: BigInt(digit), scale: 0 };
      currentIsCnDigit = true;
      continue;
    }
    const small = SMALL_UNITS[token];
    if (small !== undefined) {
      section = addDecimal(section, scaleDecimal(current ?? { units: 1n, scale: 0 }, small));
      current = undefined;
      lastUnit = small;
      sawValue = true;
      continue;
    }
    const big = BIG_UNITS[token];
    if (big !== undefined) {
      if (!sawValue) return undefined;
      const group = addDecimal(section, current ?? ZERO);
      if (big === 10_000) wan = addDecimal(wan, scaleDecimal(group, big));
      else {
        yi = scaleDecimal(addDecimal(addDecimal(yi, wan), group), big);
        wan = ZERO;
      }
      section = ZERO;
      current = undefined;
      lastUnit = big;
      continue;
    }
    return undefined;
  }
  if (!sawValue) return undefined;
  let tail = current ?? ZERO;
  if (current && lastUnit >= 100 && current.scale === 0 && current.units < 10n) {
    tail = scaleDecimal(current, lastUnit / 10);
  }
  return addDecimal(addDecimal(addDecimal(yi, wan), section), tail);
}

/** Small whole numbers written either way (hours, days): '十二' -> 12, '3' -> 3. */
export function parseSmallInteger(text: string): number | undefined {
  const value = parseMixedNumber(text);
  if (!value || value.scale !== 0) return undefined;
  return Number(value.units);
}
