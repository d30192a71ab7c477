// A small scripted ConversationGateway that behaves like the pipeline at the channel seam: it
// records every inbound message and writes customer and bot lines to the transcript.
import type { ConversationGateway } from '../../src/core/gateway.ts';
import type { InboundMessage, OutboundMessage } from '../../src/core/message.ts';
import type { TranscriptStore } from '../../src/store/types.ts';

export const GREETING = '您好，我是在线客服小助手，请问有什么可以帮您？';
export const ACCOUNT_QUESTION = '请问您想了解哪种开户方式？';
export const ONLINE_ANSWER =
  '线上开户：下载本公司手机App，准备好身份证和本人银行卡，按提示完成视频见证即可，具体以本公司规定为准。';

export class ScriptedGateway implements ConversationGateway {
  readonly received: InboundMessage[] = [];
  /** Set to make the next turns throw, as a broken pipeline would. */
  failWith: Error | null = null;

  constructor(private readonly transcripts: TranscriptStore) {}

  async handleInbound(message: InboundMessage): Promise<OutboundMessage[]> {
    this.received.push(message);
    if (this.failWith) throw this.failWith;
    const { content } = message;
    const said =
      content.kind === 'text' ? content.text : content.kind === 'choice' ? content.label : null;
    if (said !== null) await this.record(message, 'customer', said);
    const replies = this.reply(message);
    for (const reply of replies) {
      await this.record(
        message,
        'bot',
        reply.text,
        reply.type === 'choices' ? reply.quickReplies : undefined,
      );
    }
    return replies;
  }

  private reply(message: InboundMessage): OutboundMessage[] {
    const { content } = message;
    if (content.kind === 'event') return [{ type: 'text', text: GREETING }];
    if (content.kind === 'choice') {
      if (content.value === 'open_online') return [{ type: 'text', text: ONLINE_ANSWER }];
      return [
        { type: 'text', text: `营业部开户请携带身份证到就近营业部办理，具体以本公司规定为准。` },
      ];
    }
    if (content.kind === 'text' && content.text.includes('开户')) {
      return [
        {
          type: 'choices',
          text: ACCOUNT_QUESTION,
          quickReplies: [
            { label: '线上开户', value: 'open_online' },
            { label: '营业部开户', value: 'open_branch' },
          ],
        },
      ];
    }
    return [{ type: 'text', text: '对不起，我还在学习中，您可以问我开户相关的问题。' }];
  }

  private async record(
    message: InboundMessage,
    direction: 'customer' | 'bot',
    text: string,
    quickReplies?: { label: string; value: string }[],
  ): Promise<void> {
    await this.transcripts.append({
      conversationId: message.conversationId,
      at: new Date().toISOString(),
      channel: message.channel,
      direction,
      kind: 'message',
      text,
      ...(quickReplies ? { quickReplies } : {}),
    });
  }
}
