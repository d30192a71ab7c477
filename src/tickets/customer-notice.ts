// Tells a customer the result of their ticket on the channel they came from and asks for their
// verdict. Channels with a reply window (a WeChat Official Account may send customer-service
// messages only within 48 hours of the customer's last message) are checked first; when the
// window is closed or delivery fails, the ticket says a phone call is needed instead.
import type { ChannelOutlet, ConversationControl } from '../core/gateway.ts';
import type { ChannelId, OutboundMessage } from '../core/message.ts';
import type {
  ComplaintTicket,
  ConversationStateStore,
  TicketResultNotice,
  TranscriptStore,
} from '../store/types.ts';
import { maskPersonalData } from '../compliance/index.ts';

/** How long after the customer's last message a channel still lets the bot write first. */
export const REPLY_WINDOWS_MS: Partial<Record<ChannelId, number>> = {
  'wechat-mp': 48 * 3600_000,
};

export interface CustomerNoticeDeps {
  states: ConversationStateStore;
  transcripts: TranscriptStore;
  outlets: (channel: ChannelId) => ChannelOutlet | undefined;
  control: () => Pick<ConversationControl, 'askTicketFeedback'> | null;
  clock: () => Date;
  log: (message: string) => void;
  replyWindowsMs?: Partial<Record<ChannelId, number>>;
}

const KIND_TEXT = { complaint: '投诉', callback: '留言' } as const;

/** The result as the customer reads it: their ticket id, what was found and done. */
export function resultIntro(ticket: ComplaintTicket): OutboundMessage[] {
  const created = ticket.createdAt.slice(0, 10);
  return [
    {
      type: 'text',
      text:
        `您好，您于${created}提交的${KIND_TEXT[ticket.kind]}（工单号：${ticket.id}）已处理完毕。\n` +
        `处理结果：${ticket.result ?? ''}\n感谢您的耐心等待。`,
      from: 'system',
    },
  ];
}

export function createCustomerNotice(deps: CustomerNoticeDeps) {
  const windows = deps.replyWindowsMs ?? REPLY_WINDOWS_MS;

  async function lastCustomerMessageAt(conversationId: string): Promise<number | null> {
    const entries = await deps.transcripts.list(conversationId);
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const entry = entries[i]!;
      if (entry.direction === 'customer' && entry.kind === 'message') return Date.parse(entry.at);
    }
    return null;
  }

  function needsCall(reason: string): TicketResultNotice {
    return { at: deps.clock().toISOString(), outcome: 'phone_call_needed', reason };
  }

  return {
    /** Delivers the result and the feedback question; says how it went (never throws). */
    async tellResult(ticket: ComplaintTicket): Promise<TicketResultNotice> {
      try {
        const loaded = await deps.states.load(ticket.conversationId);
        if (!loaded) return needsCall('找不到客户的会话');
        const { state } = loaded;
        const outlet = deps.outlets(state.channel);
        if (!outlet) return needsCall('客户所在渠道未开通');
        const window = windows[state.channel];
        if (window !== undefined) {
          const last = await lastCustomerMessageAt(ticket.conversationId);
          if (last === null || deps.clock().getTime() - last > window) {
            return needsCall(
              `客户最后一条消息已超过${Math.round(window / 3600_000)}小时，平台不允许主动发消息`,
            );
          }
        }
        const control = deps.control();
        if (!control?.askTicketFeedback) return needsCall('会话服务未就绪');
        const messages = await control.askTicketFeedback(ticket.conversationId, {
          ticketId: ticket.id,
          intro: resultIntro(ticket),
        });
        const after = (await deps.states.load(ticket.conversationId))?.state ?? state;
        await outlet.deliver(
          {
            channel: after.channel,
            conversationId: after.conversationId,
            userId: after.userId,
            channelRef: after.channelRef,
          },
          messages,
        );
        return { at: deps.clock().toISOString(), outcome: 'delivered' };
      } catch (error) {
        const message = maskPersonalData(error instanceof Error ? error.message : String(error));
        deps.log(`tickets: telling the result of ${ticket.id} failed: ${message}`);
        return needsCall(`发送失败：${message.slice(0, 120)}`);
      }
    },
  };
}

export type CustomerNotice = ReturnType<typeof createCustomerNotice>;
