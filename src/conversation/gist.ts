// The gist of an answer given a moment ago, for a customer who asks it again in other words
// (那个人还知道我的名字，我要不要报警 after the scam answer): the opening, and the sentence that
// speaks to the new words, so the recap answers what was asked this time.
import { normalizeText } from '../nlu/normalize.ts';

const MAX_GIST = 120;

function sentencesOf(text: string): string[] {
  return text.trim().match(/[^。！？!?]+[。！？!?]?/gu) ?? [];
}

/** Neighbouring pairs of characters (Han, letters, digits) of the normalised text. */
export function bigrams(text: string): Set<string> {
  const chars = [...normalizeText(text).replace(/[^\p{Script=Han}a-z0-9]/gu, '')];
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(`${chars[i]}${chars[i + 1]}`);
  return out;
}

/** Pairs of characters that say nothing about the subject. */
const EMPTY = new Set([
  '我要',
  '要不',
  '不要',
  '是不',
  '不是',
  '可以',
  '怎么',
  '什么',
  '现在',
  '您的',
  '我的',
]);

export function gistFor(answer: string, asked = ''): string {
  const sentences = sentencesOf(answer);
  let gist = '';
  for (const sentence of sentences) {
    if (gist && gist.length + sentence.length > MAX_GIST) break;
    gist += sentence;
  }
  if (!gist) return answer.trim();
  const wanted = [...bigrams(asked)].filter((b) => !EMPTY.has(b));
  if (wanted.length === 0) return gist;
  let best = '';
  let bestShared = 0;
  for (const sentence of sentences) {
    if (gist.includes(sentence)) continue;
    const own = bigrams(sentence);
    const shared = wanted.filter((b) => own.has(b)).length;
    if (shared > bestShared) {
      best = sentence;
      bestShared = shared;
    }
  }
  if (!best) return gist;
  // The sentence that answers the new words first, then as much of the opening as fits.
  const opening = sentencesOf(gist)[0] ?? '';
  return opening === best ? best : `${opening}${best}`;
}
