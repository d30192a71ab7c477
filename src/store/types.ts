// Store contracts. Each has a memory/file implementation (the embedded default) and a Redis one,
// and ONE contract suite (test/store/*.contract.ts) runs against all of them.
import type { ChannelId, QuickReply } from '../core/message.ts';

/** JSON-safe value: whatever a store holds must survive JSON.stringify/parse unchanged. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Everything the bot remembers about one conversation between turns. Plain JSON only. */
export interface ConversationState {
  conversationId: string;
  channel: ChannelId;
  userId: string;
  /** The latest InboundMessage.channelRef: how to reach the customer proactively. */
  channelRef: Json;
  /** Dialog interpreter position (dialogId, nodeId, slots, stack...), owned by src/dialog. */
  dialog: Json;
  /** Human handoff status, owned by src/handoff; null when the bot is in charge. */
  handoff: Json;
  /** Small per-conversation facts other layers keep (fallback level, intents seen...). */
  memory: { [key: string]: Json };
  createdAt: string;
  updatedAt: string;
}

export interface VersionedState {
  state: ConversationState;
  /** Monotonic write counter used for optimistic concurrency. */
  version: number;
}

export type SaveResult = { ok: true; version: number } | { ok: false; reason: 'conflict' };

export interface ConversationStateStore {
  load(conversationId: string): Promise<VersionedState | null>;
  /** Writes only if the stored version still equals expectedVersion (null = must not exist). */
  save(state: ConversationState, expectedVersion: number | null): Promise<SaveResult>;
  /**
   * Serialises turns of one conversation across instances. Resolves with a release function;
   * the lock expires by itself after ttlMs so a crashed instance never blocks a customer.
   */
  lock(conversationId: string, ttlMs: number): Promise<() => Promise<void>>;
}

export type Direction = 'customer' | 'bot' | 'agent' | 'system';

export interface TranscriptEntry {
  conversationId: string;
  /** Assigned by the store on append: 1, 2, 3... per conversation, in order. */
  seq: number;
  at: string;
  channel: ChannelId;
  direction: Direction;
  /** 'message' for what was said; 'survey' and 'note' for records kept with the conversation. */
  kind: 'message' | 'survey' | 'note';
  text: string;
  quickReplies?: QuickReply[];
  intent?: string;
  confidence?: number;
  dialogNode?: string;
  /** Agent display name for direction 'agent'. */
  agent?: string;
  /** Extra structured data (survey score, ticket id...). */
  data?: { [key: string]: Json };
}

export type NewTranscriptEntry = Omit<TranscriptEntry, 'seq'>;

export interface TranscriptListOptions {
  /** Only entries with a larger seq (0 = from the start). */
  afterSeq?: number;
  /** At most this many entries, the earliest first. */
  limit?: number;
}

export interface TranscriptStore {
  /** Durable before it resolves: a recorded line is never lost. Returns the stored entry. */
  append(entry: NewTranscriptEntry): Promise<TranscriptEntry>;
  /**
   * Several lines of one conversation, in order, durable together before it resolves (one disk
   * sync for a turn's replies instead of one per line). All lines are checked before any is
   * written: a bad line writes none.
   */
  appendMany(entries: NewTranscriptEntry[]): Promise<TranscriptEntry[]>;
  /**
   * Entries of one conversation in order; `afterSeq` returns only later ones (polling cursor), at
   * most `limit` of them (default DEFAULT_TRANSCRIPT_LIST_LIMIT, 5000): page on with the last seq.
   */
  list(conversationId: string, options?: TranscriptListOptions): Promise<TranscriptEntry[]>;
}

export type ComplaintCategory =
  '服务态度' | '交易系统' | '收费' | '产品销售/适当性' | '信息披露' | '其他';

export type TicketKind = 'complaint' | 'callback';

export type TicketStatus = 'open' | 'in_progress' | 'resolved' | 'closed';

export interface TicketStatusChange {
  status: TicketStatus;
  at: string;
  by: string;
  note?: string;
}

export interface ComplaintTicket {
  /** e.g. TS20261123-0001 */
  id: string;
  kind: TicketKind;
  conversationId: string;
  channel: ChannelId;
  createdAt: string;
  complainant: {
    name?: string;
    /** Stored in full (the firm must call back); masked whenever shown or sent out. */
    phone?: string;
    account?: string;
  };
  /** When the matter happened, as the customer said it and as ISO when it could be parsed. */
  occurredAt?: { text: string; iso?: string };
  category?: ComplaintCategory;
  department?: string;
  description: string;
  desiredOutcome?: string;
  status: TicketStatus;
  statusHistory: TicketStatusChange[];
  /** How it was handled, in order (handoff, agent notes...). */
  handling: { at: string; by: string; action: string }[];
  result?: string;
  feedback?: { score: number; comment?: string; at: string };
  /** Promised reply deadline (ISO date) from the firm's configured time limit. */
  replyDueBy?: string;
  /** The form could not finish (retries used up, an error): what was collected, to complete. */
  incomplete?: boolean;
  /** With `incomplete`: the questions the customer did not answer (labels, e.g. 联系电话). */
  missingFields?: string[];
  /** Why it happened and what changes so it does not happen again (set when resolved). */
  cause?: TicketCause;
  improvement?: string;
  /** The desk card that shows this ticket (opaque to the core: the desk's own key). */
  deskCard?: string;
  /** How the result reached the customer, the last time it was resolved. */
  resultNotice?: TicketResultNotice;
  /** The customer's verdict on the result (满意 / 基本满意 / 不满意), the last one given. */
  resultFeedback?: TicketResultFeedback;
  /** When the department was reminded of the time limit (ISO times), each sent once. */
  reminders?: TicketReminders;
}

export interface TicketReminders {
  /** The configured share of the time limit was used up. */
  share?: string;
  /** The due date passed without a result. */
  overdue?: string;
}

/** Cause categories of a resolved complaint, for the analysis that keeps it from recurring. */
export type TicketCause =
  '系统故障' | '业务规则' | '人员服务' | '产品与适当性' | '客户理解偏差' | '第三方原因' | '其他';

export type TicketRating = '满意' | '基本满意' | '不满意';

export interface TicketResultNotice {
  at: string;
  /** 'delivered': sent on the customer's channel; 'phone_call_needed': the channel could not. */
  outcome: 'delivered' | 'phone_call_needed';
  /** Why a phone call is needed (window closed, delivery failed...). */
  reason?: string;
  /** The resolution (its status-history time) this notice told. */
  resolvedAt?: string;
}

export interface TicketResultFeedback {
  rating: TicketRating;
  comment?: string;
  at: string;
}

/** Fields a ticket change may set (see TicketStore.change). */
export interface TicketFields {
  department?: string;
  cause?: TicketCause;
  improvement?: string;
  deskCard?: string;
  resultNotice?: TicketResultNotice;
  resultFeedback?: TicketResultFeedback;
  reminders?: TicketReminders;
}

/**
 * One atomic change of a ticket: an optional status change (with result), fields to set and
 * handling lines to add, applied only if `expect` still holds when the store writes it.
 */
export interface TicketChangeInput {
  expect?: {
    /** The ticket's status must be one of these. */
    status?: TicketStatus[];
    /** The ticket's department must be exactly this ('' = none). */
    department?: string;
    /** The ticket must not have a desk card yet. */
    noDeskCard?: boolean;
    /** This reminder must not have been sent yet. */
    reminderNotSent?: keyof TicketReminders;
  };
  status?: { status: TicketStatus; by: string; note?: string; at?: string };
  result?: string;
  set?: TicketFields;
  handling?: { by: string; action: string; at?: string }[];
}

export type NewComplaintTicket = Omit<
  ComplaintTicket,
  'id' | 'status' | 'statusHistory' | 'handling'
>;

export interface TicketStore {
  /** Assigns the id and the initial 'open' status; durable before it resolves. */
  create(ticket: NewComplaintTicket, by: string): Promise<ComplaintTicket>;
  get(id: string): Promise<ComplaintTicket | null>;
  list(filter?: { status?: TicketStatus; conversationId?: string }): Promise<ComplaintTicket[]>;
  /** Appends a status change (and optional result) to the ticket's history. */
  setStatus(
    id: string,
    change: Omit<TicketStatusChange, 'at'> & { at?: string; result?: string },
  ): Promise<ComplaintTicket>;
  addHandling(
    id: string,
    entry: { by: string; action: string; at?: string },
  ): Promise<ComplaintTicket>;
  setFeedback(
    id: string,
    feedback: { score: number; comment?: string; at?: string },
  ): Promise<ComplaintTicket>;
  /**
   * Applies one change atomically, across instances: TicketConflictError (nothing written) when
   * `expect` no longer holds, so two staff acting at once cannot both move the ticket.
   */
  change(id: string, change: TicketChangeInput): Promise<ComplaintTicket>;
}

/** Liveness of the backing service, for /healthz. */
export interface StoreHealth {
  ping(): Promise<boolean>;
}
