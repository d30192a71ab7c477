// Contracts of the console's statistics: running per-day counters and the conversation index.
// Each has a memory, a file (the embedded default) and a Redis implementation, and one contract
// suite (test/console/stats.contract.ts) runs against all three.
import type { ChannelId } from '../../core/message.ts';

/** Named counters of one Shanghai calendar day (field names: see counter-fields.ts). */
export type DayCounters = Record<string, number>;

export interface StatisticsStore {
  /** Adds to counters of one day (YYYY-MM-DD); negative amounts take back. */
  add(day: string, amounts: DayCounters): Promise<void>;
  /**
   * Replaces what one item (a ticket) counts for, atomically: the fields it counted for before
   * (+1 each, on its day then) are taken back and the new ones added. An empty list withdraws it.
   */
  contribute(item: string, day: string, fields: readonly string[]): Promise<void>;
  /** Counters of each day in [from, to] that has any, keyed by day. */
  read(from: string, to: string): Promise<Map<string, DayCounters>>;
}

/** The small summary kept per conversation so the console can find it without its transcript. */
export interface ConversationSummary {
  /** The stores' internal key (for web chats the hash, never the customer's bearer id). */
  ref: string;
  channel: ChannelId;
  startedAt: string;
  lastAt: string;
  /** Customer turns the bot read. */
  turns: number;
  /** Intents understood, first seen first. */
  topics: string[];
  /** Standard question ids answered, first seen first. */
  questions: string[];
  ticketIds: string[];
  /** A bounded set of words (jieba) of what the customer said, masked before segmentation. */
  words: string[];
  /** The conversation asked for a person at least once. */
  human: boolean;
}

export interface ConversationQuery {
  /** Epoch ms bounds on the conversation's latest message, inclusive. */
  fromMs?: number;
  toMs?: number;
  channel?: string;
  topic?: string;
  ticket?: string;
  /** Every word must be among the conversation's words. */
  words?: string[];
  /** Position after the previous page (0 = first page). */
  offset: number;
  limit: number;
}

export interface ConversationPage {
  items: ConversationSummary[];
  /** Offset of the next page; null on the last. */
  next: number | null;
}

export interface ConversationIndex {
  get(ref: string): Promise<ConversationSummary | null>;
  /** Stores the summary; `previous` (what get returned) lets the store add only new search keys. */
  put(summary: ConversationSummary, previous: ConversationSummary | null): Promise<void>;
  /** Matching conversations, latest message first. */
  search(query: ConversationQuery): Promise<ConversationPage>;
}

export interface ConsoleStores {
  statistics: StatisticsStore;
  conversations: ConversationIndex;
  /** Waits for pending writes; the stores must not be used afterwards. */
  close(): Promise<void>;
}
