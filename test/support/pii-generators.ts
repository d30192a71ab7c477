// Realistic personal data for masking tests: every current mainland mobile prefix, landlines with
// area codes and extensions, Hong Kong / Macau / Taiwan phones, resident IDs with right and wrong
// check characters (and X), old 15-digit IDs, bank cards with and without a valid Luhn digit, fund
// accounts; typed plain, spaced, dashed or in full-width digits, inside Chinese sentences that carry
// no hint word (no 卡号, 手机号 ...). Each sample says how it must look once masked, worked out
// here from the masking convention, not by calling the product. Seeded, so a failure names the
// seed and reproduces.

/** A small deterministic PRNG (mulberry32): the same seed gives the same samples everywhere. */
export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  digits(count: number): string;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new RangeError('pick from an empty list');
      return item;
    },
    digits: (count) => Array.from({ length: count }, () => String(int(0, 9))).join(''),
  };
}

/**
 * The seed for a generated test: GENERATOR_SEED reproduces a failure, otherwise a fixed default so
 * CI stays deterministic.
 */
export function generatorSeed(fallback = 20261128): number {
  const fromEnv = Number(process.env.GENERATOR_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : fallback;
}

/**
 * Mainland mobile prefixes in use (MIIT numbering plan, 2026): China Mobile, Unicom, Telecom,
 * Broadnet (192) and the virtual operators (162/165/167/170/171). 19x and 16x are the newest.
 */
export const MOBILE_PREFIXES: readonly string[] = [
  ...['130', '131', '132', '133', '134', '135', '136', '137', '138', '139'],
  ...['145', '146', '147', '148', '149'],
  ...['150', '151', '152', '153', '155', '156', '157', '158', '159'],
  ...['162', '165', '166', '167'],
  ...['170', '171', '172', '173', '175', '176', '177', '178'],
  ...['180', '181', '182', '183', '184', '185', '186', '187', '188', '189'],
  ...['190', '191', '192', '193', '195', '196', '197', '198', '199'],
];

/** Area codes of cities across the mainland: 3-digit (big cities) and 4-digit ones. */
export const AREA_CODES: readonly string[] = [
  ...['010', '020', '021', '022', '023', '024', '025', '027', '028', '029'],
  ...['0311', '0371', '0431', '0451', '0512', '0531', '0571', '0591', '0731', '0755', '0871'],
];

/** Province-level region codes that start resident IDs (first 6 digits: a real county). */
const ID_REGIONS: readonly string[] = [
  '110101',
  '120104',
  '310115',
  '320102',
  '330106',
  '350203',
  '420106',
  '440305',
  '500103',
  '510107',
  '610113',
  '650102',
];

/** Bank card BINs of Chinese issuers and UnionPay (the first 6 digits stay visible). */
const CARD_BINS: readonly string[] = [
  '622202', // ICBC
  '621700', // CCB
  '622848', // ABC
  '621661', // BOC
  '622588', // CMB
  '622260', // BoCom
  '625807', // UnionPay credit
  '436742', // CCB Visa
  '528933', // Mastercard
];

export type PiiKind =
  | 'mobile'
  | 'landline'
  | 'hk_phone'
  | 'macau_phone'
  | 'tw_phone'
  | 'id_number'
  | 'old_id_number'
  | 'bank_card'
  | 'fund_account';

export interface PiiSample {
  kind: PiiKind;
  /** What the customer typed, layout and digit forms included. */
  text: string;
  /** The same text as the masking convention shows it. */
  masked: string;
  /** Its digits (and a final X), half-width: what must never appear in clear. */
  digits: string;
  /** Why this sample, for failure messages: "mobile 193 spaced". */
  label: string;
}

const FULL_WIDTH_OFFSET = 0xfee0;
const HALF_DIGIT = /[0-9Xx]/;
const FULL_DIGIT = /[\uff10-\uff19\uff38\uff58]/;

/** 0-9 (and X) as full-width characters, the way Chinese input methods often type them. */
export function toFullWidthDigits(text: string): string {
  return text.replace(/[0-9X]/g, (c) => String.fromCharCode(c.charCodeAt(0) + FULL_WIDTH_OFFSET));
}

/**
 * The masking convention: the first `keepStart` and last `keepEnd` digits stay, every other digit
 * becomes '*', separators and digit widths stay where they were typed. Digits are counted from
 * `from` (a country code before it stays as well).
 */
export function expectedMask(text: string, keepStart: number, keepEnd: number, from = 0): string {
  const positions: number[] = [];
  for (let i = from; i < text.length; i++) {
    const c = text[i] ?? '';
    if (HALF_DIGIT.test(c) || FULL_DIGIT.test(c)) positions.push(i);
  }
  const hidden = new Set(positions.slice(keepStart, positions.length - keepEnd));
  return [...text].map((c, i) => (hidden.has(i) ? '*' : c)).join('');
}

function halfWidthDigits(text: string): string {
  return text
    .replace(/[\uff10-\uff19\uff38\uff58]/g, (c) =>
      String.fromCharCode(c.charCodeAt(0) - FULL_WIDTH_OFFSET),
    )
    .replace(/[^0-9Xx]/g, '')
    .toUpperCase();
}

type Layout = 'plain' | 'spaced' | 'dashed' | 'full-width';
const LAYOUTS: readonly Layout[] = ['plain', 'spaced', 'dashed', 'full-width'];

/** Joins digit groups the way `layout` says. */
function laidOut(groups: string[], layout: Layout): string {
  if (layout === 'spaced') return groups.join(' ');
  if (layout === 'dashed') return groups.join('-');
  const plain = groups.join('');
  return layout === 'full-width' ? toFullWidthDigits(plain) : plain;
}

/** Groups of 4 digits; a trailing 1 or 2 joins the group before (nobody types "6222 ... 1 23"). */
function groupsOfFour(digits: string): string[] {
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 4) {
    const group = digits.slice(i, i + 4);
    if (group.length < 3 && groups.length > 0) groups[groups.length - 1] += group;
    else groups.push(group);
  }
  return groups;
}

function sample(kind: PiiKind, text: string, masked: string, label: string): PiiSample {
  return { kind, text, masked, digits: halfWidthDigits(text), label: `${kind} ${label}` };
}

/** A mainland mobile: 3 + 4 + 4 digits; first 3 and last 4 stay ('193****5678'). */
export function mobileNumber(
  random: Random,
  options: { prefix?: string; layout?: Layout; countryCode?: boolean } = {},
): PiiSample {
  const prefix = options.prefix ?? random.pick(MOBILE_PREFIXES);
  const layout = options.layout ?? random.pick(LAYOUTS);
  const number = laidOut([prefix, random.digits(4), random.digits(4)], layout);
  if (options.countryCode) {
    const code = random.pick(['+86 ', '+86-', '0086 ', '+86']);
    const text = code + number;
    return sample(
      'mobile',
      text,
      expectedMask(text, 3, 4, code.length),
      `${code.trim()} ${prefix} ${layout}`,
    );
  }
  return sample('mobile', number, expectedMask(number, 3, 4), `${prefix} ${layout}`);
}

/**
 * A landline with its area code, sometimes in brackets or with an extension (转 / ext / -): the
 * area code and the number's last 4 stay, the extension is the firm's switchboard and stays too.
 */
export function landlineNumber(random: Random, options: { extension?: boolean } = {}): PiiSample {
  const area = random.pick(AREA_CODES);
  // Local numbers start 2-9; 3-digit area codes go with 8-digit numbers, 4-digit with 7 or 8.
  const local = String(random.int(2, 9)) + random.digits(area.length === 3 ? 7 : random.int(6, 7));
  const style = random.pick(['dash', 'space', 'bracket', 'plain'] as const);
  const head =
    style === 'bracket'
      ? `(${area})`
      : style === 'plain'
        ? area
        : `${area}${style === 'dash' ? '-' : ' '}`;
  const localText = style === 'space' ? `${local.slice(0, -4)} ${local.slice(-4)}` : local;
  const number = head + localText;
  const areaDigits = area.length;
  const masked = expectedMask(number, style === 'plain' ? Math.min(areaDigits, 4) : areaDigits, 4);
  if (!(options.extension ?? random.next() < 0.4)) {
    return sample('landline', number, masked, `${area} ${style}`);
  }
  const extension = random.pick(['转', '转', 'ext.', '-']) + random.digits(random.int(2, 3));
  return sample('landline', number + extension, masked + extension, `${area} ${style} extension`);
}

/** Hong Kong (+852, 8 digits) and Macau (+853, 8 digits): country code and last 4 stay. */
export function hongKongOrMacauPhone(random: Random, where: 'hk' | 'macau' = 'hk'): PiiSample {
  const code =
    where === 'hk' ? random.pick(['+852 ', '+852-', '00852 ']) : random.pick(['+853 ', '00853 ']);
  const first = where === 'hk' ? random.pick(['5', '6', '9']) : '6';
  const number = first + random.digits(3) + random.pick([' ', '']) + random.digits(4);
  const text = code + number;
  return sample(
    where === 'hk' ? 'hk_phone' : 'macau_phone',
    text,
    expectedMask(text, 0, 4, code.length),
    code.trim(),
  );
}

/** Taiwan mobiles: +886 9xx xxx xxx (country code and last 4 stay) or 09xx-xxx-xxx (4 + 3 stay). */
export function taiwanPhone(random: Random): PiiSample {
  const rest = [random.digits(2), random.digits(3), random.digits(3)];
  if (random.next() < 0.5) {
    const code = random.pick(['+886 ', '+886-']);
    const text = `${code}9${rest[0]} ${rest[1]} ${rest[2]}`;
    return sample('tw_phone', text, expectedMask(text, 0, 4, code.length), 'international');
  }
  const separator = random.pick(['-', ' ', '']);
  const text = `09${rest.join(separator)}`;
  return sample('tw_phone', text, expectedMask(text, 4, 3), `local "${separator}"`);
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643-1999 check character, computed here independently of src/nlu. */
export function idCheckCharacter(first17: string): string {
  const sum = ID_WEIGHTS.reduce((total, weight, i) => total + weight * Number(first17[i]), 0);
  return ID_CHECK[sum % 11] ?? '';
}

function birthDate(random: Random, earliest = 1940, latest = 2006): string {
  const year = random.int(earliest, latest);
  const month = random.int(1, 12);
  const day = random.int(1, 28);
  return `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
}

/**
 * An 18-character resident ID: region, birth date, sequence, check character. `check: 'wrong'`
 * gives a mistyped one (still personal data); `checkX` forces a first 17 whose check is X. First 6
 * and last 4 stay ('110101********123X').
 */
export function idNumber(
  random: Random,
  options: {
    check?: 'valid' | 'wrong';
    checkX?: boolean;
    layout?: 'plain' | 'spaced' | 'full-width';
  } = {},
): PiiSample {
  let first17 = '';
  let check = '';
  for (let tries = 0; tries < 200; tries++) {
    first17 = random.pick(ID_REGIONS) + birthDate(random) + random.digits(3);
    check = idCheckCharacter(first17);
    if (!options.checkX || check === 'X') break;
  }
  const wrong = options.check === 'wrong';
  if (wrong) {
    const others = [...ID_CHECK].filter((c) => c !== check);
    check = random.pick(others);
  }
  const id = first17 + check;
  const layout = options.layout ?? random.pick(['plain', 'plain', 'spaced', 'full-width'] as const);
  const text =
    layout === 'spaced'
      ? `${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}`
      : layout === 'full-width'
        ? toFullWidthDigits(id)
        : id;
  return sample(
    'id_number',
    text,
    expectedMask(text, 6, 4),
    `${wrong ? 'wrong' : 'valid'} check ${check} ${layout}`,
  );
}

/** The first-generation 15-digit ID (2-digit year, no check character): only the last 4 stay. */
export function oldIdNumber(random: Random): PiiSample {
  const text = random.pick(ID_REGIONS) + birthDate(random, 1940, 1999).slice(2) + random.digits(3);
  return sample('old_id_number', text, expectedMask(text, 0, 4), 'plain');
}

/** The Luhn check digit that makes `body` + digit pass, computed here independently. */
export function luhnCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/**
 * A bank card of 16-19 digits, with a valid Luhn digit or one off by a little (a mistyped or
 * made-up card is still masked): the issuer's first 6 and the last 4 stay.
 */
export function bankCard(
  random: Random,
  options: { luhn?: boolean; length?: number; layout?: Layout } = {},
): PiiSample {
  const length = options.length ?? random.int(16, 19);
  const body = random.pick(CARD_BINS) + random.digits(length - 7);
  const valid = luhnCheckDigit(body);
  const luhn = options.luhn ?? random.next() < 0.5;
  const check = luhn ? valid : String((Number(valid) + random.int(1, 9)) % 10);
  const card = body + check;
  const layout = options.layout ?? random.pick(LAYOUTS);
  // Groups of 4 as printed on cards; a 19-digit card may also be written 6 + 13 as on statements.
  const groups =
    length === 19 && random.next() < 0.3 ? [card.slice(0, 6), card.slice(6)] : groupsOfFour(card);
  const text = laidOut(groups, layout);
  return sample(
    'bank_card',
    text,
    expectedMask(text, 6, 4),
    `${length} digits ${luhn ? 'Luhn' : 'no Luhn'} ${layout}`,
  );
}

/**
 * A securities fund account (资金账号) typed bare: 10-12 digits, not starting with 0 or 1 (those
 * read as a landline or a mobile); only the last 4 stay.
 */
export function fundAccount(random: Random): PiiSample {
  const length = random.int(10, 12);
  const account = String(random.int(2, 9)) + random.digits(length - 1);
  const layout = random.pick(['plain', 'plain', 'full-width', 'spaced'] as const);
  const text =
    layout === 'spaced'
      ? groupsOfFour(account).join(' ')
      : layout === 'full-width'
        ? toFullWidthDigits(account)
        : account;
  // Service hotlines (400/800 + 7) are the firm's own and stay visible; never generate one.
  if (/^(400|800)/.test(account)) return fundAccount(random);
  return sample('fund_account', text, expectedMask(text, 0, 4), `${length} digits ${layout}`);
}

/**
 * Chinese sentences around a number with no word that says what it is (no 卡号, 手机号, 账号,
 * 身份证 ...): the number alone must be enough for masking. `{}` is where the number goes.
 */
export const PLAIN_SENTENCES: readonly string[] = [
  '{}',
  '麻烦帮我查一下{}，谢谢',
  '{}这个能用吗？',
  '昨天用{}登记的，到现在还没消息',
  '请回拨{}，我下午都在',
  '你们之前发给{}的短信我没收到',
  '我是张先生，{}，麻烦尽快处理',
  '核对一下：{}。',
  '{}，就是这个',
  '打{}一直没人接',
];

/** One sample of each kind, in a sentence picked by `random`, with what it must become. */
export function inSentence(random: Random, pii: PiiSample): { text: string; masked: string } {
  const sentence = random.pick(PLAIN_SENTENCES);
  return { text: sentence.replace('{}', pii.text), masked: sentence.replace('{}', pii.masked) };
}

/** Every kind of personal number, several layouts each: `count` samples per generator. */
export function personalNumbers(random: Random, count: number): PiiSample[] {
  const out: PiiSample[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      mobileNumber(random),
      mobileNumber(random, { countryCode: true }),
      landlineNumber(random),
      hongKongOrMacauPhone(random, 'hk'),
      hongKongOrMacauPhone(random, 'macau'),
      taiwanPhone(random),
      idNumber(random, { check: 'valid' }),
      idNumber(random, { check: 'wrong' }),
      idNumber(random, { checkX: true }),
      oldIdNumber(random),
      bankCard(random, { luhn: true }),
      bankCard(random, { luhn: false }),
      fundAccount(random),
    );
  }
  return out;
}
