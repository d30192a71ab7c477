// Carries agent actions between bot instances. Slack may call any instance, and it is acknowledged
// before the work is done, so each action goes on a durable stream that exactly one instance
// handles (a crashed consumer's entries are reclaimed). Messages for customers who hold a live
// connection to one instance (web socket, wechaty) are broadcast so that instance can push them.
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorReply } from 'redis';
import { BoundedMap } from '../store/bounded-map.ts';
import { RedisAvailability, withReplyTimeout, type Redis } from '../store/redis-connection.ts';
import type { DeliveryTarget } from '../core/gateway.ts';
import type { OutboundMessage } from '../core/message.ts';
import type { AgentRef } from './desk.ts';

export type AgentEvent =
  | { type: 'claimed'; conversationId: string; agent: AgentRef }
  | { type: 'agent_reply'; conversationId: string; agent: AgentRef; text: string }
  | { type: 'closed'; conversationId: string; agent: AgentRef };

export interface CustomerDelivery {
  target: DeliveryTarget;
  messages: OutboundMessage[];
}

export interface HandoffBusHandlers {
  /** Runs once across all instances per event id. Throwing leaves the event for a retry. */
  handle(event: AgentEvent): Promise<void>;
  /** Runs on every instance; the instance pushes to customers connected to it. */
  deliverLocally(delivery: CustomerDelivery): Promise<void>;
}

export interface HandoffBus {
  /** Queues an agent action; false when this event id was already published (a Slack retry). */
  publish(eventId: string, event: AgentEvent): Promise<boolean>;
  broadcast(delivery: CustomerDelivery): Promise<void>;
  start(handlers: HandoffBusHandlers): Promise<void>;
  stop(): Promise<void>;
}

const SEEN_TTL_S = 24 * 3600;
const MAX_ATTEMPTS = 5;
/** Most events remembered for deduplication in one process (Slack retries come within minutes). */
const MAX_SEEN_EVENTS = 50_000;
/** Most events held before start(); a bot that never starts must not hoard them. */
const MAX_BACKLOG = 1000;

/** Single-instance bus: same contract, in process. */
export class MemoryHandoffBus implements HandoffBus {
  private handlers: HandoffBusHandlers | null = null;
  private readonly seen: BoundedMap<true>;
  private tail: Promise<void> = Promise.resolve();
  private readonly backlog: AgentEvent[] = [];

  constructor(
    private readonly log: (message: string) => void = console.error,
    options: { now?: () => number; maxSeen?: number } = {},
  ) {
    this.seen = new BoundedMap<true>({
      maxEntries: options.maxSeen ?? MAX_SEEN_EVENTS,
      idleMs: SEEN_TTL_S * 1000,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** How many event ids are remembered (tests of the bound). */
  get rememberedEvents(): number {
    return this.seen.size;
  }

  async publish(eventId: string, event: AgentEvent): Promise<boolean> {
    if (this.seen.has(eventId)) return false;
    this.seen.set(eventId, true);
    if (!this.handlers) {
      if (this.backlog.length >= MAX_BACKLOG) {
        this.log(
          `handoff event ${event.type} for ${event.conversationId} dropped: bus not started`,
        );
        return true;
      }
      this.backlog.push(event);
      return true;
    }
    this.run(event);
    return true;
  }

  async broadcast(delivery: CustomerDelivery): Promise<void> {
    await this.handlers?.deliverLocally(delivery);
  }

  async start(handlers: HandoffBusHandlers): Promise<void> {
    this.handlers = handlers;
    for (const event of this.backlog.splice(0)) this.run(event);
  }

  async stop(): Promise<void> {
    await this.drain();
    this.handlers = null;
  }

  /** Resolves when every published event has been handled (tests and graceful shutdown). */
  drain(): Promise<void> {
    return this.tail;
  }

  private run(event: AgentEvent): void {
    const handlers = this.handlers;
    if (!handlers) return;
    this.tail = this.tail.then(async () => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        try {
          await handlers.handle(event);
          return;
        } catch (error) {
          this.log(
            `handoff event ${event.type} for ${event.conversationId} failed (attempt ${attempt}): ${String(error)}`,
          );
        }
      }
    });
  }
}

export interface RedisHandoffBusOptions {
  /** Keys start with this (share it between instances of one deployment). */
  prefix?: string;
  /** This instance's consumer name; unique per running instance. */
  instanceId: string;
  /** How long a blocking read waits before checking for shutdown. */
  blockMs?: number;
  /** A pending event idle this long is taken over from a consumer presumed dead. */
  reclaimIdleMs?: number;
  /** How often to look for such events. */
  reclaimEveryMs?: number;
  /** Shared with the queue of the same connection; one is made when missing. */
  availability?: RedisAvailability;
  log?: (message: string) => void;
}

interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

/** node-redis stream replies (RESP2 list of {name, messages}, or a RESP3 map) as plain entries. */
function streamEntries(reply: unknown): StreamEntry[] {
  if (reply == null) return [];
  const streams: unknown[] =
    reply instanceof Map
      ? [...reply.values()]
      : Array.isArray(reply)
        ? reply.map((s) => (s as { messages?: unknown }).messages ?? s)
        : typeof reply === 'object'
          ? Object.values(reply as Record<string, unknown>)
          : [];
  return streams.flatMap((messages) => messagesOf(messages));
}

function messagesOf(messages: unknown): StreamEntry[] {
  if (!Array.isArray(messages)) return [];
  const out: StreamEntry[] = [];
  for (const message of messages as ({ id?: unknown; message?: unknown } | null)[]) {
    if (!message || typeof message.id !== 'string') continue;
    const raw = message.message;
    const fields: Record<string, string> = {};
    const pairs = raw instanceof Map ? [...raw] : Object.entries((raw ?? {}) as object);
    for (const [k, v] of pairs) fields[String(k)] = String(v);
    out.push({ id: message.id, fields });
  }
  return out;
}

/** Waits that grow while Redis stays away, so a long outage costs a log line, not a log flood. */
class Backoff {
  private failures = 0;

  /** Waits before the next attempt; stop() cuts the wait short through `signal`. */
  async failed(log: () => void, signal: AbortSignal): Promise<void> {
    if (this.failures === 0) log();
    this.failures += 1;
    const delay = Math.min(200 * 2 ** Math.min(this.failures - 1, 5), 5000);
    await sleep(delay, undefined, { signal }).catch(() => undefined);
  }

  succeeded(log: (outageCount: number) => void): void {
    if (this.failures > 0) log(this.failures);
    this.failures = 0;
  }
}

/**
 * Redis Streams bus: agent actions go to one stream read through a consumer group (each entry to
 * one instance, XACK after handling, XAUTOCLAIM for entries a dead instance left pending, event ids
 * deduplicated); customer deliveries go to a second stream every instance reads in full. The
 * blocking readers have connections of their own, each with an error listener, and survive an
 * outage by backing off until Redis answers again.
 */
export class RedisHandoffBus implements HandoffBus {
  private readonly eventsKey: string;
  private readonly deliveriesKey: string;
  private readonly group = 'handoff';
  private readonly blockMs: number;
  private readonly reclaimIdleMs: number;
  private readonly reclaimEveryMs: number;
  private readonly log: (message: string) => void;
  private readonly availability: RedisAvailability;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly readers = new Set<Redis>();
  private reclaimTimer: NodeJS.Timeout | null = null;
  private reclaiming: Promise<void> | null = null;
  private handlers: HandoffBusHandlers | null = null;
  private stopping = new AbortController();

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisHandoffBusOptions,
  ) {
    const prefix = options.prefix ?? 'csbot:';
    this.eventsKey = `${prefix}handoff:events`;
    this.deliveriesKey = `${prefix}handoff:deliveries`;
    this.blockMs = options.blockMs ?? 1000;
    this.reclaimIdleMs = options.reclaimIdleMs ?? 30_000;
    this.reclaimEveryMs = options.reclaimEveryMs ?? 10_000;
    this.log = options.log ?? console.error;
    this.availability = options.availability ?? new RedisAvailability(redis);
  }

  private key(kind: string, id: string): string {
    return `${this.options.prefix ?? 'csbot:'}handoff:${kind}:${id}`;
  }

  private run<T>(operation: (redis: Redis) => Promise<T>): Promise<T> {
    return this.availability.run(operation);
  }

  async publish(eventId: string, event: AgentEvent): Promise<boolean> {
    const fresh = await this.run((redis) =>
      redis.set(this.key('seen', eventId), '1', {
        expiration: { type: 'EX', value: SEEN_TTL_S },
        condition: 'NX',
      }),
    );
    if (fresh !== 'OK') return false;
    await this.run((redis) =>
      redis.xAdd(
        this.eventsKey,
        '*',
        { id: eventId, event: JSON.stringify(event) },
        { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: 10_000 } },
      ),
    );
    return true;
  }

  async broadcast(delivery: CustomerDelivery): Promise<void> {
    await this.run((redis) =>
      redis.xAdd(
        this.deliveriesKey,
        '*',
        { delivery: JSON.stringify(delivery) },
        { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: 1000 } },
      ),
    );
  }

  async start(handlers: HandoffBusHandlers): Promise<void> {
    if (this.running) return;
    try {
      await this.run((redis) =>
        redis.xGroupCreate(this.eventsKey, this.group, '0', { MKSTREAM: true }),
      );
    } catch (error) {
      if (!(error instanceof ErrorReply) || !error.message.startsWith('BUSYGROUP')) throw error;
    }
    const last = await this.run((redis) =>
      redis.xRevRange(this.deliveriesKey, '+', '-', { COUNT: 1 }),
    );
    let lastDelivery = messagesOf(last)[0]?.id ?? '0-0';
    this.handlers = handlers;
    this.running = true;
    this.stopping = new AbortController();
    this.loops = [
      this.readLoop('csbot-handoff-events', 'handoff bus read', async (reader) => {
        const reply = await withReplyTimeout(
          reader.xReadGroup(
            this.group,
            this.options.instanceId,
            { key: this.eventsKey, id: '>' },
            { COUNT: 20, BLOCK: this.blockMs },
          ),
          this.readTimeoutMs(),
        );
        for (const entry of streamEntries(reply)) await this.process(entry);
      }),
      this.readLoop('csbot-handoff-deliveries', 'handoff deliveries read', async (reader) => {
        const reply = await withReplyTimeout(
          reader.xRead(
            { key: this.deliveriesKey, id: lastDelivery },
            { COUNT: 50, BLOCK: this.blockMs },
          ),
          this.readTimeoutMs(),
        );
        for (const { id, fields } of streamEntries(reply)) {
          lastDelivery = id;
          const text = fields.delivery;
          if (!text || !this.handlers) continue;
          try {
            await this.handlers.deliverLocally(JSON.parse(text) as CustomerDelivery);
          } catch (error) {
            this.log(`local delivery failed: ${String(error)}`);
          }
        }
      }),
    ];
    this.reclaimTimer = setInterval(() => void this.reclaim(), this.reclaimEveryMs);
    this.reclaimTimer.unref();
    await this.reclaim();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopping.abort();
    if (this.reclaimTimer) clearInterval(this.reclaimTimer);
    await this.reclaiming;
    // A blocked read would hold stop() for up to blockMs: close the readers under it.
    for (const reader of this.readers) reader.destroy();
    await Promise.allSettled(this.loops);
    this.readers.clear();
    this.handlers = null;
  }

  /** A blocking read's own timeout: longer than the block, else every idle read would "fail". */
  private readTimeoutMs(): number {
    return this.blockMs + this.availability.timeoutMs;
  }

  /** A connection of its own for blocking reads, with an error listener (else 'error' kills us). */
  private async openReader(name: string): Promise<Redis> {
    const reader: Redis = this.redis.duplicate({ name });
    // Its connection errors come back as failed reads, reported by the loop with back-off.
    reader.on('error', () => {});
    this.readers.add(reader);
    try {
      await withReplyTimeout(reader.connect(), this.readTimeoutMs());
      return reader;
    } catch (error) {
      this.closeReader(reader);
      throw error;
    }
  }

  private closeReader(reader: Redis): void {
    this.readers.delete(reader);
    reader.destroy();
  }

  /**
   * Repeats `read` on a reader connection until stop(). A failed or unanswered read (Redis down,
   * paused, restarted) drops the connection, whose queue may hold reads a paused server will run
   * late, and opens a fresh one after a growing pause.
   */
  private async readLoop(
    name: string,
    what: string,
    read: (reader: Redis) => Promise<void>,
  ): Promise<void> {
    const backoff = new Backoff();
    let reader: Redis | null = null;
    while (this.running) {
      try {
        reader ??= await this.openReader(name);
        await read(reader);
        backoff.succeeded((n) => this.log(`${what} works again after ${n} failed attempt(s)`));
      } catch (error) {
        if (reader) this.closeReader(reader);
        reader = null;
        if (!this.running) break;
        await backoff.failed(
          () => this.log(`${what} failed: ${String(error)}`),
          this.stopping.signal,
        );
      }
    }
    if (reader) this.closeReader(reader);
  }

  /** Takes over entries another (crashed) consumer read but never acknowledged. Never throws. */
  reclaim(): Promise<void> {
    if (!this.running || this.reclaiming) return this.reclaiming ?? Promise.resolve();
    this.reclaiming = (async () => {
      try {
        const reply = await this.run((redis) =>
          redis.xAutoClaim(
            this.eventsKey,
            this.group,
            this.options.instanceId,
            this.reclaimIdleMs,
            '0-0',
            { COUNT: 50 },
          ),
        );
        for (const entry of messagesOf(reply.messages)) await this.process(entry);
      } catch (error) {
        if (this.running && this.availability.isUp) {
          this.log(`handoff bus reclaim failed: ${String(error)}`);
        }
      } finally {
        this.reclaiming = null;
      }
    })();
    return this.reclaiming;
  }

  private async process({ id: streamId, fields }: StreamEntry): Promise<void> {
    const eventId = fields.id ?? streamId;
    const doneKey = this.key('done', eventId);
    const ack = () => this.run((redis) => redis.xAck(this.eventsKey, this.group, streamId));
    if ((await this.run((redis) => redis.exists(doneKey))) === 1 || !fields.event) {
      await ack();
      return;
    }
    if (!this.handlers) return;
    try {
      await this.handlers.handle(JSON.parse(fields.event) as AgentEvent);
    } catch (error) {
      const attemptsKey = this.key('attempts', eventId);
      const attempts = await this.run(async (redis) => {
        const n = await redis.incr(attemptsKey);
        await redis.expire(attemptsKey, SEEN_TTL_S);
        return n;
      });
      this.log(`handoff event ${eventId} failed (attempt ${attempts}): ${String(error)}`);
      if (attempts < MAX_ATTEMPTS) return;
    }
    await this.run((redis) =>
      redis.set(doneKey, '1', { expiration: { type: 'EX', value: SEEN_TTL_S } }),
    );
    await ack();
  }
}
