// Numbers that identify a person although no word around them says so: long digit runs (any
// 16-19 digits are masked as a card, Luhn or not), bare account numbers, landlines, Hong Kong,
// Macau and Taiwan phones, and HK / Macau identity cards. Found in half-width text; masking keeps
// the layout the customer typed (spaces, dashes, full-width digits).

import { toHalfWidth } from '../nlu/entities/text.ts';

/** One stretch of text to mask and how; higher `rank` wins where stretches overlap. */
export interface MaskSpan {
  start: number;
  end: number;
  mask: (value: string) => string;
  rank: number;
}

const MASK = '*';

/**
 * Replaces digits (and a trailing ID 'X') in place, keeping the first `keepStart` and last `keepEnd`
 * of them; separators and full-width forms stay where the customer put them.
 */
export function maskDigitsInPlace(value: string, keepStart: number, keepEnd: number): string {
  const positions: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (/[0-9Xx\uff10-\uff19\uff38\uff58]/.test(value[i] ?? '')) positions.push(i);
  }
  let start = keepStart;
  let end = keepEnd;
  // Too short to show both ends safely: show at most the last half.
  if (positions.length <= keepStart + keepEnd) {
    start = 0;
    end = Math.min(keepEnd, Math.floor(positions.length / 2));
  }
  const chars = value.split('');
  for (const i of positions.slice(start, positions.length - end)) chars[i] = MASK;
  return chars.join('');
}

// Groups of at least 3 digits joined by one space or dash: how people type cards, phones and
// accounts. Dates ("2026-11-20") and times have shorter groups and stay out.
const DIGIT_RUN =
  /(?<![A-Za-z0-9.])(?:[A-Za-z](?=[0-9]))?[0-9]{3,}(?:[ -][0-9]{3,})*(?:[Xx](?![A-Za-z0-9]))?/g;
const AMOUNT_AFTER = /^\s?(?:[元块万千亿股手份张%‰]|美元|港元|港币|\.[0-9])/;
const CURRENCY_BEFORE = /(?:[¥￥$]|RMB|人民币)\s?$/i;

/** A plausible YYYYMMDD (1900-2099) typed as eight plain digits: a date, not an account. */
function looksLikeDate(digits: string): boolean {
  if (!/^(19|20)[0-9]{6}$/.test(digits)) return false;
  const month = Number(digits.slice(4, 6));
  const day = Number(digits.slice(6, 8));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** Business hotlines (400/800 numbers) are the firm's, not a customer's. */
function isServiceNumber(digits: string): boolean {
  return /^(400|800)[0-9]{7}$/.test(digits);
}

function digitRuns(half: string): MaskSpan[] {
  const spans: MaskSpan[] = [];
  for (const m of half.matchAll(DIGIT_RUN)) {
    const start = m.index;
    const end = start + m[0].length;
    const digits = m[0].replace(/[^0-9]/g, '');
    if (digits.length < 8) continue;
    if (AMOUNT_AFTER.test(half.slice(end, end + 3))) continue;
    if (CURRENCY_BEFORE.test(half.slice(Math.max(0, start - 4), start))) continue;
    if (m[0] === digits && digits.length === 8 && looksLikeDate(digits)) continue;
    if (isServiceNumber(digits)) continue;
    // 16 digits and more: card-like, the issuer's first 6 and the last 4 stay (Luhn or not);
    // shorter: a bare account or ID, only the last 4 stay.
    spans.push(
      digits.length >= 16
        ? { start, end, mask: (v) => maskDigitsInPlace(v, 6, 4), rank: 70 }
        : { start, end, mask: (v) => maskDigitsInPlace(v, 0, 4), rank: 5 },
    );
  }
  return spans;
}

// Mainland area codes: 010 and 02x have 3 digits, every other one 4 (0571, 0755), so a number
// typed without a separator still splits into area code and local number the right way.
const AREA_CODE = '0(?:10|2[0-9]|[3-9][0-9]{2})';
// The landline itself, without an extension: (021)12345678, 0755 8765 4321, 01087654321.
const LANDLINE_NUMBER = `(?:\\(${AREA_CODE}\\)|${AREA_CODE})[ -]?[2-9][0-9]{2,3}[ -]?[0-9]{4}`;
const LANDLINE = new RegExp(
  `(?<![0-9][ -]?)${LANDLINE_NUMBER}(?:[ -]?(?:转|ext\\.?|-)[ -]?[0-9]{1,5})?(?![ -]?[0-9])`,
  'gi',
);
const LANDLINE_START = new RegExp(`^${LANDLINE_NUMBER}`);
const AREA_CODE_START = new RegExp(`^\\(?(${AREA_CODE})`);
// A phone with a country code other than +86 (mainland mobiles have their own detector):
// +852 9123 4567 (Hong Kong), +853 6612 3456 (Macau), +886 912 345 678 (Taiwan), and others.
const INTERNATIONAL =
  /(?<![0-9A-Za-z][ -]?)(?:\+|00)(?!86)([1-9][0-9]{0,2})[ -]?(?:\([0-9]{1,4}\)[ -]?)?[0-9]{2,4}(?:[ -]?[0-9]{2,4}){1,3}(?![0-9])/g;
// Taiwan mobile written the local way: 0912-345-678, 0912 345 678, 0912345678.
const TAIWAN_MOBILE = /(?<![0-9][ -]?)09[0-9]{2}[ -]?[0-9]{3}[ -]?[0-9]{3}(?![ -]?[0-9])/g;
// Hong Kong identity card A123456(7) / AB1234567, Macau identity card 1234567(8).
const HK_MACAU_ID =
  /(?<![A-Za-z0-9])(?:[A-Z]{1,2}[0-9]{6}\(?[0-9A]\)?|[157][0-9]{6}\([0-9]\))(?![A-Za-z0-9])/g;

function spansOf(half: string, pattern: RegExp, rank: number, mask: (v: string) => string) {
  return [...half.matchAll(pattern)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    mask,
    rank,
  }));
}

/** Spans of every identifying number the context-free rules find in half-width `half`. */
export function identifyingNumbers(half: string): MaskSpan[] {
  if (!/[0-9]/.test(half)) return [];
  return [
    ...digitRuns(half),
    // Area or country code stays so agents see where the number is; the last 4 too. Ranks sit
    // between the detectors of src/nlu (ID 90, mobile 85, card 80) and an account word (40).
    ...spansOf(half, HK_MACAU_ID, 88, (v) => maskDigitsInPlace(v, 0, 1)),
    ...spansOf(half, INTERNATIONAL, 83, (v) => maskDigitsInPlace(v, countryCodeLength(v), 4)),
    ...spansOf(half, LANDLINE, 30, maskLandline),
    ...spansOf(half, TAIWAN_MOBILE, 30, (v) => maskDigitsInPlace(v, 4, 3)),
  ];
}

/**
 * Area code and the number's last 4 stay: '0571-****4321'. An extension is the firm's
 * switchboard, not the person, and stays as typed: '0571-****4321转802'.
 */
function maskLandline(value: string): string {
  const number = LANDLINE_START.exec(toHalfWidth(value))?.[0] ?? value;
  const area = AREA_CODE_START.exec(number)?.[1] ?? '';
  return (
    maskDigitsInPlace(value.slice(0, number.length), area.length, 4) + value.slice(number.length)
  );
}

function countryCodeLength(value: string): number {
  const digits = /^(?:\+|00)([0-9]{1,3})/.exec(value);
  return (value.startsWith('00') ? 2 : 0) + (digits?.[1]?.length ?? 0);
}
