// Phone numbers as customers of a mainland brokerage give them: mobiles (13x-19x, with or without
// +86), landlines with their area code (and an extension), Hong Kong, Macau and Taiwan numbers
// with their country code. Stored in one readable form that mask_phone can mask.

export type PhoneKind = 'mobile' | 'landline' | 'hk' | 'macau' | 'taiwan';

export interface PhoneNumber {
  kind: PhoneKind;
  /** 13812345678 | 010-62345678 | 0755-88886666转123 | +852 91234567 | +886 912345678 */
  value: string;
}

// 转123 / 分机123 / ext 123 after the number.
const EXTENSION = /(?:转|分机|ext\.?|x)\s*(\d{1,6})\s*$/iu;
// Separators customers put inside a number: spaces, dashes, dots; brackets around an area code.
const INNER_SEPARATORS = /(?<=[\d+])[\s\-–—.·]+(?=\d)/gu;
const BRACKETS = /[()（）[\]【】]/gu;

/** The only phone number in the message, or null when there is none or more than one. */
export function parsePhone(input: string): PhoneNumber | null {
  const found = parseOne(input);
  if (found) return found;
  // 010-62345678-8001: a dash before a short last group is an extension too.
  const dashed = /^(.*\d{7,8})\s*[-–—]\s*(\d{1,5})\s*$/u.exec(input.normalize('NFKC').trim());
  if (!dashed?.[1] || !dashed[2]) return null;
  const landline = parseOne(dashed[1]);
  return landline?.kind === 'landline'
    ? { ...landline, value: `${landline.value}转${dashed[2]}` }
    : null;
}

function parseOne(input: string): PhoneNumber | null {
  let text = input.normalize('NFKC').trim();
  let extension = '';
  const ext = EXTENSION.exec(text);
  if (ext?.[1]) {
    extension = ext[1];
    text = text.slice(0, ext.index);
  }
  text = text.replace(BRACKETS, ' ').replace(INNER_SEPARATORS, '');
  const candidates = text.match(/\+?\d{7,}/g) ?? [];
  if (candidates.length !== 1) return null;
  const found = classify(candidates[0] as string);
  if (!found) return null;
  if (extension) {
    if (found.kind !== 'landline') return null;
    return { ...found, value: `${found.value}转${extension}` };
  }
  return found;
}

function classify(raw: string): PhoneNumber | null {
  // 0086 / +86 / 86 in front of a mainland number; 00852 etc. for the others.
  const digits = raw.replace(/^\+/, '').replace(/^00(?=8[5-8])/, '');
  const international = raw.startsWith('+') || raw.startsWith('00') || digits !== raw;
  let m: RegExpExecArray | null;
  if ((m = /^(?:86)?(1[3-9]\d{9})$/.exec(digits))) return { kind: 'mobile', value: m[1] ?? '' };
  if ((m = /^0(10|2\d|[3-9]\d{2})([2-9]\d{6,7})$/.exec(digits))) return landline(m);
  if ((m = /^860?(10|2\d|[3-9]\d{2})([2-9]\d{6,7})$/.exec(digits))) return landline(m);
  if ((m = /^852([2-9]\d{7})$/.exec(digits))) return { kind: 'hk', value: `+852 ${m[1]}` };
  if ((m = /^853((?:6\d|28)\d{6})$/.exec(digits))) return { kind: 'macau', value: `+853 ${m[1]}` };
  if ((m = /^886(9\d{8}|[2-8]\d{7,8})$/.exec(digits)))
    return { kind: 'taiwan', value: `+886 ${m[1]}` };
  // A Taiwan mobile written the local way: 0912345678 (no mainland number has this shape).
  if (!international && (m = /^0(9\d{8})$/.exec(digits)))
    return { kind: 'taiwan', value: `+886 ${m[1]}` };
  return null;
}

function landline(m: RegExpExecArray): PhoneNumber | null {
  const area = m[1] ?? '';
  const local = m[2] ?? '';
  // Beijing, Shanghai, Guangzhou... (010, 02x) have 8-digit local numbers; others 7 or 8.
  if (area.length === 2 && local.length !== 8) return null;
  return { kind: 'landline', value: `0${area}-${local}` };
}
