// Robustness at the channel edge: rate limits (per client IP, per socket) and a maximum message
// length, answered politely instead of reaching the pipeline. In memory, per instance. There is
// no per-conversation limit that drops messages: a customer's burst is read together instead
// (src/core/bursts.ts), and floods are stopped by the IP and socket limits.
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { ConversationGateway, RefusalReason } from '../core/gateway.ts';
import type { InboundMessage, OutboundMessage } from '../core/message.ts';

export const RATE_LIMITED_TEXT = '您发送得太快了，请稍候几秒再试。';

export function tooLongText(maxLength: number): string {
  return `对不起，您的消息超过了 ${maxLength} 字，请精简后分几次发送，谢谢。`;
}

/** A token bucket: `capacity` messages in a burst, refilled at `refillPerSecond`. */
export interface TokenBucketOptions {
  capacity: number;
  refillPerSecond: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Keyed token buckets with bounded memory: idle buckets are swept, the key count is capped. */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;
  private readonly fullRefillMs: number;

  constructor(
    private readonly options: TokenBucketOptions & { maxTrackedKeys?: number },
    private readonly now: () => number = Date.now,
  ) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) {
      throw new RangeError('a token bucket needs capacity >= 1 and refillPerSecond > 0');
    }
    this.fullRefillMs = (options.capacity / options.refillPerSecond) * 1000;
    this.lastSweep = now();
  }

  /** Takes one token for `key` if there is one. */
  take(key: string): RateDecision {
    const now = this.now();
    this.sweep(now);
    const { capacity, refillPerSecond } = this.options;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= (this.options.maxTrackedKeys ?? 100_000)) {
        // Oldest-inserted first: under a key flood the newest keys keep their limits.
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
      bucket = { tokens: capacity, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      const elapsed = Math.max(0, now - bucket.updatedAt);
      bucket.tokens = Math.min(capacity, bucket.tokens + (elapsed * refillPerSecond) / 1000);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / refillPerSecond) * 1000) };
  }

  /** How many keys are tracked (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    const interval = Math.max(1000, this.fullRefillMs);
    if (now - this.lastSweep < interval) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt >= this.fullRefillMs) this.buckets.delete(key);
    }
  }
}

export interface GuardOptions {
  /** Longest text accepted, in characters (code points). Default 500. */
  maxMessageLength?: number;
  /** Hears every refusal (for metrics); the gateway's recordRefused keeps it in the transcript. */
  onRefused?: (message: InboundMessage, reason: RefusalReason, replies: OutboundMessage[]) => void;
}

export const DEFAULT_MAX_MESSAGE_LENGTH = 500;
export const DEFAULT_IP_LIMIT: TokenBucketOptions = { capacity: 120, refillPerSecond: 30 };
/** Messages on one WebSocket: a person's burst fits, a script's flood does not. */
export const DEFAULT_SOCKET_LIMIT: TokenBucketOptions = { capacity: 30, refillPerSecond: 2 };

/** The polite answer to a message refused for coming too fast (socket or IP limit). */
export function rateLimitedReply(): OutboundMessage {
  return { type: 'event', event: 'rate_limited', text: RATE_LIMITED_TEXT, from: 'system' };
}

/**
 * Wraps a gateway so that too-long messages get a polite reply and never reach the turn (no lock,
 * no NLU, no state); the inner gateway's recordRefused keeps them in the transcript.
 */
export function guardGateway(
  gateway: ConversationGateway,
  options: GuardOptions = {},
): ConversationGateway {
  const maxLength = options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
  const refuse = async (
    message: InboundMessage,
    reason: RefusalReason,
    replies: OutboundMessage[],
  ): Promise<OutboundMessage[]> => {
    options.onRefused?.(message, reason, replies);
    await gateway.recordRefused?.(message, replies, reason);
    return replies;
  };
  return {
    async handleInbound(message: InboundMessage): Promise<OutboundMessage[]> {
      const { content } = message;
      if (content.kind === 'text' && characterCount(content.text) > maxLength) {
        return refuse(message, 'too_long', [
          { type: 'text', text: tooLongText(maxLength), from: 'system' },
        ]);
      }
      return gateway.handleInbound(message);
    },
    ...(gateway.recordRefused ? { recordRefused: gateway.recordRefused.bind(gateway) } : {}),
  };
}

/** Length as a person counts it: an emoji is one character, not two UTF-16 units. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

export interface IpRateLimiter {
  take(ip: string): RateDecision;
  /** An onRequest hook answering 429 with a polite JSON error; only for URLs under `prefix`. */
  onRequestHook(options?: { prefix?: string }): onRequestHookHandler;
}

export function createIpRateLimiter(
  options: Partial<TokenBucketOptions> & { maxTrackedIps?: number; now?: () => number } = {},
): IpRateLimiter {
  const limiter = new TokenBucketLimiter(
    {
      capacity: options.capacity ?? DEFAULT_IP_LIMIT.capacity,
      refillPerSecond: options.refillPerSecond ?? DEFAULT_IP_LIMIT.refillPerSecond,
      maxTrackedKeys: options.maxTrackedIps,
    },
    options.now,
  );
  return {
    take: (ip) => limiter.take(ip),
    onRequestHook({ prefix } = {}) {
      return async function ipRateLimit(request: FastifyRequest, reply: FastifyReply) {
        if (prefix && !request.url.startsWith(prefix)) return;
        const decision = limiter.take(request.ip);
        if (decision.ok) return;
        // Returning the reply ends the request here (fastify's rule for async hooks).
        return reply
          .code(429)
          .header('retry-after', String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))))
          .send({ error: { code: 'rate_limited', message: RATE_LIMITED_TEXT } });
      };
    },
  };
}
