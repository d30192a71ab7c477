// Masking on generated personal data (test/support/pii-generators.ts): every mobile prefix in use,
// landlines, HK / Macau / Taiwan phones, IDs with right and wrong check characters, old IDs, cards
// with and without Luhn, fund accounts, in every layout, inside sentences with no hint word. The
// expected text is the masking convention applied by the generator, so a pattern that stops
// recognising a kind (say 19x mobiles) shows up as the wrong digits kept, not just as "masked".
import { describe, expect, it } from 'vitest';
import { maskPersonalData, maskPhone } from '../../src/compliance/index.ts';
import { detectPhones } from '../../src/nlu/entities/personal.ts';
import {
  bankCard,
  fundAccount,
  generatorSeed,
  hongKongOrMacauPhone,
  idNumber,
  inSentence,
  landlineNumber,
  MOBILE_PREFIXES,
  mobileNumber,
  oldIdNumber,
  personalNumbers,
  seededRandom,
  taiwanPhone,
  type PiiSample,
} from '../support/pii-generators.ts';

const NOW = new Date('2026-11-23T02:00:00Z');
const SEED = generatorSeed();
const mask = (text: string): string => maskPersonalData(text, NOW);

function expectMasked(sample: PiiSample, sentence: { text: string; masked: string }): void {
  const why = `${sample.label} in "${sentence.text}" (GENERATOR_SEED=${SEED})`;
  const masked = mask(sentence.text);
  expect(masked, why).toBe(sentence.masked);
  expect(masked.replace(/[^0-9Xx]/g, ''), why).not.toContain(sample.digits);
}

describe(`masking generated personal data (GENERATOR_SEED=${SEED})`, () => {
  it('masks a mobile of every prefix in use, keeping exactly the first 3 and last 4 digits', () => {
    const random = seededRandom(SEED);
    for (const prefix of MOBILE_PREFIXES) {
      for (const layout of ['plain', 'spaced', 'dashed', 'full-width'] as const) {
        const phone = mobileNumber(random, { prefix, layout });
        expectMasked(phone, inSentence(random, phone));
        expect(maskPhone(phone.text), phone.label).toBe(phone.masked);
      }
      const international = mobileNumber(random, { prefix, countryCode: true });
      expectMasked(international, inSentence(random, international));
    }
  });

  it('finds a mobile of every prefix in use as a phone entity, not as some other number', () => {
    const random = seededRandom(SEED + 1);
    for (const prefix of MOBILE_PREFIXES) {
      const phone = mobileNumber(random, { prefix, layout: 'plain' });
      const found = detectPhones(`麻烦回个电话${phone.text}谢谢`);
      expect(
        found.map((c) => c.normalized),
        phone.label,
      ).toEqual([phone.digits]);
    }
  });

  it('masks landlines with their area code kept, extensions included', () => {
    const random = seededRandom(SEED + 2);
    for (let i = 0; i < 80; i++) {
      const phone = landlineNumber(random, { extension: i % 2 === 0 });
      expectMasked(phone, inSentence(random, phone));
    }
  });

  it('masks Hong Kong, Macau and Taiwan phones, keeping the country code and the last digits', () => {
    const random = seededRandom(SEED + 3);
    for (let i = 0; i < 40; i++) {
      for (const phone of [
        hongKongOrMacauPhone(random, 'hk'),
        hongKongOrMacauPhone(random, 'macau'),
        taiwanPhone(random),
      ]) {
        expectMasked(phone, inSentence(random, phone));
      }
    }
  });

  it('masks resident IDs with a right or wrong check character, X included, and old 15-digit IDs', () => {
    const random = seededRandom(SEED + 4);
    for (let i = 0; i < 40; i++) {
      for (const id of [
        idNumber(random, { check: 'valid' }),
        idNumber(random, { check: 'wrong' }),
        idNumber(random, { checkX: true }),
        idNumber(random, { checkX: true, layout: 'full-width' }),
        oldIdNumber(random),
      ]) {
        expectMasked(id, inSentence(random, id));
      }
    }
  });

  it('masks bank cards of 16 to 19 digits whether or not the Luhn digit is right', () => {
    const random = seededRandom(SEED + 5);
    for (const length of [16, 17, 18, 19]) {
      for (const luhn of [true, false]) {
        for (const layout of ['plain', 'spaced', 'dashed', 'full-width'] as const) {
          const card = bankCard(random, { length, luhn, layout });
          expectMasked(card, inSentence(random, card));
        }
      }
    }
  });

  it('masks bare fund accounts, keeping only the last 4', () => {
    const random = seededRandom(SEED + 6);
    for (let i = 0; i < 60; i++) {
      const account = fundAccount(random);
      expectMasked(account, inSentence(random, account));
    }
  });

  it('masks two different numbers in one message independently', () => {
    const random = seededRandom(SEED + 7);
    const samples = personalNumbers(random, 3);
    for (let i = 0; i + 1 < samples.length; i++) {
      const [a, b] = [samples[i]!, samples[i + 1]!];
      const text = `第一个是${a.text}，还有${b.text}。`;
      expect(mask(text), `${a.label} + ${b.label}`).toBe(`第一个是${a.masked}，还有${b.masked}。`);
    }
  });
});
