import { describe, expect, it, vi } from 'vitest';
import { BoundedMap } from '../../src/store/bounded-map.ts';
import { MemoryHandoffBus } from '../../src/handoff/bus.ts';
import { MemoryHandoffQueue } from '../../src/handoff/queue.ts';
import { MemoryStateStore, MemoryTranscriptStore } from '../../src/store/memory.ts';
import { sampleEntry, sampleState, TestClock } from './support.ts';

describe('BoundedMap', () => {
  it('drops the least recently used entry beyond its cap', () => {
    const evicted: string[] = [];
    const map = new BoundedMap<number>({
      maxEntries: 2,
      idleMs: Infinity,
      onEvict: (key) => evicted.push(key),
    });
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1); // a is now the most recent
    map.set('c', 3);
    expect([...map.entries()]).toEqual([
      ['a', 1],
      ['c', 3],
    ]);
    expect(evicted).toEqual(['b']);
  });

  it('forgets entries not touched within their idle time; a peek does not touch', () => {
    let now = 0;
    const map = new BoundedMap<string>({ maxEntries: 10, idleMs: 100, now: () => now });
    map.set('kept', 'x');
    map.set('idle', 'y');
    now = 60;
    expect(map.get('kept')).toBe('x');
    expect(map.get('idle', false)).toBe('y');
    now = 120;
    expect(map.has('idle')).toBe(false);
    expect(map.get('kept')).toBe('x');
    expect(map.size).toBe(1);
  });

  it('sweeps on a timer, so memory goes down without further traffic', async () => {
    const map = new BoundedMap<string>({ maxEntries: 10, idleMs: 30, sweepEveryMs: 20 });
    map.set('a', 'x');
    map.set('b', 'y');
    // The sweep timer empties it with no call from here; wait for that, not for a guessed time.
    await vi.waitFor(() => expect(map.size).toBe(0), { timeout: 2000, interval: 10 });
  });
});

describe('bounded in-memory stores', () => {
  it('memory state store keeps at most maxConversations, dropping the longest unsaved', async () => {
    const store = new MemoryStateStore({ maxConversations: 3 });
    for (const id of ['web:1', 'web:2', 'web:3', 'web:4']) await store.save(sampleState(id), null);
    expect(await store.load('web:1')).toBeNull();
    expect((await store.load('web:4'))?.version).toBe(1);
  });

  it('memory transcripts forget a conversation nobody wrote to within the idle time', async () => {
    const clock = new TestClock();
    const store = new MemoryTranscriptStore({ idleMs: 1000, clock: clock.now });
    await store.append(sampleEntry('web:t', '您好'));
    clock.advance(1001);
    expect(await store.list('web:t')).toEqual([]);
  });

  it('handoff bus remembers event ids for deduplication within a bound', async () => {
    let now = 0;
    const bus = new MemoryHandoffBus(() => {}, { now: () => now, maxSeen: 100 });
    const event = {
      type: 'closed',
      conversationId: 'web:b',
      agent: { id: 'U', name: 'A' },
    } as const;
    expect(await bus.publish('Ev-1', event)).toBe(true);
    expect(await bus.publish('Ev-1', event)).toBe(false);
    for (let i = 0; i < 500; i++) await bus.publish(`Ev-x${i}`, event);
    expect(bus.rememberedEvents).toBeLessThanOrEqual(100);
    now += 25 * 3600_000;
    await bus.publish('Ev-late', event);
    expect(bus.rememberedEvents).toBe(1);
  });

  it('handoff thread index forgets threads after their lifetime, as Redis does', async () => {
    let now = 0;
    const queue = new MemoryHandoffQueue({ threadIndexMs: 1000, now: () => now });
    await queue.bindThread('web:q', 'C1:1.1');
    expect(await queue.conversationForThread('C1:1.1')).toBe('web:q');
    now = 1001;
    expect(await queue.conversationForThread('C1:1.1')).toBeNull();
    expect(await queue.threadForConversation('web:q')).toBeNull();
  });
});
