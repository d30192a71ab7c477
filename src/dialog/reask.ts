// Asking a question again the way a person would: after a side question, a refusal or an answer
// that did not fit, the customer already read the full prompt, so the bot asks in other, shorter
// words (the node's `reask`, else sentences built from its label), never the same paragraph twice.
import type { WaitingNode } from './types.ts';

const QUESTION_END = /[？?]$/u;
// The last sentence of a prompt that is a question (需要为您转接人工客服吗？).
const LAST_QUESTION = /[^。！!？?\n]*[？?]/gu;

/** The ways this question can be asked again, in the order they are used. */
export function reaskTexts(node: WaitingNode): string[] {
  const label = node.label;
  const derived = label
    ? node.kind === 'choice' || node.type === 'choice'
      ? [`请问${label}选哪一项？`, `${label}是下面哪一项呢？`]
      : [`还需要您提供${label}，方便告诉我吗？`, `${label}方便告诉我吗？`]
    : unlabelled(node);
  return [...node.reask, ...derived.filter((t) => !node.reask.includes(t))];
}

/** A question without a label is asked again by its prompt's last question sentence. */
function unlabelled(node: WaitingNode): string[] {
  const prompt = node.prompt[0] ?? '';
  const question = prompt.match(LAST_QUESTION)?.at(-1)?.trim();
  const asked = question && question !== prompt.trim() ? question : prompt;
  return [asked, `麻烦再回复一下：${asked}`];
}

/** The `n`th re-ask (0 first), cycling through the wordings. */
export function reaskText(node: WaitingNode, n: number): string {
  const texts = reaskTexts(node);
  return texts[n % texts.length] ?? node.prompt[0] ?? '';
}

/** Said before a re-ask when an answer did not fit (`again`: the reprompt was said already). */
export function notUnderstood(node: WaitingNode, again: boolean): string {
  const still = again ? '还是' : '';
  if (node.kind === 'choice' || node.type === 'choice' || node.type === 'yes_no')
    return `抱歉，${still}没能确认您选的是哪一项。`;
  if (node.type === 'text') return again ? '抱歉，我还需要多一点信息。' : '';
  return `抱歉，${still}没能识别${node.label ? `您的${node.label}` : '您的回复'}。`;
}

/** Whether a text reads as a question (ends with ？, a bracketed aside after it allowed). */
export function readsAsQuestion(text: string): boolean {
  const trimmed = text
    .trim()
    .replace(/[（(][^（）()]*[）)]$/u, '')
    .trim();
  return QUESTION_END.test(trimmed);
}
