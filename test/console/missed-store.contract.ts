// What every MissedStore owes the console and `csbot review`: missed messages by time, day
// tallies, the bounds, and (for shared stores) the same data on another handle.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MissedStore, NewMissedMessage } from '../../src/console/missed-store.ts';
import { TestClock } from '../store/support.ts';

export interface MissedHarness {
  /** Another handle on the same data: another instance, or the same files after a restart. */
  open(bounds?: { maxMessages?: number; maxAgeDays?: number }): Promise<MissedStore>;
  /** Whether two handles see each other's writes live (false: file stores, one owner). */
  concurrentHandles: boolean;
  cleanup(): Promise<void>;
}

export function missed(
  at: string,
  text: string,
  over: Partial<NewMissedMessage> = {},
): NewMissedMessage {
  return {
    at,
    channel: 'web',
    text,
    kind: 'not_understood',
    step: 1,
    intent: 'out_of_scope',
    confidence: 0.2,
    topic: 'faq.account_open',
    topicConfidence: 0.1,
    ...over,
  };
}

export function describeMissedStoreContract(
  name: string,
  make: (clock: TestClock) => Promise<MissedHarness>,
): void {
  describe(`${name} MissedStore contract`, () => {
    let clock: TestClock;
    let harness: MissedHarness;
    let store: MissedStore;

    beforeEach(async () => {
      clock = new TestClock('2026-11-23T02:00:00.000Z');
      harness = await make(clock);
      store = await harness.open();
    });

    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    it('keeps missed messages with their reading and lists them by time, oldest first', async () => {
      const second = missed('2026-11-23T01:30:00.000Z', '开户能用护照吗', {
        kind: 'low_confidence',
        intent: 'faq.account_open',
        confidence: 0.52,
        question: 'open.materials',
      });
      delete second.step;
      await store.record(new Date(second.at), second);
      await store.record(
        new Date('2026-11-23T01:00:00.000Z'),
        missed('2026-11-23T01:00:00.000Z', '那个东西怎么弄😀'),
      );
      await store.record(new Date('2026-11-23T01:40:00.000Z'), null);
      const listed = await store.list({
        from: '2026-11-23T00:00:00.000Z',
        to: '2026-11-24T00:00:00.000Z',
      });
      expect(listed.map((m) => m.text)).toEqual(['那个东西怎么弄😀', '开户能用护照吗']);
      expect(listed[1]).toMatchObject({ ...second, id: expect.any(String) });
      expect(listed[0]!.id).not.toBe(listed[1]!.id);
      // from is inclusive, to exclusive
      expect(
        await store.list({ from: '2026-11-23T01:30:00.000Z', to: '2026-11-23T01:40:00.000Z' }),
      ).toHaveLength(1);
    });

    it('tallies every message read per Shanghai day, zeros for quiet days', async () => {
      // 2026-11-22T17:00Z is already 2026-11-23 in Shanghai.
      await store.record(new Date('2026-11-22T15:00:00.000Z'), null);
      await store.record(new Date('2026-11-22T17:00:00.000Z'), null);
      await store.record(
        new Date('2026-11-22T18:00:00.000Z'),
        missed('2026-11-22T18:00:00.000Z', '啥'),
      );
      await store.record(
        new Date('2026-11-23T01:00:00.000Z'),
        missed('2026-11-23T01:00:00.000Z', '咋弄', { kind: 'low_confidence' }),
      );
      expect(await store.tallies('2026-11-21', '2026-11-23')).toEqual([
        { day: '2026-11-21', read: 0, notUnderstood: 0, lowConfidence: 0 },
        { day: '2026-11-22', read: 1, notUnderstood: 0, lowConfidence: 0 },
        { day: '2026-11-23', read: 3, notUnderstood: 1, lowConfidence: 1 },
      ]);
    });

    it('shows the data on another handle (another instance or after a restart)', async () => {
      await store.record(
        new Date('2026-11-23T01:00:00.000Z'),
        missed('2026-11-23T01:00:00.000Z', '基金定投在哪'),
      );
      await store.record(new Date('2026-11-23T01:01:00.000Z'), null);
      if (!harness.concurrentHandles) await store.close();
      const other = await harness.open();
      const listed = await other.list({
        from: '2026-11-23T00:00:00.000Z',
        to: '2026-11-24T00:00:00.000Z',
      });
      expect(listed.map((m) => m.text)).toEqual(['基金定投在哪']);
      expect((await other.tallies('2026-11-23', '2026-11-23'))[0]).toMatchObject({
        read: 2,
        notUnderstood: 1,
      });
      if (!harness.concurrentHandles) store = other;
      else await other.close();
    });

    it('keeps at most maxMessages, the newest', async () => {
      await store.close();
      store = await harness.open({ maxMessages: 3 });
      for (let i = 0; i < 5; i++) {
        const at = new Date(Date.parse('2026-11-23T01:00:00.000Z') + i * 1000).toISOString();
        await store.record(new Date(at), missed(at, `问题${i}`));
      }
      const listed = await store.list({
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-11-30T00:00:00.000Z',
      });
      expect(listed.map((m) => m.text)).toEqual(['问题2', '问题3', '问题4']);
    });

    it('forgets messages older than maxAgeDays', async () => {
      await store.close();
      store = await harness.open({ maxAgeDays: 2 });
      await store.record(
        new Date('2026-11-20T01:00:00.000Z'),
        missed('2026-11-20T01:00:00.000Z', '很旧的问题'),
      );
      await store.record(
        new Date('2026-11-23T01:00:00.000Z'),
        missed('2026-11-23T01:00:00.000Z', '新的问题'),
      );
      const listed = await store.list({
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-11-30T00:00:00.000Z',
      });
      expect(listed.map((m) => m.text)).toEqual(['新的问题']);
    });

    it('refuses what it cannot keep', async () => {
      await expect(store.record(new Date(), missed('not a time', '问题'))).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(
        store.record(new Date(), missed('2026-11-23T01:00:00.000Z', '')),
      ).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(store.tallies('2026-11-23', '2026-11-01')).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(store.tallies('yesterday', '2026-11-01')).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(store.list({ from: 'x', to: 'y' })).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
    });
  });
}
