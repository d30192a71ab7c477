// One contract for the console's statistics and conversation index, run against the memory, the
// file (embedded default) and the Redis stores (test/console/stats.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsoleStores, ConversationSummary } from '../../src/console/stats/types.ts';

export interface ConsoleStoresHarness {
  /** Another handle on the same data: another instance, or (file) the data after a restart. */
  open(): Promise<ConsoleStores>;
  cleanup(): Promise<void>;
}

export function summary(ref: string, over: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    ref,
    channel: 'web',
    startedAt: '2026-11-20T02:00:00.000Z',
    lastAt: '2026-11-20T02:05:00.000Z',
    turns: 1,
    topics: [],
    questions: [],
    ticketIds: [],
    words: [],
    human: false,
    ...over,
  };
}

export function describeConsoleStoresContract(
  name: string,
  harness: () => Promise<ConsoleStoresHarness>,
): void {
  describe(`console statistics contract: ${name}`, () => {
    let h: ConsoleStoresHarness;
    const open = async () => {
      h = await harness();
      return h.open();
    };
    afterEach(async () => {
      await h?.cleanup();
    });

    it('adds counters per day and reads back only the days in range', async () => {
      const stores = await open();
      await stores.statistics.add('2026-11-20', { turns: 2, 'conv:web': 1 });
      await stores.statistics.add('2026-11-20', { turns: 1, fallback: 1 });
      await stores.statistics.add('2026-11-21', { turns: 5 });
      await stores.statistics.add('2026-11-25', { turns: 7 });
      const read = await stores.statistics.read('2026-11-20', '2026-11-21');
      expect(Object.fromEntries(read)).toEqual({
        '2026-11-20': { turns: 3, 'conv:web': 1, fallback: 1 },
        '2026-11-21': { turns: 5 },
      });
      expect((await stores.statistics.read('2026-11-22', '2026-11-24')).size).toBe(0);
    });

    it("replaces an item's contribution, also on another day, and withdraws it", async () => {
      const stores = await open();
      await stores.statistics.contribute('ticket:T1', '2026-11-20', ['complaint', 'status:open']);
      await stores.statistics.contribute('ticket:T2', '2026-11-20', ['complaint', 'status:open']);
      await stores.statistics.contribute('ticket:T1', '2026-11-20', [
        'complaint',
        'status:resolved',
      ]);
      expect(Object.fromEntries(await stores.statistics.read('2026-11-20', '2026-11-20'))).toEqual({
        '2026-11-20': { complaint: 2, 'status:open': 1, 'status:resolved': 1 },
      });
      await stores.statistics.contribute('ticket:T2', '2026-11-21', ['complaint']);
      await stores.statistics.contribute('ticket:T1', '2026-11-20', []);
      expect(Object.fromEntries(await stores.statistics.read('2026-11-19', '2026-11-22'))).toEqual({
        '2026-11-21': { complaint: 1 },
      });
    });

    it('keeps counters, contributions and summaries for the next handle', async () => {
      const first = await open();
      await first.statistics.add('2026-11-20', { turns: 2 });
      await first.statistics.contribute('ticket:T1', '2026-11-20', ['status:open']);
      await first.conversations.put(summary('web:a', { words: ['开户'] }), null);
      await first.close();
      const second = await h.open();
      await second.statistics.contribute('ticket:T1', '2026-11-20', ['status:resolved']);
      expect(Object.fromEntries(await second.statistics.read('2026-11-20', '2026-11-20'))).toEqual({
        '2026-11-20': { turns: 2, 'status:resolved': 1 },
      });
      expect(await second.conversations.get('web:a')).toEqual(
        summary('web:a', { words: ['开户'] }),
      );
      expect(
        (await second.conversations.search({ words: ['开户'], offset: 0, limit: 5 })).items,
      ).toHaveLength(1);
      await second.close();
    });

    it('gets and replaces summaries', async () => {
      const stores = await open();
      expect(await stores.conversations.get('web:none')).toBeNull();
      const a = summary('web:a', { topics: ['fees'] });
      await stores.conversations.put(a, null);
      const b = {
        ...a,
        turns: 2,
        topics: ['fees', 'account_opening'],
        lastAt: '2026-11-20T03:00:00.000Z',
      };
      await stores.conversations.put(b, a);
      expect(await stores.conversations.get('web:a')).toEqual(b);
      expect(
        (await stores.conversations.search({ topic: 'account_opening', offset: 0, limit: 5 }))
          .items,
      ).toEqual([b]);
    });

    it('searches by latest message, channel, topic, ticket and words, newest first, in pages', async () => {
      const stores = await open();
      const all = [
        summary('web:1', {
          lastAt: '2026-11-20T01:00:00.000Z',
          topics: ['fees'],
          words: ['佣金', '多少'],
        }),
        summary('wechat-mp:2', {
          channel: 'wechat-mp',
          lastAt: '2026-11-20T02:00:00.000Z',
          topics: ['fees', 'complaint'],
          ticketIds: ['TS20261120-0001'],
          words: ['佣金', '投诉'],
        }),
        summary('web:3', {
          lastAt: '2026-11-21T02:00:00.000Z',
          topics: ['account_opening'],
          words: ['开户'],
        }),
        summary('web:4', { lastAt: '2026-11-22T02:00:00.000Z', topics: ['fees'], words: ['佣金'] }),
      ];
      for (const s of all) await stores.conversations.put(s, null);
      const refs = async (query: Parameters<ConsoleStores['conversations']['search']>[0]) => {
        const page = await stores.conversations.search(query);
        return { refs: page.items.map((s) => s.ref), next: page.next };
      };
      expect(await refs({ offset: 0, limit: 10 })).toEqual({
        refs: ['web:4', 'web:3', 'wechat-mp:2', 'web:1'],
        next: null,
      });
      expect(await refs({ offset: 0, limit: 3 })).toEqual({
        refs: ['web:4', 'web:3', 'wechat-mp:2'],
        next: 3,
      });
      expect(await refs({ offset: 3, limit: 3 })).toEqual({ refs: ['web:1'], next: null });
      expect(await refs({ channel: 'web', words: ['佣金'], offset: 0, limit: 10 })).toEqual({
        refs: ['web:4', 'web:1'],
        next: null,
      });
      expect(
        await refs({
          fromMs: Date.parse('2026-11-20T01:30:00.000Z'),
          toMs: Date.parse('2026-11-21T02:00:00.000Z'),
          offset: 0,
          limit: 10,
        }),
      ).toEqual({ refs: ['web:3', 'wechat-mp:2'], next: null });
      expect(await refs({ ticket: 'TS20261120-0001', offset: 0, limit: 10 })).toEqual({
        refs: ['wechat-mp:2'],
        next: null,
      });
      expect(await refs({ topic: 'fees', words: ['佣金', '投诉'], offset: 0, limit: 10 })).toEqual({
        refs: ['wechat-mp:2'],
        next: null,
      });
      expect(
        await refs({
          topic: 'fees',
          fromMs: Date.parse('2026-11-22T00:00:00.000Z'),
          offset: 1,
          limit: 1,
        }),
      ).toEqual({ refs: [], next: null });
      expect(await refs({ words: ['没有'], offset: 0, limit: 10 })).toEqual({
        refs: [],
        next: null,
      });
    });
  });
}
