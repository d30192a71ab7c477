import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import {
  FileMissedStore,
  MemoryMissedStore,
  RedisMissedStore,
} from '../../src/console/missed-store.ts';
import { RedisSandbox } from '../store/support.ts';
import { describeMissedStoreContract, missed } from './missed-store.contract.ts';

describeMissedStoreContract('memory', async (clock) => {
  let store: MemoryMissedStore | null = null;
  return {
    // One process: the same object is every handle; new bounds build a fresh one.
    open: async (bounds) => {
      if (!store || bounds) store = new MemoryMissedStore(bounds, clock.now);
      return store;
    },
    concurrentHandles: true,
    cleanup: async () => {},
  };
});

describeMissedStoreContract('file', async (clock) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'csbot-missed-'));
  return {
    open: (bounds) =>
      FileMissedStore.open({ dataDir, now: clock.now, ...(bounds ? { bounds } : {}) }),
    concurrentHandles: false,
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});

describeMissedStoreContract('redis', async (clock) => {
  const sandbox = new RedisSandbox(inject('redisUrl'));
  return {
    open: async (bounds) => {
      const redis = await sandbox.connect();
      return new RedisMissedStore(
        (args) => redis.sendCommand(args),
        sandbox.prefix,
        bounds,
        clock.now,
      );
    },
    concurrentHandles: true,
    cleanup: () => sandbox.cleanup(),
  };
});

describe('FileMissedStore', () => {
  it('lets a read-only reader (csbot review) see the data without writing', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'csbot-missed-'));
    try {
      const writer = await FileMissedStore.open({ dataDir });
      await writer.record(new Date(), missed(new Date().toISOString(), '怎么看分红'));
      await writer.close();
      const before = await readFile(join(dataDir, 'console', 'missed.jsonl'), 'utf8');
      const reader = await FileMissedStore.open({ dataDir, readOnly: true });
      expect(
        await reader.list({ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' }),
      ).toHaveLength(1);
      await expect(reader.record(new Date(), null)).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await reader.close();
      expect(await readFile(join(dataDir, 'console', 'missed.jsonl'), 'utf8')).toBe(before);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('rewrites its journal once it holds far more than the bounds keep', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'csbot-missed-'));
    try {
      const store = await FileMissedStore.open({ dataDir, bounds: { maxMessages: 5 } });
      for (let i = 0; i < 30; i++) {
        const at = new Date(Date.now() + i).toISOString();
        await store.record(new Date(at), missed(at, `问题${i}`));
      }
      await store.close();
      const lines = (await readFile(join(dataDir, 'console', 'missed.jsonl'), 'utf8'))
        .trim()
        .split('\n');
      expect(lines.length).toBeLessThanOrEqual(10);
      const reopened = await FileMissedStore.open({ dataDir, bounds: { maxMessages: 5 } });
      const listed = await reopened.list({
        from: '2000-01-01T00:00:00Z',
        to: '2100-01-01T00:00:00Z',
      });
      expect(listed.map((m) => m.text)).toEqual(['问题25', '问题26', '问题27', '问题28', '问题29']);
      await reopened.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
