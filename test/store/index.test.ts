import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createMemoryStores, createStores } from '../../src/store/index.ts';
import { FileTicketStore, FileTranscriptStore } from '../../src/store/file.ts';
import { FileStateStore } from '../../src/store/file-state.ts';
import {
  RedisSandbox,
  sampleEntry,
  sampleState,
  sampleTicket,
  TestClock,
  tempDir,
} from './support.ts';

describe('createStores', () => {
  it('builds the embedded stores on files under dataDir', async () => {
    const { dir, remove } = await tempDir();
    try {
      const dataDir = join(dir, 'data');
      const stores = await createStores({ dataDir, clock: new TestClock().now });
      expect(stores.kind).toBe('embedded');
      expect(stores.states).toBeInstanceOf(FileStateStore);
      expect(stores.transcripts).toBeInstanceOf(FileTranscriptStore);
      expect(stores.tickets).toBeInstanceOf(FileTicketStore);
      await stores.transcripts.append(sampleEntry('web:a', '您好'));
      expect((await stores.tickets.create(sampleTicket('web:a'), 'bot')).id).toBe(
        'TS20261123-0001',
      );
      expect(await stores.health.ping()).toBe(true);
      await stores.close();
      expect((await readdir(dataDir)).sort()).toEqual(['states', 'tickets.jsonl', 'transcripts']);

      const restarted = await createStores({ dataDir, clock: new TestClock().now });
      expect(await restarted.tickets.list()).toHaveLength(1);
      expect(await restarted.transcripts.list('web:a')).toHaveLength(1);
      await restarted.close();
    } finally {
      await remove();
    }
  });

  it('builds Redis stores when a URL is given and closes their connection', async () => {
    const sandbox = new RedisSandbox(inject('redisUrl'));
    const stores = await createStores({
      redisUrl: inject('redisUrl'),
      keyPrefix: sandbox.prefix,
      clock: new TestClock().now,
    });
    try {
      expect(stores.kind).toBe('redis');
      expect(await stores.states.save(sampleState('web:r'), null)).toEqual({
        ok: true,
        version: 1,
      });
      expect((await stores.tickets.create(sampleTicket('web:r'), 'bot')).id).toBe(
        'TS20261123-0001',
      );
      expect(await stores.health.ping()).toBe(true);
      expect((await sandbox.keys()).length).toBeGreaterThan(0);
    } finally {
      await stores.close();
      await sandbox.cleanup();
    }
    expect(await stores.health.ping()).toBe(false);
  });

  it('fails with STORE_UNAVAILABLE when Redis cannot be reached', async () => {
    await expect(
      createStores({ redisUrl: 'redis://127.0.0.1:1', warn: () => {} }),
    ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('offers all-memory stores for tests of other layers', async () => {
    const stores = createMemoryStores({ clock: new TestClock().now });
    expect(stores.kind).toBe('embedded');
    expect((await stores.tickets.create(sampleTicket('web:m'), 'bot')).id).toBe('TS20261123-0001');
    expect(await stores.health.ping()).toBe(true);
    await stores.close();
  });
});
