// A retried message (same channel message id) gets the first attempt's replies and no second turn.
import { describe, expect, it } from 'vitest';
import type { ConversationGateway } from '../../src/core/gateway.ts';
import type { InboundMessage } from '../../src/core/message.ts';
import { dropRetries } from '../../src/core/retries.ts';
import { MemoryIdempotencyStore, type IdempotencyStore } from '../../src/store/idempotency.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function countingGateway(slowMs = 0) {
  const turns: InboundMessage[] = [];
  let fail = false;
  const gateway: ConversationGateway = {
    async handleInbound(message) {
      turns.push(message);
      if (slowMs) await sleep(slowMs);
      if (fail) throw new Error('pipeline down');
      return [{ type: 'text', text: `第${turns.length}次回答` }];
    },
  };
  return { gateway, turns, failNext: (on: boolean) => (fail = on) };
}

function msg(id: string | undefined, conversationId = 'web:c1'): InboundMessage {
  return {
    channel: 'web',
    conversationId,
    userId: conversationId,
    ...(id ? { channelMessageId: id } : {}),
    receivedAt: new Date().toISOString(),
    content: { kind: 'text', text: '你好' },
  };
}

describe('dropRetries', () => {
  it('answers a retry with the first replies and runs no second turn', async () => {
    const { gateway, turns } = countingGateway();
    const guarded = dropRetries(gateway, new MemoryIdempotencyStore());
    const first = await guarded.handleInbound(msg('m1'));
    const retry = await guarded.handleInbound(msg('m1'));
    expect(retry).toEqual(first);
    expect(turns).toHaveLength(1);
    await guarded.handleInbound(msg('m2'));
    await guarded.handleInbound(msg('m1', 'web:other'));
    expect(turns).toHaveLength(3);
  });

  it('lets a retry that arrives mid-turn wait for the first answer', async () => {
    const { gateway, turns } = countingGateway(200);
    const guarded = dropRetries(gateway, new MemoryIdempotencyStore(), { pollMs: 20 });
    const [a, b] = await Promise.all([
      guarded.handleInbound(msg('m1')),
      guarded.handleInbound(msg('m1')),
    ]);
    expect(b).toEqual(a);
    expect(turns).toHaveLength(1);
  });

  it('shares receipts between instances through the store', async () => {
    const shared = new MemoryIdempotencyStore();
    const one = countingGateway();
    const two = countingGateway();
    await dropRetries(one.gateway, shared).handleInbound(msg('m1'));
    const retried = await dropRetries(two.gateway, shared).handleInbound(msg('m1'));
    expect(retried).toEqual([{ type: 'text', text: '第1次回答' }]);
    expect(two.turns).toHaveLength(0);
  });

  it('runs the retry when the first attempt failed', async () => {
    const { gateway, turns, failNext } = countingGateway();
    const guarded = dropRetries(gateway, new MemoryIdempotencyStore());
    failNext(true);
    await expect(guarded.handleInbound(msg('m1'))).rejects.toThrow('pipeline down');
    failNext(false);
    expect(await guarded.handleInbound(msg('m1'))).toEqual([{ type: 'text', text: '第2次回答' }]);
    expect(turns).toHaveLength(2);
  });

  it('runs the retry when the first attempt went silent (its instance died)', async () => {
    const store = new MemoryIdempotencyStore();
    await store.claim(
      'msg:web:c1:m1',
      JSON.stringify({ state: 'pending', at: Date.now() }),
      60_000,
    );
    const { gateway, turns } = countingGateway();
    const guarded = dropRetries(gateway, store, { waitMs: 60, pollMs: 20, staleMs: 50 });
    expect(await guarded.handleInbound(msg('m1'))).toEqual([{ type: 'text', text: '第1次回答' }]);
    expect(turns).toHaveLength(1);
  });

  it('handles messages without an id and a store outage as new messages', async () => {
    const { gateway, turns } = countingGateway();
    const broken: IdempotencyStore = {
      claim: () => Promise.reject(new Error('redis down')),
      settle: () => Promise.reject(new Error('redis down')),
      peek: () => Promise.reject(new Error('redis down')),
    };
    const warnings: string[] = [];
    const guarded = dropRetries(gateway, broken, { warn: (m) => warnings.push(m) });
    await guarded.handleInbound(msg(undefined));
    await guarded.handleInbound(msg('m1'));
    expect(turns).toHaveLength(2);
    expect(warnings).toContain('checking a message id failed; handled as new');
  });
});
