// The one internal message form. Every channel translates to and from these types at its edge;
// nothing past the adapter ever reads a channel payload.
import type { Json } from '../store/types.ts';

export type ChannelId = 'web' | 'wechat-mp' | 'wecom' | 'wechaty' | 'botframework' | 'cli' | 'test';

export type MediaKind =
  'image' | 'voice' | 'video' | 'sticker' | 'file' | 'location' | 'link' | 'other';

/** What the customer sent in one message. */
export type InboundContent =
  | { kind: 'text'; text: string }
  /** A tap on a quick reply: `value` is what the bot offered, `label` what the customer saw. */
  | { kind: 'choice'; value: string; label: string }
  | { kind: 'media'; media: MediaKind }
  /** Conversation opened (widget loaded, WeChat subscribe, Bot Framework conversationUpdate). */
  | { kind: 'event'; event: 'conversation_start' };

export interface InboundMessage {
  channel: ChannelId;
  /** Stable id of the conversation within the bot (already namespaced by channel). */
  conversationId: string;
  /** The customer on that channel (open id, web visitor id...). Never shown to agents in clear. */
  userId: string;
  /** The channel's own message id, used to drop retries (WeChat MsgId, activity id). */
  channelMessageId?: string;
  /** ISO-8601 time the edge received it. */
  receivedAt: string;
  content: InboundContent;
  /**
   * What the channel needs to reach this customer later (Bot Framework conversation reference,
   * wechaty room id...). Saved with the conversation so any instance can deliver agent replies.
   */
  channelRef?: Json;
  /** The channel payload, kept for debugging only. Business code must not read it. */
  raw?: unknown;
  /**
   * Set when several messages of a burst are read together as this one turn (src/core/bursts.ts):
   * each as the customer sent it, in order. `content` then holds their texts joined.
   */
  parts?: InboundPart[];
}

/** One message of a burst read as a single turn. */
export interface InboundPart {
  text: string;
  receivedAt: string;
  channelMessageId?: string;
}

export interface QuickReply {
  /** What the customer sees on the button / numbered menu. */
  label: string;
  /** What comes back as InboundContent `choice.value` when tapped (or typed as the label). */
  value: string;
}

/** What the bot (or a human agent) says in one message. */
export type OutboundMessage =
  | { type: 'text'; text: string; from?: Speaker }
  | { type: 'choices'; text: string; quickReplies: QuickReply[]; from?: Speaker }
  /** A state change the channel may render (e.g. "agent joined"); always carries readable text. */
  | { type: 'event'; event: ConversationEvent; text: string; from?: Speaker };

export type Speaker = 'bot' | 'agent' | 'system';

export type ConversationEvent =
  'handoff_queued' | 'agent_joined' | 'agent_left' | 'conversation_closed' | 'rate_limited';

/** Readable text of any outbound message, for channels that only show text. */
export function outboundText(message: OutboundMessage): string {
  return message.text;
}
