// Detectors for personal data: mainland mobile numbers, resident ID numbers, bank cards, e-mail.
import type { Candidate } from './resolve.ts';
import { RANK } from './resolve.ts';
import { digitsOnly } from './text.ts';

// Separators customers type inside long numbers: one space or dash between groups.
const SEP = '[ \\-]?';
// No digit may touch a number, so we never read part of a longer one. Neighbours across a space are
// allowed: two numbers in a row ("138 1234 5678 139 8765 4321") are both found.
const NO_DIGIT_BEFORE = '(?<![0-9])';
const NO_DIGIT_AFTER = '(?![0-9])';

const PHONE = new RegExp(
  `${NO_DIGIT_BEFORE}(?:(?:\\+|00)?86${SEP})?(1[3-9][0-9])(${SEP})([0-9]{4})\\2([0-9]{4})${NO_DIGIT_AFTER}`,
  'g',
);
const ID_CARD = new RegExp(
  `${NO_DIGIT_BEFORE}([1-9][0-9]{5})(${SEP})([0-9]{8})\\2([0-9]{3}[0-9Xx])${NO_DIGIT_AFTER}(?![A-Za-z])`,
  'g',
);
const BANK_CARD = new RegExp(
  `${NO_DIGIT_BEFORE}(?:[2-9][0-9]{3}(?:${SEP}[0-9]{4}){3}(?:${SEP}[0-9]{1,3})?|[2-9][0-9]{5}[ \\-][0-9]{10,13})${NO_DIGIT_AFTER}`,
  'g',
);
const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])/g;

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS = '10X98765432';

/** GB 11643-1999 check character over the first 17 digits. */
export function idNumberCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK_CHARS[sum % 11] ?? '';
}

/** A birth date YYYYMMDD that exists, is not in the future and not before 1900. */
export function isPlausibleBirthDate(yyyymmdd: string, now: Date = new Date()): boolean {
  if (!/^[0-9]{8}$/.test(yyyymmdd)) return false;
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
  return date.getTime() <= now.getTime() + 8 * 3600_000;
}

/** 18-character resident ID: digits, valid check character (X allowed), plausible birth date. */
export function isValidIdNumber(id: string, now: Date = new Date()): boolean {
  const value = id.toUpperCase();
  if (!/^[1-9][0-9]{16}[0-9X]$/.test(value)) return false;
  if (!isPlausibleBirthDate(value.slice(6, 14), now)) return false;
  return idNumberCheckChar(value.slice(0, 17)) === value[17];
}

/** Luhn (mod 10) check used by bank card numbers. */
export function passesLuhn(digits: string): boolean {
  if (!/^[0-9]{2,}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function isValidBankCard(card: string): boolean {
  const digits = card.replace(/[ -]/g, '');
  return /^[0-9]{16,19}$/.test(digits) && !/^(\d)\1+$/.test(digits) && passesLuhn(digits);
}

function candidate(
  type: Candidate['type'],
  text: string,
  match: RegExpExecArray,
  normalized: string,
  rank: number,
): Candidate {
  const start = match.index;
  const end = start + match[0].length;
  return { type, value: text.slice(start, end), start, end, normalized, rank };
}

/** `text` must already be half-width (see toHalfWidth); offsets are into it. */
export function detectPhones(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(PHONE)) {
    out.push(candidate('phone', text, m, `${m[1]}${m[3]}${m[4]}`, RANK.phone));
  }
  return out;
}

export function detectIdNumbers(text: string, now: Date = new Date()): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(ID_CARD)) {
    const id = digitsOnly(m[0]);
    if (isValidIdNumber(id, now)) out.push(candidate('id_card', text, m, id, RANK.id_card));
  }
  return out;
}

/**
 * ID-shaped numbers with a real birth date but a wrong check character: not an entity, but a
 * customer's mistyped ID is still personal data, so masking covers these too.
 */
export function detectIdLikeNumbers(text: string, now: Date = new Date()): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(ID_CARD)) {
    const id = digitsOnly(m[0]);
    if (isPlausibleBirthDate(id.slice(6, 14), now)) {
      out.push(candidate('id_card', text, m, id, RANK.id_card - 1));
    }
  }
  return out;
}

export function detectBankCards(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(BANK_CARD)) {
    if (isValidBankCard(m[0])) {
      out.push(candidate('bank_card', text, m, m[0].replace(/[ -]/g, ''), RANK.bank_card));
    }
  }
  return out;
}

export function detectEmails(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(EMAIL)) {
    out.push(candidate('email', text, m, m[0].toLowerCase(), RANK.email));
  }
  return out;
}

/** Every phone, valid ID, Luhn-valid card and e-mail in half-width `text`, unresolved. */
export function detectPersonalData(text: string, now: Date = new Date()): Candidate[] {
  if (!/[0-9@]/.test(text)) return [];
  return [
    ...detectEmails(text),
    ...detectIdNumbers(text, now),
    ...detectPhones(text),
    ...detectBankCards(text),
  ];
}
