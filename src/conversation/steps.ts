// 说得简单点，一步一步的: the answer just given, again, one short numbered line at a time. The
// facts stay the answer's own (no second wording to keep in step); only the layout changes, so
// an older customer can follow it with the app open.

/** Words asking for the last answer again in simpler steps. */
export const ASKS_FOR_STEPS =
  /简单(?:点|一点|些)|说简单|讲简单|一步一步|一步步|分步|慢(?:点|一点)说|说慢点|通俗(?:点|一点|些)|大白话|再说一遍|没看懂|看不懂你说的|听不懂你说的|太长了?看不懂|说清楚(?:点|一点)/u;

const CLOSERS = /^(?:以本公司规定为准|具体以[^。]*为准)$/u;

/**
 * `answer` as numbered steps: split at sentence and clause ends (。；;) and before 然后 / 再 /
 * 最后; lines that only qualify (以本公司规定为准) stay attached to the line before.
 */
export function asSteps(answer: string): string[] {
  const pieces = answer
    .replace(/\s*\n\s*/gu, '。')
    .split(/(?<=[。；;！!？?])|(?=然后|之后再|最后)/u)
    .map((p) => p.replace(/^[，,、\s]+/u, '').trim())
    .filter((p) => p.replace(/[。；;，,！!？?\s]/gu, '').length > 0);
  const lines: string[] = [];
  for (const piece of pieces.flatMap(atCommas)) {
    const bare = piece.replace(/[。；;，,]+$/u, '');
    const last = lines.length - 1;
    if (last >= 0 && (CLOSERS.test(bare) || bare.length <= 4))
      lines[last] = `${(lines[last] as string).replace(/[。；;]+$/u, '，')}${bare}。`;
    else lines.push(`${bare}。`);
  }
  return lines;
}

/** The steps as one message: 第1步 … on its own line each. */
export function renderSteps(answer: string): string {
  const steps = asSteps(answer);
  if (steps.length <= 1) return `简单来说：${steps[0] ?? answer}`;
  return ['好的，我分几步跟您说：', ...steps.map((s, i) => `第${i + 1}步，${s}`)].join('\n');
}

/** A long sentence at its commas, a lead-in (满足条件后, 如果是…的话) kept with what follows. */
function atCommas(sentence: string): string[] {
  if (sentence.length <= LONG_SENTENCE) return [sentence];
  const parts = sentence.split(/(?<=[，,])/u);
  const out: string[] = [];
  let carry = '';
  for (const part of parts) {
    const joined = carry + part;
    const bare = joined.replace(/[，,]$/u, '');
    if (bare.length <= 8 || /(?:后|时|前|的话|如果[^，,]*)$/u.test(bare)) carry = joined;
    else {
      out.push(joined.replace(/[，,]$/u, '。'));
      carry = '';
    }
  }
  if (carry) out.push(carry.replace(/[，,]$/u, '。'));
  return out;
}
const LONG_SENTENCE = 30;
