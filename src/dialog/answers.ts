// How customers say the common answers of a form (是 / 确认 / 没问题, 跳过 / 不方便, 在吗 / 人呢)
// and the test of a message against such phrases: traditional characters, particles and
// politeness around the phrases are fine, any other word is not ("不对" is not "对").
import { normalizeText } from '../nlu/normalize.ts';

/** Named phrase lists; a dialog file may add to them (`answers:`) and options refer to them. */
export type AnswerSets = Readonly<Record<string, readonly string[]>>;

/** The shared defaults every dialog starts from. */
export const DEFAULT_ANSWERS: AnswerSets = {
  yes: [
    '是',
    '是的',
    '对',
    '对的',
    '没错',
    '确认',
    '确定',
    '无误',
    '正确',
    '没问题',
    '没有问题',
    '都对',
    '提交',
    '可以',
    '好',
    '好的',
    '好滴',
    '行',
    '同意',
    '要',
    '需要',
    '嗯',
    '嗯嗯',
    '恩',
    '就这样',
    'ok',
    'okay',
    'yes',
    'y',
    // Cantonese
    '啱',
    '啱嘅',
    '啱啱好',
    '係',
    '係呀',
    '係啊',
    '冇錯',
    '冇问题',
    '得',
    '得呀',
  ],
  no: [
    '否',
    '不',
    '不是',
    '不对',
    '不要',
    '不用',
    '不需要',
    '不必',
    '没有',
    '没',
    'no',
    'n',
    '唔係',
    '唔啱',
    '唔要',
    '唔使',
    '唔需要',
  ],
  // Said instead of a value for an optional question.
  skip: [
    '跳过',
    '略过',
    '不方便',
    '不方便提供',
    '不方便说',
    '不方便透露',
    '不想说',
    '不想提供',
    '不想给',
    '不提供',
    '暂不提供',
    '不告诉你',
    '不给',
    '不记得',
    '记不得',
    '记不清',
    '忘了',
    '忘记了',
    '不知道',
    '不清楚',
    '没有',
    '无',
    '没',
    'skip',
  ],
  // Never the answer to a free-text question: calling for attention, greetings, acknowledgements.
  filler: [
    '在吗',
    '在不在',
    '还在吗',
    '有人吗',
    '有人在吗',
    '人呢',
    '怎么不回',
    '怎么不回复',
    '怎么还不回',
    '怎么没人回',
    '怎么没人理',
    '没人理',
    '回复一下',
    '快点',
    '快回',
    '等着呢',
    '喂',
    '你好',
    '您好',
    'hello',
    'hi',
    '嗯',
    '哦',
    '好',
    '好的',
    '收到',
    '知道了',
    'ok',
  ],
};

// Words around an answer that do not change it: particles, politeness, "我"/"那就".
const PADDING = [
  '了',
  '的',
  '吧',
  '啊',
  '呀',
  '哈',
  '呢',
  '哦',
  '嘛',
  '啦',
  '噢',
  '哟',
  '呗',
  '哇',
  '喔',
  '诶',
  '哎',
  '谢谢',
  '谢了',
  '多谢',
  '麻烦了',
  '麻烦你了',
  '辛苦了',
  '请',
  '您',
  '我',
  '就',
  '那',
  '那就',
  '这样',
];

const CJK_RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/gu;

/**
 * The message in simplified characters and half-width forms, punctuation kept (跳過 -> 跳过,
 * 上週一 -> 上周一, １３８ -> 138), so slot parsers see dates and numbers as typed.
 */
export function simplifiedScript(text: string): string {
  const known = recentScripts.get(text);
  if (known !== undefined) return known;
  const simplified = text.normalize('NFKC').replace(CJK_RUN, (run) => normalizeText(run) || run);
  if (recentScripts.size >= 16) recentScripts.delete(recentScripts.keys().next().value as string);
  recentScripts.set(text, simplified);
  return simplified;
}
const recentScripts = new Map<string, string>();

// One message is compared with many phrase lists in a turn: its last few keys are kept.
const recentKeys = new Map<string, string>();

/** The canonical form phrases are compared in: simplified, lower case, no punctuation or spaces. */
export function answerKey(text: string): string {
  const known = recentKeys.get(text);
  if (known !== undefined) return known;
  const key = normalizeText(text).replace(/\s+/g, '');
  if (recentKeys.size >= 16) recentKeys.delete(recentKeys.keys().next().value as string);
  recentKeys.set(text, key);
  return key;
}

// Phrases come from content and repeat every turn: their canonical form is worked out once.
const phraseKeys = new Map<string, string>();
/** answerKey of a phrase or label from content (kept: content is finite). */
export function phraseKey(phrase: string): string {
  let key = phraseKeys.get(phrase);
  if (key === undefined) {
    key = answerKey(phrase);
    if (phraseKeys.size < 20_000) phraseKeys.set(phrase, key);
  }
  return key;
}

/**
 * True when the whole message is made of phrases of `phrases` (at least one) and padding:
 * 确认无误 / 对的，没问题 / 好的谢谢 / 確認 are "yes"; 不对 / 对不对 / 确认一下金额 are not.
 */
export function saysOnly(text: string, phrases: readonly string[]): boolean {
  const key = answerKey(text);
  if (key === '' || key.length > 40) return false;
  const words = new Set(phrases.map(phraseKey).filter((p) => p !== ''));
  if (words.size === 0) return false;
  const padding = new Set(PADDING);
  const longest = Math.max(...[...words, ...padding].map((w) => w.length));
  // reach[i]: the prefix of length i splits into words; value: whether a phrase was used.
  const reach: (boolean | undefined)[] = [false];
  for (let i = 0; i < key.length; i++) {
    const before = reach[i];
    if (before === undefined) continue;
    for (let n = 1; n <= longest && i + n <= key.length; n++) {
      const piece = key.slice(i, i + n);
      const isPhrase = words.has(piece);
      if (!isPhrase && !padding.has(piece)) continue;
      reach[i + n] = (reach[i + n] ?? false) || before || isPhrase;
    }
  }
  return reach[key.length] === true;
}

/**
 * A short message that contains one of the phrases: 账号不方便给你 (不方便), 没有电话 (没有),
 * 就是不给 (不给). Two-character phrases count only in very short messages.
 */
export function mentions(text: string, phrases: readonly string[], maxLength = 12): boolean {
  const key = answerKey(text);
  if (key === '' || key.length > maxLength) return false;
  return phrases.some((p) => {
    const phrase = phraseKey(p);
    const long = phrase.length >= 3 || (phrase.length === 2 && key.length <= 6);
    return long && key.includes(phrase);
  });
}

/** Sets of a dialog: the defaults with the dialog's own additions. */
export function mergeAnswers(base: AnswerSets, extra: AnswerSets): AnswerSets {
  const merged: Record<string, readonly string[]> = { ...base };
  for (const [name, phrases] of Object.entries(extra)) {
    merged[name] = [...new Set([...(base[name] ?? []), ...phrases])];
  }
  return merged;
}
