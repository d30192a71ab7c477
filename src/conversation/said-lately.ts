// What the bot said in its last few turns, so a courtesy line (如需人工客服协助…, the advice refusal's
// offer) is not said again word for word a moment later. A good agent says such a line once; the
// answer itself, a question the bot asks and the risk disclosure are always said. Compared before
// the reply style and the customer's script are applied, so both turns are in the same form.
import type { OutboundMessage } from '../core/message.ts';

/** How many recent lines are remembered: about the last three turns (a turn says a handful). */
export const REMEMBERED = 12;

/** Said instead of an offer's repeated sentence: the buttons stay, the paragraph is not re-read. */
export const SHORT_OFFER = '也可以点选：';

function gist(text: string): string {
  return text.replace(/[\s，。、；：！？,.;:!?「」“”"']/gu, '');
}

const ASKS = /[？?]\s*$/u;

/**
 * This turn's message without the courtesy said word for word in the last turns: an offer keeps
 * its buttons under a short lead. What the caller must `keep` (the
 * turn's first message, a form's question), a message that asks something, an agent's words and
 * the texts in `always` (the risk disclosure) are kept as they are.
 */
export function unlessSaidBefore(
  message: OutboundMessage,
  saidBefore: readonly string[],
  keep: boolean,
  always: readonly string[] = [],
): OutboundMessage {
  if (keep || message.from === 'agent' || ASKS.test(message.text)) return message;
  const g = gist(message.text);
  if (!saidBefore.includes(g) || always.some((a) => gist(a) === g)) return message;
  // Only offers (a sentence with buttons) are courtesy; a text may be the answer to a new
  // question that happens to be the same (another stock's order rejected), and is said again.
  return message.type === 'choices' ? { ...message, text: SHORT_OFFER } : message;
}

/** The gists of what a turn said, to be compared with on the next one. */
export function saidGists(messages: readonly OutboundMessage[]): string[] {
  return messages
    .filter((m) => m.from !== 'agent')
    .map((m) => gist(m.text))
    .filter((g) => g.length > 0)
    .slice(-REMEMBERED);
}
