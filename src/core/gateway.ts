// The seams between the channel edge and the core. Channels depend on these, never on the
// pipeline's implementation; tests drive a channel with a fake gateway.
import type { ChannelId, InboundMessage, OutboundMessage } from './message.ts';
import type { Json } from '../store/types.ts';

/** Processes one customer message through the whole turn pipeline and returns the replies. */
export interface ConversationGateway {
  handleInbound(message: InboundMessage): Promise<OutboundMessage[]>;
  /**
   * Records a message the channel edge answered itself (rate limit, length) with its replies, so
   * the transcript stays complete. Optional: test fakes and wrappers may leave it out.
   */
  recordRefused?(
    message: InboundMessage,
    replies: OutboundMessage[],
    reason: RefusalReason,
  ): Promise<void>;
}

/** Why the edge answered a message without running a turn. */
export type RefusalReason = 'rate_limited' | 'too_long';

/** Who a proactive message (agent reply, queue update) goes to. */
export interface DeliveryTarget {
  channel: ChannelId;
  conversationId: string;
  userId: string;
  channelRef: Json;
}

/**
 * A channel's way to send messages outside a turn (agent replies, queue position updates).
 * Each channel adapter provides one; the app routes by `channel`.
 */
export interface ChannelOutlet {
  readonly channel: ChannelId;
  deliver(target: DeliveryTarget, messages: OutboundMessage[]): Promise<void>;
}

/** What the desk side may ask of the core when agents act (claim, reply, close). */
export interface ConversationControl {
  /**
   * The agent closed the handoff: the bot takes the conversation back (clears the handoff state,
   * offers the satisfaction survey) and returns what the bot says, for delivery through the outlet.
   */
  resumeAfterHandoff(conversationId: string): Promise<OutboundMessage[]>;
  /**
   * Staff resolved a ticket: the bot tells the customer (`intro`) and asks whether they are
   * satisfied with the result. Returns what the bot says, for delivery through the outlet.
   * Optional so desk-only fakes need not implement it; the pipeline always does.
   */
  askTicketFeedback?(
    conversationId: string,
    request: { ticketId: string; intro: OutboundMessage[] },
  ): Promise<OutboundMessage[]>;
}
