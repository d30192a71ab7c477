// The pipeline's stand-in for channel adapter tests: records what arrives and answers with a
// script, so a test sees exactly what the adapter delivered and how it renders the replies.
import type { ConversationGateway } from '../../src/core/gateway.ts';
import type { InboundMessage, OutboundMessage } from '../../src/core/message.ts';

/** One line naming what arrived: the text, `choice:<value>`, `media:<kind>` or `event:<name>`. */
export function summary(message: InboundMessage): string {
  const { content } = message;
  if (content.kind === 'text') return content.text;
  if (content.kind === 'choice') return `choice:${content.value}`;
  if (content.kind === 'media') return `media:${content.media}`;
  return `event:${content.event}`;
}

export function echo(message: InboundMessage): OutboundMessage[] {
  return [{ type: 'text', text: `您好，收到：${summary(message)}` }];
}

/** 开户 gets a two-option menu; anything else is echoed, so a picked option shows as choice:<value>. */
export function accountMenuOrEcho(message: InboundMessage): OutboundMessage[] {
  if (message.content.kind !== 'text' || message.content.text !== '开户') return echo(message);
  return [
    {
      type: 'choices',
      text: '请问您要办理哪种开户？',
      quickReplies: [
        { label: '个人开户', value: 'open_personal' },
        { label: '机构开户', value: 'open_institution' },
      ],
    },
  ];
}

export class EchoGateway implements ConversationGateway {
  readonly received: InboundMessage[] = [];
  /** Milliseconds each turn takes, to test what a channel does while the customer waits. */
  delayMs = 0;
  /** Make every turn throw, as a broken pipeline would. */
  fail = false;
  reply: (message: InboundMessage) => OutboundMessage[] = echo;

  async handleInbound(message: InboundMessage): Promise<OutboundMessage[]> {
    this.received.push(message);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.fail) throw new Error('pipeline down');
    return this.reply(message);
  }
}
