// The human-handoff seam. The core asks for a handoff and relays customer messages; a desk
// (Slack today) implements it. Agent actions come back through the ConversationGateway and
// ChannelOutlets, so the core never imports a desk SDK.
import type { ChannelId, OutboundMessage } from '../core/message.ts';
import type { ComplaintTicket, Json, TranscriptEntry } from '../store/types.ts';

/** callback_request: the customer asked to leave a message for a call-back (留个言，明天回我电话). */
export type HandoffReason =
  | 'customer_request'
  | 'callback_request'
  | 'complaint'
  | 'fallback_exhausted'
  | 'advice_followup'
  | 'other';

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
  /** What an unfinished form had collected (the desk masks it like the ticket fields). */
  collected?: { title: string; fields: { slot: string; label: string; value: string }[] };
}

/**
 * Why the customer is offered to leave a message instead of waiting for an agent (requested: they
 * asked to leave one).
 */
export type OfferReason = 'after_hours' | 'timeout' | 'no_desk' | 'requested';

/** The desk cannot serve the customer now: the bot takes a message for a call-back. */
export interface LeaveMessageOffer {
  offer: OfferReason;
  /** The reason in the customer's words, e.g. "现在是人工客服非工作时间". */
  why: string;
  /** When the firm calls back, e.g. "11月30日（周一）09:00后". */
  callbackWhen: string;
}

/** A message left for a call-back: what the customer wants and how to reach them. */
export interface CallbackRequest {
  conversationId: string;
  channel: ChannelId;
  question: string;
  /** Stored in full on the ticket (staff must call back); masked wherever it is shown. */
  phone: string;
  name?: string;
  /** The complaint ticket of the conversation, if any (its complainant is copied). */
  complaintTicketId?: string | null;
}

export interface RelayOptions {
  /**
   * The standard questions (as worded in the knowledge base) the bot has just answered from this
   * message while the customer waits: the agent sees what was already said, and the customer is
   * told they keep their place.
   */
  answeredByBot?: readonly string[];
}

export interface HandoffStarted {
  /** What to tell the customer now: why, queue position, estimated wait or after-hours options. */
  messages: OutboundMessage[];
  /** Saved as ConversationState.handoff; null when no handoff is open (e.g. left a message). */
  handoff: Json;
  /** Set when nobody can take the customer now: the bot takes a message instead. */
  leaveMessage?: LeaveMessageOffer;
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
    options?: RelayOptions,
  ): Promise<{ messages: OutboundMessage[]; handoff: Json; leaveMessage?: LeaveMessageOffer }>;
  /**
   * The customer withdrew while still queued (取消). `said`: their words, which the agents' thread
   * shows before the note that they left.
   */
  cancel(
    conversationId: string,
    handoff: Json,
    said?: string,
  ): Promise<{ messages: OutboundMessage[] }>;
  /** Records a confirmed message as a call-back ticket and tells the desk thread, if any. */
  leaveMessage(
    request: CallbackRequest,
  ): Promise<{ ticket: ComplaintTicket; callbackWhen: string }>;
}
