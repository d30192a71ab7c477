import { describe, expect, it } from 'vitest';
import {
  KeyedLock,
  MemoryStateStore,
  MemoryTicketStore,
  MemoryTranscriptStore,
} from '../../src/store/memory.ts';
import { describeStateStoreContract } from './state.contract.ts';
import { describeTicketStoreContract } from './ticket.contract.ts';
import { describeTranscriptStoreContract } from './transcript.contract.ts';
import { settlesWithin } from './support.ts';

// One process holds the data, so every handle is the same instance.
describeStateStoreContract('memory', async () => {
  const store = new MemoryStateStore();
  return { open: async () => store, concurrentHandles: true, cleanup: async () => {} };
});

describeTranscriptStoreContract('memory', async () => {
  const store = new MemoryTranscriptStore();
  return { open: async () => store, concurrentHandles: true, cleanup: async () => {} };
});

describeTicketStoreContract('memory', async ({ clock }) => {
  const store = new MemoryTicketStore({ clock: clock.now });
  return { open: async () => store, concurrentHandles: true, cleanup: async () => {} };
});

describe('KeyedLock', () => {
  it('gives up waiting after the wait limit and still hands the lock on in order', async () => {
    const lock = new KeyedLock(() => 50);
    const release = await lock.acquire('k', 10_000);
    await expect(lock.acquire('k', 10_000)).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });
    const third = lock.acquire('k', 10_000);
    expect(await settlesWithin(third, 20)).toBe(false);
    await release();
    await (
      await third
    )();
  });
});
