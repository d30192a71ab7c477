import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  MemoryHandoffQueue,
  RECENT_WAITS,
  RedisHandoffQueue,
  type HandoffQueue,
} from '../../src/handoff/queue.ts';
import { closeRedis, connectRedis, type Redis } from '../../src/store/redis-connection.ts';

let redis: Redis;
beforeAll(async () => {
  redis = await connectRedis(inject('redisUrl'));
});
afterAll(() => closeRedis(redis));

describe.each([
  ['memory', () => new MemoryHandoffQueue()],
  ['redis', () => new RedisHandoffQueue(redis, `csbot-test-${randomUUID()}:`)],
] as [string, () => HandoffQueue][])('%s handoff queue', (_name, make) => {
  it('keeps one line in arrival order with positions', async () => {
    const q = make();
    await q.enqueue('b', 2000);
    await q.enqueue('a', 1000);
    await q.enqueue('c', 3000);
    await q.enqueue('a', 9000); // already waiting: keeps its place
    expect(await q.waiting()).toEqual([
      { conversationId: 'a', enqueuedAt: 1000 },
      { conversationId: 'b', enqueuedAt: 2000 },
      { conversationId: 'c', enqueuedAt: 3000 },
    ]);
    expect(await q.position('c')).toBe(3);
    expect(await q.remove('a')).toBe(true);
    expect(await q.remove('a')).toBe(false);
    expect(await q.position('c')).toBe(2);
    expect(await q.position('a')).toBeNull();
  });

  it('remembers recent waits, newest first, and the thread index both ways', async () => {
    const q = make();
    for (let i = 1; i <= RECENT_WAITS + 5; i++) await q.recordWait(i * 1000);
    const waits = await q.recentWaits();
    expect(waits).toHaveLength(RECENT_WAITS);
    expect(waits[0]).toBe((RECENT_WAITS + 5) * 1000);
    await q.bindThread('web:1', 'C1:1700.1');
    expect(await q.conversationForThread('C1:1700.1')).toBe('web:1');
    expect(await q.threadForConversation('web:1')).toBe('C1:1700.1');
    expect(await q.conversationForThread('C1:nope')).toBeNull();
  });
});
