// The human-handoff seam. The core asks for a handoff and relays customer messages; a desk
// (Slack today) implements it. Agent actions come back through the ConversationGateway and
// ChannelOutlets, so the core never imports a desk SDK.
import type { ChannelId, OutboundMessage } from '../core/message.ts';
import type { ComplaintTicket, Json, TranscriptEntry } from '../store/types.ts';

export type HandoffReason =
  'customer_request' | 'complaint' | 'fallback_exhausted' | 'advice_followup' | 'other';

export interface HandoffRequest {
  conversationId: string;
  channel: ChannelId;
  userId: string;
  channelRef: Json;
  reason: HandoffReason;
  /** Intents recognised in this conversation, oldest first, without repeats. */
  intentsSeen: string[];
  /** The complaint ticket this handoff is about, if any. */
  ticket?: ComplaintTicket;
  /** The whole conversation so far (the desk masks personal data before it leaves). */
  transcript: TranscriptEntry[];
}

export interface HandoffStarted {
  /** What to tell the customer now: why, queue position, estimated wait or after-hours options. */
  messages: OutboundMessage[];
  /** Saved as ConversationState.handoff; null when no handoff is open (e.g. left a message). */
  handoff: Json;
}

export interface HandoffService {
  start(request: HandoffRequest): Promise<HandoffStarted>;
  /**
   * A customer message while a handoff is open (queued or with an agent): mirrored to the desk.
   * Returns anything the customer should be told (usually nothing; a queue update at most).
   */
  relayCustomerMessage(
    conversationId: string,
    handoff: Json,
    text: string,
  ): Promise<{ messages: OutboundMessage[]; handoff: Json }>;
  /** The customer withdrew while still queued (取消). */
  cancel(conversationId: string, handoff: Json): Promise<{ messages: OutboundMessage[] }>;
}
