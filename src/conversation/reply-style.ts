// How the bot's replies sound in this conversation: one greeting, not a 您好 on every turn; an
// acknowledgement for a frustrated or struggling customer, with a person offered early; the
// custody reassurance first for a customer worried about their money; the customer's script.
import type { OutboundMessage, QuickReply } from '../core/message.ts';
import type { FirmSettings } from '../content/types.ts';
import { renderTemplate } from '../content/render.ts';
import type { ConversationContext } from './context.ts';
import { bigrams } from './gist.ts';
import { inScript } from './script.ts';
import type { ToneCues } from './tone.ts';

/** What a turn's replies are adjusted for, decided once per turn. */
export interface ReplyStyle {
  /** Said before the first reply of the turn (acknowledgement, reassurance). */
  lead: string;
  /** Added after the turn's answers (hotline, branch or a person offered). */
  tail: string;
  /** A button for a human agent goes with the tail. */
  offerHuman: boolean;
  greet: boolean;
}

const FRUSTRATED_LEADS = [
  '非常抱歉让您着急了，我马上帮您看。',
  '实在抱歉给您添麻烦了，我尽快帮您解决。',
  '理解您的心情，给您带来不便真的很抱歉。',
];
const ELDERLY_LEADS = [
  '您别着急，我慢慢跟您说。',
  '别着急，我一步一步跟您讲。',
  '您慢慢来，有不明白的随时问我。',
];
const ELDERLY_TAIL =
  '如果手机上操作不方便，您可以拨打客服热线{firm.hotline}，客服会一步一步帮您；也可以带上身份证到就近营业部办理，或回复「转人工」由人工客服协助。';
const FRUSTRATED_TAIL = '如需人工客服协助，回复「转人工」即可，也可以拨打客服热线{firm.hotline}。';
// Said when they call for a person (人呢): the same way, in words not said a moment ago.
const CALLED_TAIL =
  '您是想找人工客服吧？回复「转人工」我马上为您转接，也可以直接拨打热线{firm.hotline}。';
// 《证券法》第131条: client funds are held in the client's name at a commercial bank.
const CUSTODY_REASSURANCE =
  '请您放心：您的交易结算资金存放在第三方存管银行，以您本人名义单独立户管理，证券公司不得挪用，也不属于证券公司的破产财产。';

/** Turns between two courtesy offers of the hotline or a person, so it is not said every time. */
const OFFER_EVERY_TURNS = 3;

export function styleFor(
  context: ConversationContext,
  tone: ToneCues,
  firm: FirmSettings,
): ReplyStyle {
  const leads: string[] = [];
  let tail = '';
  let offerHuman = false;
  const dueOffer = context.turn - context.offeredHelpTurn >= OFFER_EVERY_TURNS;
  // An older customer who is lost (我老了搞不懂…到底是干啥的) needs calm steps more than an apology.
  if (tone.frustrated && !tone.elderly) {
    leads.push(rotate(FRUSTRATED_LEADS, context.turn));
    // 怎么还没成交 人呢？: asked for a person, they are told the way to one even if it was just said.
    if (dueOffer || tone.callsForPerson) {
      tail = renderTemplate(tone.callsForPerson ? CALLED_TAIL : FRUSTRATED_TAIL, firm);
      offerHuman = true;
    }
  } else if (tone.elderly || (context.elderly && dueOffer)) {
    if (tone.elderly) leads.push(rotate(ELDERLY_LEADS, context.turn));
    // 我记不住这么多步骤 says the way offered is not working for them: the other ways again.
    if (dueOffer || tone.elderly) {
      tail = renderTemplate(ELDERLY_TAIL, firm);
      offerHuman = true;
    }
  }
  if (tone.worried) leads.push(CUSTODY_REASSURANCE);
  return { lead: leads.join(''), tail, offerHuman, greet: !context.greeted };
}

function rotate(options: readonly string[], turn: number): string {
  return options[turn % options.length] as string;
}

const HELLO = /^(?:您好|你好)[，,！!。\s]*/u;

/**
 * The turn's replies with the style applied: the lead before the first bot reply (skipping what it
 * already says), one greeting per conversation, the tail (and a human button) after the last.
 */
export function applyStyle(
  replies: OutboundMessage[],
  style: ReplyStyle,
  humanReply: QuickReply,
  /** A label that must stay first where a reply carries it (the AI-content label). */
  label?: string,
): OutboundMessage[] {
  const out = replies.map((r) => ({ ...r }));
  // The agent speaks for themselves; the bot's and the system's messages carry the style.
  const firstBot = out.findIndex((r) => r.from !== 'agent');
  if (firstBot >= 0) {
    const first = out[firstBot] as OutboundMessage;
    const head =
      label && first.text.startsWith(label) ? (/^\S+\s*/u.exec(first.text)?.[0] ?? '') : '';
    let text = first.text.slice(head.length).replace(HELLO, '');
    const lead = style.lead
      .split(/(?<=。)/u)
      .filter((sentence) => sentence && !alreadySays(text, sentence))
      .join('');
    text = `${lead}${text}`;
    if (style.greet) text = `您好，${text}`;
    out[firstBot] = { ...first, text: `${head}${text}` };
  }
  for (let i = 0; i < out.length; i++) {
    if (i === firstBot) continue;
    const r = out[i] as OutboundMessage;
    if (r.from !== 'agent' && HELLO.test(r.text))
      out[i] = { ...r, text: r.text.replace(HELLO, '') };
  }
  if (style.tail && out.length > 0) {
    const lastAt = out.length - 1;
    const last = out[lastAt] as OutboundMessage;
    const buttons = last.type === 'choices' ? last.quickReplies : [];
    const hasHuman = buttons.some((q) => q.value === humanReply.value || q.label.includes('人工'));
    const quickReplies = style.offerHuman && !hasHuman ? [...buttons, humanReply] : buttons;
    const text = `${last.text}\n${style.tail}`;
    out[lastAt] =
      quickReplies.length > 0
        ? { type: 'choices', text, quickReplies, ...(last.from ? { from: last.from } : {}) }
        : { ...last, text };
  }
  return out;
}

/**
 * The reply already says what the lead sentence says (the custody reassurance before the answer
 * about whether client money is safe): most of the sentence's pairs of characters are in it.
 */
function alreadySays(text: string, sentence: string): boolean {
  if (text.includes(sentence.slice(0, 12))) return true;
  const own = [...bigrams(sentence)];
  if (own.length === 0) return false;
  const said = bigrams(text);
  return own.filter((p) => said.has(p)).length / own.length >= 0.4;
}

/** A reply in the customer's script: its text and the labels of its buttons. */
export function replyInScript(
  message: OutboundMessage,
  script: ConversationContext['script'],
): OutboundMessage {
  if (script === 'simplified') return message;
  if (message.type === 'choices')
    return {
      ...message,
      text: inScript(message.text, script),
      quickReplies: message.quickReplies.map((q) => ({ ...q, label: inScript(q.label, script) })),
    };
  return { ...message, text: inScript(message.text, script) };
}
