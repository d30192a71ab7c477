import { describe, expect, inject, it } from 'vitest';
import { MemoryIdempotencyStore, RedisIdempotencyStore } from '../../src/store/idempotency.ts';
import { describeIdempotencyStoreContract } from './idempotency.contract.ts';
import { RedisSandbox } from './support.ts';

describeIdempotencyStoreContract('memory', async () => {
  const store = new MemoryIdempotencyStore();
  return { open: async () => store, cleanup: async () => {} };
});

// Each open() is a new connection under the test's own prefix: another bot instance.
describeIdempotencyStoreContract('redis', async () => {
  const sandbox = new RedisSandbox(inject('redisUrl'));
  return {
    open: async () => {
      const redis = await sandbox.connect();
      return new RedisIdempotencyStore((args) => redis.sendCommand(args), sandbox.prefix);
    },
    cleanup: () => sandbox.cleanup(),
  };
});

describe('MemoryIdempotencyStore', () => {
  it('keeps at most maxKeys, dropping the oldest first', async () => {
    const store = new MemoryIdempotencyStore({ maxKeys: 3 });
    for (const key of ['a', 'b', 'c', 'd']) await store.claim(key, key, 60_000);
    expect(store.size).toBe(3);
    expect(await store.claim('a', 'again', 60_000)).toEqual({ claimed: true });
    expect(await store.claim('d', 'again', 60_000)).toEqual({ claimed: false, value: 'd' });
  });
});
