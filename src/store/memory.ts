// In-process stores: the embedded default for conversation state, and fakes for other layers'
// tests. Every value is kept as JSON text, so what passes here would also pass in Redis and no
// caller can change a stored value by mutating an object it passed in or got back.
import { BoundedMap } from './bounded-map.ts';
import { LockTimeoutError, StoreInputError, TicketNotFoundError } from './errors.ts';
import { decodeJson, encodeJson } from './json.ts';
import {
  afterSeqOf,
  DEFAULT_STATE_TTL_MS,
  listLimitOf,
  prepareState,
  prepareTranscriptBatch,
  requireConversationId,
  withSeq,
} from './records.ts';
import { formatTicketId, parseTicketId, ticketDayKey } from './ticket-id.ts';
import {
  applyTicketEvent,
  buildTicket,
  changeEvent,
  feedbackEvent,
  handlingEvent,
  matchesTicketFilter,
  statusEvent,
  validateNewTicket,
  type FeedbackInput,
  type HandlingInput,
  type StatusChangeInput,
  type TicketEvent,
  type TicketFilter,
} from './ticket-log.ts';
import type {
  ComplaintTicket,
  TicketChangeInput,
  ConversationState,
  ConversationStateStore,
  NewComplaintTicket,
  NewTranscriptEntry,
  SaveResult,
  StoreHealth,
  TicketStore,
  TranscriptEntry,
  TranscriptListOptions,
  TranscriptStore,
  VersionedState,
} from './types.ts';

export type Clock = () => Date;

const systemClock: Clock = () => new Date();

/** How long lock() waits for another holder by default: long enough to outlive a crashed holder. */
export function defaultLockWaitMs(ttlMs: number): number {
  return Math.max(10_000, 2 * ttlMs);
}

export function requireTtl(ttlMs: unknown): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs < 1) {
    throw new StoreInputError('lock ttlMs must be a positive number of milliseconds');
  }
  return Math.ceil(ttlMs);
}

/**
 * A mutex per key: waiters queue on a promise chain, and a holder that never releases is released
 * by a timer after its TTL, so a forgotten lock cannot block a conversation forever.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly waitMs: (ttlMs: number) => number = defaultLockWaitMs) {}

  async acquire(key: string, ttlMs: number): Promise<() => Promise<void>> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let endHold!: () => void;
    const held = new Promise<void>((resolve) => (endHold = resolve));
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });

    const waitMs = this.waitMs(ttlMs);
    let waitTimer: NodeJS.Timeout | undefined;
    const acquired = await Promise.race([
      previous.then(() => true),
      new Promise<false>((resolve) => {
        waitTimer = setTimeout(() => resolve(false), waitMs);
        waitTimer.unref();
      }),
    ]);
    clearTimeout(waitTimer);
    if (!acquired) {
      // Give our place in the queue straight to the next waiter once our turn comes.
      void previous.then(endHold);
      throw new LockTimeoutError(key, waitMs);
    }

    const expiry = setTimeout(endHold, ttlMs);
    expiry.unref();
    return async () => {
      clearTimeout(expiry);
      endHold();
    };
  }
}

export interface MemoryStateStoreOptions {
  /** How long lock() waits for the current holder before LockTimeoutError. */
  lockWaitMs?: (ttlMs: number) => number;
  /** A conversation not saved for this long is forgotten. Default 7 days. */
  stateTtlMs?: number;
  /** Most conversations kept; the one saved longest ago goes first. Default 100,000. */
  maxConversations?: number;
  clock?: Clock;
}

/** Most conversations the memory stores keep before dropping the least recently used. */
export const DEFAULT_MAX_CONVERSATIONS = 100_000;

export class MemoryStateStore implements ConversationStateStore {
  private readonly records: BoundedMap<{ json: string; version: number }>;
  private readonly locks: KeyedLock;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.locks = new KeyedLock(options.lockWaitMs);
    const clock = options.clock ?? systemClock;
    const idleMs = Math.max(1, options.stateTtlMs ?? DEFAULT_STATE_TTL_MS);
    this.records = new BoundedMap({
      maxEntries: options.maxConversations ?? DEFAULT_MAX_CONVERSATIONS,
      idleMs,
      now: () => clock().getTime(),
      sweepEveryMs: Math.min(60_000, idleMs),
    });
  }

  async load(conversationId: string): Promise<VersionedState | null> {
    // A read does not extend the life of a state: only saves do, as with Redis' PEXPIRE.
    const record = this.records.get(requireConversationId(conversationId), false);
    if (!record) return null;
    return { state: decodeJson<ConversationState>(record.json), version: record.version };
  }

  async save(state: ConversationState, expectedVersion: number | null): Promise<SaveResult> {
    const json = JSON.stringify(prepareState(state));
    const current = this.records.get(state.conversationId, false);
    if ((current?.version ?? null) !== expectedVersion) return { ok: false, reason: 'conflict' };
    const version = (current?.version ?? 0) + 1;
    this.records.set(state.conversationId, { json, version });
    return { ok: true, version };
  }

  async lock(conversationId: string, ttlMs: number): Promise<() => Promise<void>> {
    return this.locks.acquire(requireConversationId(conversationId), requireTtl(ttlMs));
  }
}

export interface MemoryTranscriptStoreOptions {
  /** A conversation nobody wrote to for this long is forgotten. Default 7 days. */
  idleMs?: number;
  /** Most conversations kept. Default 100,000. */
  maxConversations?: number;
  clock?: Clock;
}

/** Transcripts in memory only (tests, `csbot chat`): bounded, since nothing here is kept anyway. */
export class MemoryTranscriptStore implements TranscriptStore {
  private readonly lines: BoundedMap<string[]>;

  constructor(options: MemoryTranscriptStoreOptions = {}) {
    const clock = options.clock ?? systemClock;
    const idleMs = Math.max(1, options.idleMs ?? DEFAULT_STATE_TTL_MS);
    this.lines = new BoundedMap({
      maxEntries: options.maxConversations ?? DEFAULT_MAX_CONVERSATIONS,
      idleMs,
      now: () => clock().getTime(),
      sweepEveryMs: Math.min(60_000, idleMs),
    });
  }

  async append(entry: NewTranscriptEntry): Promise<TranscriptEntry> {
    const [stored] = await this.appendMany([entry]);
    return stored as TranscriptEntry;
  }

  async appendMany(entries: NewTranscriptEntry[]): Promise<TranscriptEntry[]> {
    const prepared = prepareTranscriptBatch(entries);
    return prepared.map((entry) => {
      let lines = this.lines.get(entry.conversationId);
      if (!lines) {
        lines = [];
        this.lines.set(entry.conversationId, lines);
      }
      const json = JSON.stringify(withSeq(entry, lines.length + 1));
      lines.push(json);
      return decodeJson<TranscriptEntry>(json);
    });
  }

  async list(conversationId: string, options?: TranscriptListOptions): Promise<TranscriptEntry[]> {
    const lines = this.lines.get(requireConversationId(conversationId), false) ?? [];
    const after = afterSeqOf(options);
    // seq n sits at index n-1, so the cursor and the page are a slice.
    return lines
      .slice(after, after + listLimitOf(options))
      .map((line) => decodeJson<TranscriptEntry>(line));
  }
}

/** Where a ticket store writes each change before it takes effect (the file store's event log). */
export interface TicketJournal {
  record(event: TicketEvent): Promise<void>;
}

export interface TicketStoreOptions {
  clock?: Clock;
  /** Each change is written here first; a change whose write fails does not happen. */
  journal?: TicketJournal;
}

/** Runs tasks one after another; a failed task does not stop the ones queued behind it. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

/**
 * Tickets in memory, optionally journaled. Changes run one at a time so that an id's day counter
 * and a ticket's event order are the journal's order even while a journal write is in flight.
 */
export class MemoryTicketStore implements TicketStore {
  private readonly tickets = new Map<string, string>();
  // Only recent days' id counters matter; create() never reuses an id even if one was dropped.
  private readonly counters = new BoundedMap<number>({ maxEntries: 64, idleMs: Infinity });
  private readonly writes = new SerialQueue();
  private readonly clock: Clock;
  private readonly journal: TicketJournal | undefined;

  constructor(options: TicketStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.journal = options.journal;
  }

  create(ticket: NewComplaintTicket, by: string): Promise<ComplaintTicket> {
    return this.writes.run(async () => {
      validateNewTicket(ticket, by);
      const now = this.clock();
      const dayKey = ticketDayKey(ticket.kind, now);
      let seq = (this.counters.get(dayKey) ?? 0) + 1;
      while (this.tickets.has(formatTicketId(ticket.kind, now, seq))) seq += 1;
      const created = buildTicket(formatTicketId(ticket.kind, now, seq), ticket, by, now);
      const json = encodeJson(created, 'ticket');
      await this.journal?.record({ type: 'created', ticket: created });
      this.counters.set(dayKey, seq);
      this.tickets.set(created.id, json);
      return decodeJson<ComplaintTicket>(json);
    });
  }

  async get(id: string): Promise<ComplaintTicket | null> {
    const json = this.tickets.get(id);
    return json === undefined ? null : decodeJson<ComplaintTicket>(json);
  }

  async list(filter?: TicketFilter): Promise<ComplaintTicket[]> {
    return [...this.tickets.values()]
      .map((json) => decodeJson<ComplaintTicket>(json))
      .filter((ticket) => matchesTicketFilter(ticket, filter));
  }

  async setStatus(id: string, change: StatusChangeInput): Promise<ComplaintTicket> {
    return this.apply(id, statusEvent(id, change, this.clock()));
  }

  async addHandling(id: string, entry: HandlingInput): Promise<ComplaintTicket> {
    return this.apply(id, handlingEvent(id, entry, this.clock()));
  }

  async setFeedback(id: string, feedback: FeedbackInput): Promise<ComplaintTicket> {
    return this.apply(id, feedbackEvent(id, feedback, this.clock()));
  }

  async change(id: string, change: TicketChangeInput): Promise<ComplaintTicket> {
    return this.apply(id, changeEvent(id, change, this.clock()));
  }

  /** Resolves once every change already started has been journaled and applied. */
  flush(): Promise<void> {
    return this.writes.idle();
  }

  /**
   * Applies an event read back from a journal (no journal write). Returns why it was skipped,
   * if it was, so the caller can report the line.
   */
  replay(event: unknown): string | null {
    if (typeof event !== 'object' || event === null) return 'not an event object';
    const e = event as TicketEvent;
    if (e.type === 'created') {
      const parsed = parseTicketId(e.ticket?.id ?? '');
      if (!parsed) return 'created event without a valid ticket id';
      this.tickets.set(e.ticket.id, JSON.stringify(e.ticket));
      this.counters.set(parsed.dayKey, Math.max(this.counters.get(parsed.dayKey) ?? 0, parsed.seq));
      return null;
    }
    if (!['status', 'handling', 'feedback', 'change'].includes(e.type)) {
      return `unknown event type ${String((e as { type?: unknown }).type)}`;
    }
    const json = this.tickets.get(e.id);
    if (json === undefined) return `ticket ${String(e.id)} was never created`;
    this.tickets.set(
      e.id,
      JSON.stringify(applyTicketEvent(decodeJson<ComplaintTicket>(json), e, { replaying: true })),
    );
    return null;
  }

  private apply(id: string, event: TicketEvent): Promise<ComplaintTicket> {
    return this.writes.run(async () => {
      const json = this.tickets.get(id);
      if (json === undefined) throw new TicketNotFoundError(id);
      const next = encodeJson(applyTicketEvent(decodeJson<ComplaintTicket>(json), event), 'ticket');
      await this.journal?.record(event);
      this.tickets.set(id, next);
      return decodeJson<ComplaintTicket>(next);
    });
  }
}

export const alwaysHealthy: StoreHealth = { ping: async () => true };
