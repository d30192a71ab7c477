// Carries agent actions between bot instances. Slack may call any instance, and it is acknowledged
// before the work is done, so each action goes on a durable stream that exactly one instance
// handles (a crashed consumer's entries are reclaimed). Messages for customers who hold a live
// connection to one instance (web socket, wechaty) are broadcast so that instance can push them.
import type { Redis } from 'ioredis';
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

/** Single-instance bus: same contract, in process. */
export class MemoryHandoffBus implements HandoffBus {
  private handlers: HandoffBusHandlers | null = null;
  private readonly seen = new Set<string>();
  private tail: Promise<void> = Promise.resolve();
  private readonly backlog: AgentEvent[] = [];

  constructor(private readonly log: (message: string) => void = console.error) {}

  async publish(eventId: string, event: AgentEvent): Promise<boolean> {
    if (this.seen.has(eventId)) return false;
    this.seen.add(eventId);
    if (!this.handlers) {
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
  log?: (message: string) => void;
}

type StreamEntry = [id: string, fields: string[]];

/** XREAD/XREADGROUP replies: RESP2 gives [[key, entries]], RESP3 a map flattened to [key, entries]. */
function streamEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  if (typeof reply[0] === 'string') {
    const out: StreamEntry[] = [];
    for (let i = 1; i < reply.length; i += 2)
      out.push(...((reply[i] as StreamEntry[] | null) ?? []));
    return out;
  }
  return (reply as [string, StreamEntry[] | null][]).flatMap(([, entries]) => entries ?? []);
}

function fieldsOf(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}

/**
 * Redis Streams bus: agent actions go to one stream read through a consumer group (each entry to
 * one instance, XACK after handling, XAUTOCLAIM for entries a dead instance left pending, event ids
 * deduplicated); customer deliveries go to a second stream every instance reads in full.
 */
export class RedisHandoffBus implements HandoffBus {
  private readonly eventsKey: string;
  private readonly deliveriesKey: string;
  private readonly group = 'handoff';
  private readonly blockMs: number;
  private readonly reclaimIdleMs: number;
  private readonly reclaimEveryMs: number;
  private readonly log: (message: string) => void;
  private running = false;
  private loops: Promise<void>[] = [];
  private readers: Redis[] = [];
  private reclaimTimer: NodeJS.Timeout | null = null;
  private handlers: HandoffBusHandlers | null = null;

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
  }

  private key(kind: string, id: string): string {
    return `${this.options.prefix ?? 'csbot:'}handoff:${kind}:${id}`;
  }

  async publish(eventId: string, event: AgentEvent): Promise<boolean> {
    const fresh = await this.redis.set(this.key('seen', eventId), '1', 'EX', SEEN_TTL_S, 'NX');
    if (fresh !== 'OK') return false;
    await this.redis.xadd(
      this.eventsKey,
      'MAXLEN',
      '~',
      10_000,
      '*',
      'id',
      eventId,
      'event',
      JSON.stringify(event),
    );
    return true;
  }

  async broadcast(delivery: CustomerDelivery): Promise<void> {
    await this.redis.xadd(
      this.deliveriesKey,
      'MAXLEN',
      '~',
      1000,
      '*',
      'delivery',
      JSON.stringify(delivery),
    );
  }

  async start(handlers: HandoffBusHandlers): Promise<void> {
    if (this.running) return;
    this.handlers = handlers;
    this.running = true;
    try {
      await this.redis.xgroup('CREATE', this.eventsKey, this.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
    const last = (await this.redis.xrevrange(
      this.deliveriesKey,
      '+',
      '-',
      'COUNT',
      1,
    )) as StreamEntry[];
    const eventsReader = this.redis.duplicate();
    const deliveriesReader = this.redis.duplicate();
    this.readers = [eventsReader, deliveriesReader];
    this.loops = [
      this.eventLoop(eventsReader),
      this.deliveryLoop(deliveriesReader, last[0]?.[0] ?? '0-0'),
    ];
    this.reclaimTimer = setInterval(() => void this.reclaim(), this.reclaimEveryMs);
    this.reclaimTimer.unref();
    await this.reclaim();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.reclaimTimer) clearInterval(this.reclaimTimer);
    await Promise.allSettled(this.loops);
    for (const reader of this.readers) reader.disconnect();
    this.readers = [];
    this.handlers = null;
  }

  private async eventLoop(reader: Redis): Promise<void> {
    while (this.running) {
      try {
        const reply = await reader.call(
          'XREADGROUP',
          'GROUP',
          this.group,
          this.options.instanceId,
          'COUNT',
          '20',
          'BLOCK',
          String(this.blockMs),
          'STREAMS',
          this.eventsKey,
          '>',
        );
        for (const entry of streamEntries(reply)) await this.process(entry);
      } catch (error) {
        if (this.running) {
          this.log(`handoff bus read failed: ${String(error)}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  }

  private async deliveryLoop(reader: Redis, startId: string): Promise<void> {
    let lastId = startId;
    while (this.running) {
      try {
        const reply = await reader.call(
          'XREAD',
          'COUNT',
          '50',
          'BLOCK',
          String(this.blockMs),
          'STREAMS',
          this.deliveriesKey,
          lastId,
        );
        for (const [id, fields] of streamEntries(reply)) {
          lastId = id;
          const text = fieldsOf(fields ?? []).delivery;
          if (!text || !this.handlers) continue;
          try {
            await this.handlers.deliverLocally(JSON.parse(text) as CustomerDelivery);
          } catch (error) {
            this.log(`local delivery failed: ${String(error)}`);
          }
        }
      } catch (error) {
        if (this.running) {
          this.log(`handoff delivery read failed: ${String(error)}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  }

  /** Takes over entries another (crashed) consumer read but never acknowledged. */
  async reclaim(): Promise<void> {
    if (!this.running) return;
    try {
      const reply = (await this.redis.call(
        'XAUTOCLAIM',
        this.eventsKey,
        this.group,
        this.options.instanceId,
        String(this.reclaimIdleMs),
        '0-0',
        'COUNT',
        '50',
      )) as [string, StreamEntry[], ...unknown[]];
      for (const entry of reply[1] ?? []) {
        if (entry && entry[1]) await this.process(entry);
      }
    } catch (error) {
      if (this.running) this.log(`handoff bus reclaim failed: ${String(error)}`);
    }
  }

  private async process([streamId, rawFields]: StreamEntry): Promise<void> {
    const fields = fieldsOf(rawFields);
    const eventId = fields.id ?? streamId;
    const doneKey = this.key('done', eventId);
    if ((await this.redis.exists(doneKey)) === 1 || !fields.event || !this.handlers) {
      if (fields.event && this.handlers)
        await this.redis.xack(this.eventsKey, this.group, streamId);
      return;
    }
    try {
      await this.handlers.handle(JSON.parse(fields.event) as AgentEvent);
    } catch (error) {
      const attempts = await this.redis.incr(this.key('attempts', eventId));
      await this.redis.expire(this.key('attempts', eventId), SEEN_TTL_S);
      this.log(`handoff event ${eventId} failed (attempt ${attempts}): ${String(error)}`);
      if (attempts < MAX_ATTEMPTS) return;
    }
    await this.redis.set(doneKey, '1', 'EX', SEEN_TTL_S);
    await this.redis.xack(this.eventsKey, this.group, streamId);
  }
}
