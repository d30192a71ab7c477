// The behaviour every ConversationStateStore owes the turn pipeline, run against each implementation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConversationStateStore } from '../../src/store/types.ts';
import {
  sampleState,
  settlesWithin,
  sleep,
  TestClock,
  type Harness,
  type MakeHarness,
} from './support.ts';

export function describeStateStoreContract(
  name: string,
  make: MakeHarness<ConversationStateStore>,
): void {
  describe(`${name} ConversationStateStore contract`, () => {
    let harness: Harness<ConversationStateStore>;
    let store: ConversationStateStore;
    /** A second instance when the store is shared across processes, else the same one. */
    let other: ConversationStateStore;

    beforeEach(async () => {
      harness = await make({ clock: new TestClock() });
      store = await harness.open();
      other = harness.concurrentHandles ? await harness.open() : store;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it('returns null for a conversation it never saw', async () => {
      expect(await store.load('web:nobody')).toBeNull();
    });

    it('round-trips a state with version 1 on first save', async () => {
      const state = sampleState('web:c1');
      expect(await store.save(state, null)).toEqual({ ok: true, version: 1 });
      expect(await other.load('web:c1')).toEqual({ state, version: 1 });
    });

    it('increments the version on each save against the current version', async () => {
      await store.save(sampleState('web:c1'), null);
      const next = sampleState('web:c1', { memory: { fallbacks: 1 } });
      expect(await store.save(next, 1)).toEqual({ ok: true, version: 2 });
      expect(await store.load('web:c1')).toEqual({ state: next, version: 2 });
    });

    it('refuses to create over an existing state and to write with a stale version', async () => {
      await store.save(sampleState('web:c1'), null);
      await store.save(sampleState('web:c1', { userId: 'second' }), 1);
      expect(await store.save(sampleState('web:c1', { userId: 'x' }), null)).toEqual({
        ok: false,
        reason: 'conflict',
      });
      expect(await store.save(sampleState('web:c1', { userId: 'y' }), 1)).toEqual({
        ok: false,
        reason: 'conflict',
      });
      expect(await store.save(sampleState('web:c1', { userId: 'z' }), 7)).toEqual({
        ok: false,
        reason: 'conflict',
      });
      const loaded = await store.load('web:c1');
      expect(loaded?.version).toBe(2);
      expect(loaded?.state.userId).toBe('second');
    });

    it('refuses an update of a state that does not exist', async () => {
      expect(await store.save(sampleState('web:new'), 3)).toEqual({
        ok: false,
        reason: 'conflict',
      });
      expect(await store.load('web:new')).toBeNull();
    });

    it('lets exactly one of two concurrent saves from the same version win', async () => {
      await store.save(sampleState('web:race'), null);
      const [a, b] = await Promise.all([store.load('web:race'), other.load('web:race')]);
      const results = await Promise.all([
        store.save(sampleState('web:race', { userId: 'from-a' }), a!.version),
        other.save(sampleState('web:race', { userId: 'from-b' }), b!.version),
      ]);
      const winners = results.filter((r) => r.ok);
      expect(winners).toEqual([{ ok: true, version: 2 }]);
      const winner = results[0]!.ok ? 'from-a' : 'from-b';
      expect((await store.load('web:race'))?.state.userId).toBe(winner);
    });

    it('lets exactly one of many concurrent first saves create the state', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : store).save(sampleState('web:first', { userId: `u${i}` }), null),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    });

    it('keeps conversations apart', async () => {
      await store.save(sampleState('web:a', { userId: 'a' }), null);
      await store.save(sampleState('web:b', { userId: 'b' }), null);
      expect((await store.load('web:a'))?.state.userId).toBe('a');
      expect((await store.load('web:b'))?.state.userId).toBe('b');
    });

    it('is not changed by mutating objects passed in or handed out', async () => {
      const state = sampleState('web:m');
      await store.save(state, null);
      state.memory.fallbacks = 99;
      const loaded = await store.load('web:m');
      loaded!.state.memory.fallbacks = 42;
      (loaded!.state.dialog as { nodeId: string }).nodeId = 'changed';
      const again = await store.load('web:m');
      expect(again?.state.memory.fallbacks).toBe(0);
      expect(again?.state.dialog).toEqual(sampleState('web:m').dialog);
    });

    it('drops undefined object fields, as JSON does', async () => {
      const state = sampleState('web:u', {
        memory: { kept: 1, dropped: undefined } as unknown as Record<string, number>,
      });
      await store.save(state, null);
      const loaded = await store.load('web:u');
      expect(loaded?.state.memory).toEqual({ kept: 1 });
      expect(Object.keys(loaded!.state.memory)).toEqual(['kept']);
    });

    it.each([
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['a Date', new Date('2026-11-23T00:00:00Z')],
      ['a Map', new Map([['a', 1]])],
      ['a function', () => 1],
      ['a bigint', 10n],
      ['an undefined array item', [1, undefined]],
    ])('rejects %s and keeps what was stored', async (_label, bad) => {
      await store.save(sampleState('web:bad'), null);
      const state = sampleState('web:bad', { memory: { bad } as never });
      await expect(store.save(state, 1)).rejects.toMatchObject({
        code: 'STORE_VALUE_NOT_JSON',
        path: expect.stringMatching(/^state\.memory\.bad/),
      });
      expect(await store.load('web:bad')).toEqual({ state: sampleState('web:bad'), version: 1 });
    });

    it('rejects a state without a conversation id', async () => {
      await expect(store.save(sampleState(''), null)).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(store.load('')).rejects.toMatchObject({ code: 'STORE_INPUT_INVALID' });
    });

    it('keeps what was saved through a restart (a new handle on the same data)', async () => {
      await store.save(sampleState('web:restart'), null);
      await store.save(sampleState('web:restart', { memory: { step: 2 } }), 1);
      const reopened = await harness.open();
      expect(await reopened.load('web:restart')).toEqual({
        state: sampleState('web:restart', { memory: { step: 2 } }),
        version: 2,
      });
      expect(await reopened.save(sampleState('web:restart'), 2)).toEqual({ ok: true, version: 3 });
    });

    describe('lock', () => {
      it('serialises two critical sections of one conversation', async () => {
        const log: string[] = [];
        const section = async (who: string, handle: ConversationStateStore) => {
          const release = await handle.lock('web:turns', 5000);
          try {
            log.push(`${who}:start`);
            await sleep(30);
            log.push(`${who}:end`);
          } finally {
            await release();
          }
        };
        await Promise.all([section('a', store), section('b', other)]);
        expect([
          ['a:start', 'a:end', 'b:start', 'b:end'],
          ['b:start', 'b:end', 'a:start', 'a:end'],
        ]).toContainEqual(log);
      });

      it('does not block other conversations', async () => {
        const release = await store.lock('web:one', 5000);
        const second = other.lock('web:two', 5000);
        expect(await settlesWithin(second, 100)).toBe(true);
        await (
          await second
        )();
        await release();
      });

      it('waits while held and is granted on release', async () => {
        const release = await store.lock('web:held', 5000);
        const waiting = other.lock('web:held', 5000);
        expect(await settlesWithin(waiting, 80)).toBe(false);
        await release();
        const releaseSecond = await waiting;
        await releaseSecond();
      });

      it('expires after its TTL when the holder never releases', async () => {
        const releaseForgotten = await store.lock('web:crash', 150);
        const waiting = other.lock('web:crash', 5000);
        expect(await settlesWithin(waiting, 40)).toBe(false);
        const releaseSecond = await waiting;
        // The expired holder's late release must not free the lock the second holder now has.
        await releaseForgotten();
        const third = store.lock('web:crash', 5000);
        expect(await settlesWithin(third, 80)).toBe(false);
        await releaseSecond();
        await (
          await third
        )();
      });

      it('can be released twice without harm', async () => {
        const release = await store.lock('web:twice', 5000);
        await release();
        await release();
        const again = await other.lock('web:twice', 5000);
        await again();
      });

      it('rejects a TTL that is not a positive number', async () => {
        await expect(store.lock('web:ttl', 0)).rejects.toMatchObject({
          code: 'STORE_INPUT_INVALID',
        });
        await expect(store.lock('web:ttl', Number.NaN)).rejects.toMatchObject({
          code: 'STORE_INPUT_INVALID',
        });
      });
    });

    describe('expiry', () => {
      const ttlMs = 400;
      let clock: TestClock;
      let expiring: Harness<ConversationStateStore>;

      beforeEach(async () => {
        clock = new TestClock();
        expiring = await make({ clock, stateTtlMs: ttlMs });
      });

      afterEach(async () => {
        await expiring.cleanup();
      });

      // Both clocks move: the test clock for stores that take one, real time for Redis' PEXPIRE.
      const pass = async (ms: number) => {
        clock.advance(ms);
        await sleep(ms);
      };

      it('forgets a conversation nobody saved within the TTL', async () => {
        const handle = await expiring.open();
        await handle.save(sampleState('web:idle'), null);
        await pass(ttlMs + 100);
        const later = await expiring.open();
        expect(await later.load('web:idle')).toBeNull();
        expect(await later.save(sampleState('web:idle'), null)).toEqual({ ok: true, version: 1 });
      });

      it('counts the TTL from the last save', async () => {
        const handle = await expiring.open();
        await handle.save(sampleState('web:busy'), null);
        await pass(ttlMs * 0.6);
        await handle.save(sampleState('web:busy', { userId: 'again' }), 1);
        await pass(ttlMs * 0.6);
        expect((await handle.load('web:busy'))?.state.userId).toBe('again');
      });
    });
  });
}
