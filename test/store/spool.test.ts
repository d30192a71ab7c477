import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../../src/store/errors.ts';
import { MemoryTranscriptStore } from '../../src/store/memory.ts';
import { SpoolingTranscriptStore } from '../../src/store/spool.ts';
import type {
  NewTranscriptEntry,
  TranscriptEntry,
  TranscriptStore,
} from '../../src/store/types.ts';
import { sampleEntry, tempDir } from './support.ts';

const quiet = () => {};

/** A transcript store that can be switched off like an unreachable Redis. */
class FlakyTranscripts implements TranscriptStore {
  readonly data = new MemoryTranscriptStore();
  down = false;

  private check(): void {
    if (this.down) throw new StoreUnavailableError('Redis is unavailable');
  }

  async append(entry: NewTranscriptEntry): Promise<TranscriptEntry> {
    this.check();
    return this.data.append(entry);
  }

  async appendMany(entries: NewTranscriptEntry[]): Promise<TranscriptEntry[]> {
    this.check();
    return this.data.appendMany(entries);
  }

  async list(conversationId: string, options?: { afterSeq?: number }): Promise<TranscriptEntry[]> {
    this.check();
    return this.data.list(conversationId, options);
  }
}

const texts = (entries: TranscriptEntry[]) => entries.map((e) => e.text);

describe('transcript outage spool', () => {
  it('keeps lines while the store is down and writes them, in order, when it is back', async () => {
    const inner = new FlakyTranscripts();
    const store = await SpoolingTranscriptStore.open(inner, { warn: quiet });
    await store.append(sampleEntry('web:a', '第一句'));
    inner.down = true;
    const [kept] = await store.appendMany([
      sampleEntry('web:a', '第二句'),
      sampleEntry('web:a', '系统繁忙，请稍后再试', { direction: 'bot' }),
    ]);
    expect(kept).toMatchObject({ seq: 0, text: '第二句', data: { spoolId: expect.any(String) } });
    await store.append(sampleEntry('web:b', '别的会话'));
    expect(store.pendingLines).toBe(3);
    expect(texts(await inner.data.list('web:a'))).toEqual(['第一句']);

    inner.down = false;
    expect(await store.replay()).toBe(3);
    expect(store.pendingLines).toBe(0);
    const a = await store.list('web:a');
    expect(texts(a)).toEqual(['第一句', '第二句', '系统繁忙，请稍后再试']);
    expect(a.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(texts(await store.list('web:b'))).toEqual(['别的会话']);
  });

  it('puts a new line of a conversation behind its spooled ones even before any replay', async () => {
    const inner = new FlakyTranscripts();
    const store = await SpoolingTranscriptStore.open(inner, { warn: quiet, retryEveryMs: 60_000 });
    inner.down = true;
    await store.append(sampleEntry('web:o', '停机时说的'));
    inner.down = false;
    const [stored] = await store.appendMany([sampleEntry('web:o', '恢复后说的')]);
    expect(stored?.seq).toBe(2);
    expect(texts(await inner.data.list('web:o'))).toEqual(['停机时说的', '恢复后说的']);
  });

  it('replays by itself when told the store is reachable again', async () => {
    const inner = new FlakyTranscripts();
    let announce: () => void = () => {};
    const store = await SpoolingTranscriptStore.open(inner, {
      warn: quiet,
      retryEveryMs: 60_000,
      whenAvailable: (listener) => {
        announce = listener;
        return () => {};
      },
    });
    inner.down = true;
    await store.append(sampleEntry('web:r', '在吗'));
    inner.down = false;
    announce();
    await vi.waitFor(() => expect(store.pendingLines).toBe(0));
    expect(texts(await inner.data.list('web:r'))).toEqual(['在吗']);
    await store.close();
  });

  it('keeps spooled lines through a crash: a new process replays them from the file', async () => {
    const { dir, remove } = await tempDir();
    try {
      const spoolDir = join(dir, 'spool');
      const inner = new FlakyTranscripts();
      inner.down = true;
      const before = await SpoolingTranscriptStore.open(inner, { dir: spoolDir, warn: quiet });
      await before.append(sampleEntry('web:c', '我要投诉'));
      await before.append(sampleEntry('web:c', '张三'));
      const file = join(spoolDir, 'transcript-spool.jsonl');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      // The process dies here (no close); the store comes back for the next one.
      inner.down = false;
      const after = await SpoolingTranscriptStore.open(inner, { dir: spoolDir, warn: quiet });
      expect(after.pendingLines).toBe(2);
      await after.replay();
      expect(texts(await inner.data.list('web:c'))).toEqual(['我要投诉', '张三']);
      expect(await readFile(file, 'utf8')).toBe('');
      const third = await SpoolingTranscriptStore.open(inner, { dir: spoolDir, warn: quiet });
      expect(third.pendingLines).toBe(0);
    } finally {
      await remove();
    }
  });

  it('refuses, rather than grows without end, once full', async () => {
    const inner = new FlakyTranscripts();
    inner.down = true;
    const store = await SpoolingTranscriptStore.open(inner, { warn: quiet, maxLines: 2 });
    await store.append(sampleEntry('web:f', '一'));
    await store.append(sampleEntry('web:f', '二'));
    await expect(store.append(sampleEntry('web:f', '三'))).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    expect(store.pendingLines).toBe(2);
  });

  it('never spools a line the store would refuse anyway', async () => {
    const inner = new FlakyTranscripts();
    inner.down = true;
    const store = await SpoolingTranscriptStore.open(inner, { warn: quiet });
    const bad = {
      ...sampleEntry('web:x', 'hi'),
      direction: 'nobody',
    } as unknown as NewTranscriptEntry;
    await expect(store.append(bad)).rejects.toMatchObject({ code: 'STORE_INPUT_INVALID' });
    expect(store.pendingLines).toBe(0);
  });
});
