// What every IdempotencyStore owes the retry filter and the webhook replay check.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdempotencyStore } from '../../src/store/idempotency.ts';
import { sleep } from './support.ts';

export interface IdempotencyHarness {
  /** Another handle on the same data: another instance when the store is shared. */
  open(): Promise<IdempotencyStore>;
  cleanup(): Promise<void>;
}

export function describeIdempotencyStoreContract(
  name: string,
  make: () => Promise<IdempotencyHarness>,
): void {
  describe(`${name} IdempotencyStore contract`, () => {
    let harness: IdempotencyHarness;
    let store: IdempotencyStore;

    beforeEach(async () => {
      harness = await make();
      store = await harness.open();
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it('lets the first caller claim a key and shows later ones what it left', async () => {
      expect(await store.claim('web:c1:m1', 'pending', 60_000)).toEqual({ claimed: true });
      expect(await store.claim('web:c1:m1', 'other', 60_000)).toEqual({
        claimed: false,
        value: 'pending',
      });
      await store.settle('web:c1:m1', '{"replies":["您好"]}', 60_000);
      const other = await harness.open();
      expect(await other.claim('web:c1:m1', 'pending', 60_000)).toEqual({
        claimed: false,
        value: '{"replies":["您好"]}',
      });
      expect(await other.claim('web:c1:m2', 'pending', 60_000)).toEqual({ claimed: true });
      expect(await other.peek('web:c1:m1')).toBe('{"replies":["您好"]}');
      expect(await store.peek('web:c1:unknown')).toBeNull();
    });

    it('gives exactly one of many concurrent claimants the key', async () => {
      const other = await harness.open();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? other : store).claim('race', `claimant-${i}`, 60_000),
        ),
      );
      const winners = results.filter((r) => r.claimed);
      expect(winners).toHaveLength(1);
      const seen = new Set(results.flatMap((r) => (r.claimed ? [] : [r.value])));
      expect(seen.size).toBe(1);
    });

    it('forgets a key after its time limit', async () => {
      await store.claim('short', 'first', 40);
      await sleep(120);
      expect(await store.peek('short')).toBeNull();
      expect(await store.claim('short', 'second', 60_000)).toEqual({ claimed: true });
      expect(await store.claim('short', 'third', 60_000)).toEqual({
        claimed: false,
        value: 'second',
      });
    });

    it('keeps unicode and JSON values unchanged', async () => {
      const value = JSON.stringify({ replies: [{ type: 'text', text: '您好😀\n请稍候' }] });
      await store.claim('json', value, 60_000);
      expect(await store.claim('json', 'x', 60_000)).toEqual({ claimed: false, value });
    });

    it('refuses keys, values and time limits it cannot keep', async () => {
      await expect(store.claim('', 'v', 1000)).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(store.claim('k', 5 as never, 1000)).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(store.claim('k', 'v', 0)).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(store.settle('k', 'v', Number.NaN)).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
    });
  });
}
