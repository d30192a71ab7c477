// The generators' own arithmetic, against published vectors, so a generator bug cannot make the
// masking tests agree with a product bug.
import { describe, expect, it } from 'vitest';
import {
  bankCard,
  expectedMask,
  idCheckCharacter,
  idNumber,
  luhnCheckDigit,
  MOBILE_PREFIXES,
  mobileNumber,
  personalNumbers,
  seededRandom,
  toFullWidthDigits,
} from './pii-generators.ts';

describe('PII generators', () => {
  it('compute ID check characters as GB 11643-1999 does', () => {
    // The standard's worked example, and one worked by hand: the weighted sum is 174, 174 mod 11
    // is 9, and position 9 of "10X98765432" is 3.
    expect(idCheckCharacter('11010519491231002')).toBe('X');
    expect(idCheckCharacter('11010119900307123')).toBe('3');
  });

  it('compute Luhn check digits as ISO/IEC 7812 does', () => {
    expect(luhnCheckDigit('411111111111111')).toBe('1');
    expect(luhnCheckDigit('7992739871')).toBe('3');
    expect(luhnCheckDigit('622202123456789012')).toBe('8');
  });

  it('cover every mainland mobile block in use, 16x, 17x and 19x included', () => {
    for (const prefix of ['162', '166', '170', '173', '190', '192', '193', '197', '199']) {
      expect(MOBILE_PREFIXES).toContain(prefix);
    }
    expect(new Set(MOBILE_PREFIXES).size).toBe(MOBILE_PREFIXES.length);
    expect(MOBILE_PREFIXES.every((p) => /^1[3-9][0-9]$/.test(p))).toBe(true);
  });

  it('make valid IDs valid, wrong ones wrong, and X when asked', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 50; i++) {
      const valid = idNumber(random, { check: 'valid', layout: 'plain' });
      expect(valid.digits.at(-1)).toBe(idCheckCharacter(valid.digits.slice(0, 17)));
      const wrong = idNumber(random, { check: 'wrong', layout: 'plain' });
      expect(wrong.digits.at(-1)).not.toBe(idCheckCharacter(wrong.digits.slice(0, 17)));
      expect(idNumber(random, { checkX: true, layout: 'plain' }).digits.at(-1)).toBe('X');
    }
  });

  it('make cards of the asked length, passing Luhn only when asked', () => {
    const random = seededRandom(8);
    for (const length of [16, 17, 18, 19]) {
      const good = bankCard(random, { length, luhn: true }).digits;
      const bad = bankCard(random, { length, luhn: false }).digits;
      expect(good).toHaveLength(length);
      expect(luhnCheckDigit(good.slice(0, -1))).toBe(good.at(-1));
      expect(luhnCheckDigit(bad.slice(0, -1))).not.toBe(bad.at(-1));
    }
  });

  it('state the mask convention, separators and full-width digits kept in place', () => {
    expect(expectedMask('193 1234 5678', 3, 4)).toBe('193 **** 5678');
    expect(expectedMask('+86 19912345678', 3, 4, 3)).toBe('+86 199****5678');
    expect(expectedMask(toFullWidthDigits('11010519491231002X'), 6, 4)).toBe(
      '１１０１０５********００２Ｘ',
    );
    expect(mobileNumber(seededRandom(1), { prefix: '199', layout: 'dashed' }).masked).toMatch(
      /^199-\*\*\*\*-[0-9]{4}$/,
    );
  });

  it('give the same samples for the same seed, and other samples for another', () => {
    const texts = (seed: number) => personalNumbers(seededRandom(seed), 2).map((s) => s.text);
    expect(texts(42)).toEqual(texts(42));
    expect(texts(42)).not.toEqual(texts(43));
  });
});
