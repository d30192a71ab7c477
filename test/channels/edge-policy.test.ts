import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  RATE_LIMITED_TEXT,
  TokenBucketLimiter,
  characterCount,
  createIpRateLimiter,
  guardGateway,
} from '../../src/channels/edge-policy.ts';
import type { ConversationGateway, RefusalReason } from '../../src/core/gateway.ts';
import type { InboundContent, InboundMessage, OutboundMessage } from '../../src/core/message.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function recordingGateway() {
  const received: InboundMessage[] = [];
  const refused: { text: string; reason: RefusalReason; replies: OutboundMessage[] }[] = [];
  const gateway: ConversationGateway = {
    async handleInbound(message) {
      received.push(message);
      return [{ type: 'text', text: '好的' }];
    },
    async recordRefused(message, replies, reason) {
      refused.push({
        text: message.content.kind === 'text' ? message.content.text : message.content.kind,
        reason,
        replies,
      });
    },
  };
  return { gateway, received, refused };
}

function inbound(conversationId: string, content: InboundContent): InboundMessage {
  return {
    channel: 'web',
    conversationId,
    userId: conversationId,
    receivedAt: new Date(0).toISOString(),
    content,
  };
}

const text = (t: string): InboundContent => ({ kind: 'text', text: t });

describe('TokenBucketLimiter', () => {
  it('allows a burst, then refills at the configured rate', () => {
    const time = clock();
    const limiter = new TokenBucketLimiter({ capacity: 3, refillPerSecond: 1 }, time.now);
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterMs: 1000 });
    time.advance(500);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterMs: 500 });
    time.advance(500);
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('b').ok).toBe(true);
  });

  it('never refills beyond the burst size after a long pause', () => {
    const time = clock();
    const limiter = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 1 }, time.now);
    limiter.take('a');
    time.advance(3_600_000);
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, false]);
  });

  it('forgets idle keys and caps how many it tracks', () => {
    const time = clock();
    const limiter = new TokenBucketLimiter(
      { capacity: 2, refillPerSecond: 1, maxTrackedKeys: 3 },
      time.now,
    );
    ['a', 'b', 'c', 'd'].forEach((key) => limiter.take(key));
    expect(limiter.size).toBe(3);
    time.advance(5_000);
    limiter.take('e');
    expect(limiter.size).toBe(1);
  });

  it('refuses a configuration that would block everyone', () => {
    expect(() => new TokenBucketLimiter({ capacity: 0, refillPerSecond: 1 })).toThrow(RangeError);
    expect(() => new TokenBucketLimiter({ capacity: 1, refillPerSecond: 0 })).toThrow(RangeError);
  });
});

describe('guardGateway', () => {
  it('answers an over-long text politely, counting characters as people do', async () => {
    const { gateway, received } = recordingGateway();
    const guarded = guardGateway(gateway, { maxMessageLength: 5 });
    const reply = await guarded.handleInbound(inbound('web:a', text('您好您好您好')));
    expect(reply).toEqual([
      { type: 'text', text: expect.stringContaining('5 字'), from: 'system' },
    ]);
    expect(reply[0]?.text).toMatch(/^对不起/);
    await guarded.handleInbound(inbound('web:a', text('👍👍👍👍👍')));
    expect(characterCount('👍👍')).toBe(2);
    expect(received).toHaveLength(1);
  });

  it('passes choices, events and media through to the pipeline', async () => {
    const { gateway, received } = recordingGateway();
    const guarded = guardGateway(gateway, { maxMessageLength: 1 });
    await guarded.handleInbound(
      inbound('web:a', { kind: 'choice', value: 'long_value', label: '很长的标签' }),
    );
    await guarded.handleInbound(inbound('web:a', { kind: 'event', event: 'conversation_start' }));
    await guarded.handleInbound(inbound('web:a', { kind: 'media', media: 'image' }));
    expect(received).toHaveLength(3);
  });

  it('never refuses a conversation for speed: a whole burst reaches the gateway', async () => {
    const { gateway, received, refused } = recordingGateway();
    const guarded = guardGateway(gateway);
    const burst = [
      '在吗',
      '人呢',
      '怎么不回',
      '转人工',
      '在吗',
      '有人吗',
      '快点',
      '转人工',
      '喂',
      '？',
    ];
    await Promise.all(burst.map((t) => guarded.handleInbound(inbound('web:a', text(t)))));
    expect(received.map((m) => m.content)).toEqual(burst.map(text));
    expect(refused).toEqual([]);
  });
});

describe('createIpRateLimiter', () => {
  it('answers 429 with a polite JSON error only under the prefix', async () => {
    const time = clock();
    const limiter = createIpRateLimiter({ capacity: 1, refillPerSecond: 0.25, now: time.now });
    const server = Fastify();
    server.addHook('onRequest', limiter.onRequestHook({ prefix: '/api/web/' }));
    server.get('/api/web/ping', async () => ({ ok: true }));
    server.get('/widget.js', async () => 'js');
    const first = await server.inject({ url: '/api/web/ping', remoteAddress: '10.0.0.1' });
    expect(first.statusCode).toBe(200);
    const second = await server.inject({ url: '/api/web/ping', remoteAddress: '10.0.0.1' });
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('4');
    expect(second.json()).toEqual({ error: { code: 'rate_limited', message: RATE_LIMITED_TEXT } });
    const neighbour = await server.inject({ url: '/api/web/ping', remoteAddress: '10.0.0.2' });
    expect(neighbour.statusCode).toBe(200);
    const asset = await server.inject({ url: '/widget.js', remoteAddress: '10.0.0.1' });
    expect(asset.statusCode).toBe(200);
    time.advance(4000);
    const later = await server.inject({ url: '/api/web/ping', remoteAddress: '10.0.0.1' });
    expect(later.statusCode).toBe(200);
    await server.close();
  });

  it('exposes take() for other transports', () => {
    const limiter = createIpRateLimiter({ capacity: 1, refillPerSecond: 1, now: () => 0 });
    expect(limiter.take('1.2.3.4').ok).toBe(true);
    expect(limiter.take('1.2.3.4').ok).toBe(false);
  });
});
