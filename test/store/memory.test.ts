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
import { sampleTicket, settlesWithin } from './support.ts';

// One process holds the data, so every handle is the same instance.
describeStateStoreContract('memory', async ({ clock, stateTtlMs }) => {
  const store = new MemoryStateStore({ clock: clock.now, ...(stateTtlMs ? { stateTtlMs } : {}) });
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

describe('MemoryTicketStore with a journal', () => {
  it('writes every change to the journal first, and a change whose write fails does not happen', async () => {
    const written: string[] = [];
    let failNext = false;
    const store = new MemoryTicketStore({
      clock: () => new Date('2026-11-23T02:00:00Z'),
      journal: {
        async record(event) {
          if (failNext) {
            failNext = false;
            throw new Error('disk full');
          }
          written.push(event.type);
        },
      },
    });
    failNext = true;
    await expect(store.create(sampleTicket('web:c1'), 'bot')).rejects.toThrow('disk full');
    expect(await store.list()).toEqual([]);
    // The failed create did not use up the day's first number.
    const first = await store.create(sampleTicket('web:c1'), 'bot');
    expect(first.id).toMatch(/-0001$/);
    failNext = true;
    await expect(
      store.setStatus(first.id, { status: 'in_progress', by: 'agent' }),
    ).rejects.toThrow();
    expect((await store.get(first.id))?.status).toBe('open');
    await store.setStatus(first.id, { status: 'in_progress', by: 'agent' });
    expect(written).toEqual(['created', 'status']);
  });
});
