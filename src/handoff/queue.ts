// Who is waiting for an agent, in order, and how long recent customers waited, so the customer is
// told an honest position and estimate. The thread index (desk thread <-> conversation) lives in
// the same backend because every instance must resolve an agent's thread reply to its customer.
import { BoundedMap } from '../store/bounded-map.ts';
import { RedisAvailability, type Redis } from '../store/redis-connection.ts';

export interface WaitingEntry {
  conversationId: string;
  /** Epoch ms the customer joined the queue. */
  enqueuedAt: number;
}

export interface HandoffQueue {
  /** Adds the conversation at the back (keeps its place when it is already waiting). */
  enqueue(conversationId: string, enqueuedAt: number): Promise<void>;
  /** Takes the conversation out; true only for the one caller that actually removed it. */
  remove(conversationId: string): Promise<boolean>;
  /** 1-based place in the queue; null when not waiting. */
  position(conversationId: string): Promise<number | null>;
  /** Everyone waiting, first in line first. */
  waiting(): Promise<WaitingEntry[]>;
  /** Records how long a claimed customer waited, for future estimates. */
  recordWait(waitMs: number): Promise<void>;
  /** The most recent waits, newest first. */
  recentWaits(): Promise<number[]>;
  bindThread(conversationId: string, threadKey: string): Promise<void>;
  conversationForThread(threadKey: string): Promise<string | null>;
  threadForConversation(conversationId: string): Promise<string | null>;
}

/** How many recent waits the estimate looks at. */
export const RECENT_WAITS = 20;
/** Assumed wait per place in line before any claim has been seen. */
export const DEFAULT_WAIT_PER_POSITION_MS = 3 * 60_000;
const THREAD_INDEX_TTL_S = 30 * 24 * 3600;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Estimated wait for a given place in line: median of recent claim waits per place, times the
 * place. A customer first in line waits about one median wait.
 */
export function estimateWaitMs(
  position: number,
  recentWaits: readonly number[],
  defaultPerPositionMs = DEFAULT_WAIT_PER_POSITION_MS,
): number {
  const perPosition =
    recentWaits.length > 0 ? Math.max(30_000, median(recentWaits)) : defaultPerPositionMs;
  return Math.max(1, position) * perPosition;
}

/** Whole minutes for the customer, never below one ("约1分钟"). */
export function waitMinutes(waitMs: number): number {
  return Math.max(1, Math.round(waitMs / 60_000));
}

export interface MemoryHandoffQueueOptions {
  /** Most thread index entries kept (one per handoff). Default 100,000. */
  maxThreads?: number;
  /** How long a thread stays resolvable to its conversation, as on Redis. Default 30 days. */
  threadIndexMs?: number;
  now?: () => number;
}

export class MemoryHandoffQueue implements HandoffQueue {
  // Waiting customers leave the line when claimed, cancelled or timed out: no bound needed.
  private readonly entries = new Map<string, number>();
  private readonly waits: number[] = [];
  private readonly threads: BoundedMap<string>;
  private readonly conversations: BoundedMap<string>;

  constructor(options: MemoryHandoffQueueOptions = {}) {
    const bounds = {
      maxEntries: options.maxThreads ?? 100_000,
      idleMs: options.threadIndexMs ?? THREAD_INDEX_TTL_S * 1000,
      ...(options.now ? { now: options.now } : {}),
    };
    this.threads = new BoundedMap(bounds);
    this.conversations = new BoundedMap(bounds);
  }

  async enqueue(conversationId: string, enqueuedAt: number): Promise<void> {
    if (!this.entries.has(conversationId)) this.entries.set(conversationId, enqueuedAt);
  }

  async remove(conversationId: string): Promise<boolean> {
    return this.entries.delete(conversationId);
  }

  async position(conversationId: string): Promise<number | null> {
    const index = (await this.waiting()).findIndex((e) => e.conversationId === conversationId);
    return index < 0 ? null : index + 1;
  }

  async waiting(): Promise<WaitingEntry[]> {
    return [...this.entries]
      .map(([conversationId, enqueuedAt]) => ({ conversationId, enqueuedAt }))
      .sort(
        (a, b) => a.enqueuedAt - b.enqueuedAt || a.conversationId.localeCompare(b.conversationId),
      );
  }

  async recordWait(waitMs: number): Promise<void> {
    this.waits.unshift(Math.max(0, Math.round(waitMs)));
    this.waits.length = Math.min(this.waits.length, RECENT_WAITS);
  }

  async recentWaits(): Promise<number[]> {
    return [...this.waits];
  }

  async bindThread(conversationId: string, threadKey: string): Promise<void> {
    this.threads.set(threadKey, conversationId);
    this.conversations.set(conversationId, threadKey);
  }

  async conversationForThread(threadKey: string): Promise<string | null> {
    return this.threads.get(threadKey, false) ?? null;
  }

  async threadForConversation(conversationId: string): Promise<string | null> {
    return this.conversations.get(conversationId, false) ?? null;
  }
}

/** Redis version: a sorted set scored by enqueue time, so every instance sees one line. */
export class RedisHandoffQueue implements HandoffQueue {
  private readonly queueKey: string;
  private readonly waitsKey: string;
  private readonly availability: RedisAvailability;

  constructor(
    redis: Redis,
    private readonly prefix = 'csbot:',
    availability?: RedisAvailability,
  ) {
    this.queueKey = `${prefix}handoff:queue`;
    this.waitsKey = `${prefix}handoff:waits`;
    this.availability = availability ?? new RedisAvailability(redis);
  }

  private run<T>(operation: (redis: Redis) => Promise<T>): Promise<T> {
    return this.availability.run(operation);
  }

  async enqueue(conversationId: string, enqueuedAt: number): Promise<void> {
    await this.run((redis) =>
      redis.zAdd(this.queueKey, { score: enqueuedAt, value: conversationId }, { condition: 'NX' }),
    );
  }

  async remove(conversationId: string): Promise<boolean> {
    return (await this.run((redis) => redis.zRem(this.queueKey, conversationId))) === 1;
  }

  async position(conversationId: string): Promise<number | null> {
    const rank = await this.run((redis) => redis.zRank(this.queueKey, conversationId));
    return rank === null ? null : Number(rank) + 1;
  }

  async waiting(): Promise<WaitingEntry[]> {
    const members = await this.run((redis) => redis.zRangeWithScores(this.queueKey, 0, -1));
    return members.map(({ value, score }) => ({
      conversationId: String(value),
      enqueuedAt: Number(score),
    }));
  }

  async recordWait(waitMs: number): Promise<void> {
    const wait = String(Math.max(0, Math.round(waitMs)));
    await this.run((redis) =>
      redis
        .multi()
        .lPush(this.waitsKey, wait)
        .lTrim(this.waitsKey, 0, RECENT_WAITS - 1)
        .exec(),
    );
  }

  async recentWaits(): Promise<number[]> {
    const values = await this.run((redis) => redis.lRange(this.waitsKey, 0, RECENT_WAITS - 1));
    return values.map(Number).filter((n) => Number.isFinite(n));
  }

  async bindThread(conversationId: string, threadKey: string): Promise<void> {
    const expiration = { type: 'EX', value: THREAD_INDEX_TTL_S } as const;
    await this.run((redis) =>
      redis
        .multi()
        .set(`${this.prefix}handoff:thread:${threadKey}`, conversationId, { expiration })
        .set(`${this.prefix}handoff:conversation-thread:${conversationId}`, threadKey, {
          expiration,
        })
        .exec(),
    );
  }

  async conversationForThread(threadKey: string): Promise<string | null> {
    const value = await this.run((redis) => redis.get(`${this.prefix}handoff:thread:${threadKey}`));
    return value == null ? null : String(value);
  }

  async threadForConversation(conversationId: string): Promise<string | null> {
    const key = `${this.prefix}handoff:conversation-thread:${conversationId}`;
    const value = await this.run((redis) => redis.get(key));
    return value == null ? null : String(value);
  }
}
