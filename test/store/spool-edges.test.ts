// The outage spool's edges: what it tells the operator, what it refuses, how its file reads back
// after a crash (torn tails, finished and foreign records), when it retries and when it stops.
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../../src/store/errors.ts';
import { MemoryTranscriptStore } from '../../src/store/memory.ts';
import { SpoolingTranscriptStore } from '../../src/store/spool.ts';
import type {
  NewTranscriptEntry,
  TranscriptEntry,
  TranscriptStore,
} from '../../src/store/types.ts';
import { sampleEntry, tempDir } from './support.ts';

/** A transcript store that fails like an unreachable Redis, or with some other error. */
class FlakyTranscripts implements TranscriptStore {
  readonly data = new MemoryTranscriptStore();
  failure: Error | null = null;

  private check(): void {
    if (this.failure) throw this.failure;
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

  goDown(): void {
    this.failure = new StoreUnavailableError('Redis is unavailable');
  }

  comeBack(): void {
    this.failure = null;
  }
}

const texts = (entries: TranscriptEntry[]) => entries.map((e) => e.text);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function spoolDir(): Promise<{ dir: string; file: string }> {
  const { dir, remove } = await tempDir();
  cleanups.push(remove);
  return { dir, file: join(dir, 'transcript-spool.jsonl') };
}

async function open(
  inner: TranscriptStore,
  options: Parameters<typeof SpoolingTranscriptStore.open>[1],
) {
  const store = await SpoolingTranscriptStore.open(inner, options);
  cleanups.push(() => store.close());
  return store;
}

describe('the outage spool tells the operator', () => {
  it('once when it starts keeping lines, and how many it replayed', async () => {
    const warnings: string[] = [];
    const inner = new FlakyTranscripts();
    const store = await open(inner, { warn: (m) => warnings.push(m), retryEveryMs: 60_000 });
    inner.goDown();
    await store.append(sampleEntry('web:w', '一'));
    await store.append(sampleEntry('web:w', '二'));
    await store.append(sampleEntry('web:w2', '三'));
    expect(warnings).toEqual(['transcript store unavailable: keeping lines in the outage spool']);
    inner.comeBack();
    expect(await store.replay()).toBe(3);
    expect(warnings.at(-1)).toBe('replayed 3 spooled transcript line(s)');
    expect(warnings).toHaveLength(2);
    // Nothing to replay: nothing said.
    expect(await store.replay()).toBe(0);
    expect(warnings).toHaveLength(2);
  });

  it('how many lines from before a restart wait, and a replay that failed for another reason', async () => {
    const { dir } = await spoolDir();
    const inner = new FlakyTranscripts();
    inner.goDown();
    const first = await SpoolingTranscriptStore.open(inner, { dir, warn: () => {} });
    await first.appendMany([sampleEntry('web:r', '一'), sampleEntry('web:r', '二')]);
    const warnings: string[] = [];
    const second = await open(inner, { dir, warn: (m) => warnings.push(m), retryEveryMs: 60_000 });
    expect(warnings).toEqual([
      '2 transcript line(s) from before a restart wait in the outage spool',
    ]);
    inner.failure = new Error('disk on fire');
    expect(await second.replay()).toBe(0);
    expect(warnings.at(-1)).toBe('replaying the outage spool failed: Error: disk on fire');
    expect(second.pendingLines).toBe(2);
    // An outage during a replay is expected and says nothing.
    inner.goDown();
    expect(await second.replay()).toBe(0);
    expect(warnings).toHaveLength(2);
  });
});

describe('the outage spool refuses', () => {
  it('to hide errors that are not an outage', async () => {
    const inner = new FlakyTranscripts();
    const store = await open(inner, { warn: () => {} });
    inner.failure = new Error('bug');
    await expect(store.append(sampleEntry('web:e', '一'))).rejects.toThrow('bug');
    expect(store.pendingLines).toBe(0);
  });

  it('a batch that would pass its byte limit, saying how many lines it holds', async () => {
    const inner = new FlakyTranscripts();
    const one = Buffer.byteLength(
      JSON.stringify({ ...sampleEntry('web:b', '一'), data: { spoolId: crypto.randomUUID() } }),
    );
    const store = await open(inner, { warn: () => {}, maxBytes: one * 2 });
    inner.goDown();
    await store.append(sampleEntry('web:b', '一'));
    await store.append(sampleEntry('web:b', '二'));
    await expect(store.append(sampleEntry('web:b', '三'))).rejects.toThrow(
      'transcript store unavailable and the outage spool is full (2 lines)',
    );
    // Replayed lines free their room again, and no more than that.
    inner.comeBack();
    await store.replay();
    inner.goDown();
    await expect(store.append(sampleEntry('web:b', '四'))).resolves.toMatchObject({ seq: 0 });
    await store.append(sampleEntry('web:b', '五'));
    await expect(store.append(sampleEntry('web:b', '六'))).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });

  it('a batch that would pass its line limit as a whole', async () => {
    const inner = new FlakyTranscripts();
    const store = await open(inner, { warn: () => {}, maxLines: 3 });
    inner.goDown();
    await store.appendMany([sampleEntry('web:l', '一'), sampleEntry('web:l', '二')]);
    await expect(
      store.appendMany([sampleEntry('web:l', '三'), sampleEntry('web:l', '四')]),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.append(sampleEntry('web:l', '三'));
    expect(store.pendingLines).toBe(3);
  });
});

describe('the spool file', () => {
  it('records additions and finished ids, and is emptied once everything is replayed', async () => {
    const { dir, file } = await spoolDir();
    const inner = new FlakyTranscripts();
    const store = await open(inner, { dir, warn: () => {}, retryEveryMs: 60_000 });
    inner.goDown();
    const [kept] = await store.append(sampleEntry('web:f', '一')).then((e) => [e]);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const id = kept!.data?.spoolId;
    expect(JSON.parse(lines[0]!)).toEqual({
      add: { id, entry: { ...sampleEntry('web:f', '一'), data: { spoolId: id } } },
    });
    inner.comeBack();
    await store.replay();
    expect(await readFile(file, 'utf8')).toBe('');
    expect(texts(await inner.data.list('web:f'))).toEqual(['一']);
  });

  it('reads back after a crash: finished lines skipped, foreign and torn records ignored', async () => {
    const { dir, file } = await spoolDir();
    const entry = (text: string, conversationId = 'web:k') => sampleEntry(conversationId, text);
    await writeFile(
      file,
      [
        JSON.stringify({ add: { id: 'a', entry: entry('一') } }),
        JSON.stringify({ add: { id: 'b', entry: entry('二') } }),
        JSON.stringify({ done: ['a', 42] }),
        JSON.stringify({ add: { id: 7, entry: entry('无编号') } }),
        JSON.stringify({ add: { id: 'c', entry: 'not an object' } }),
        JSON.stringify({ add: { id: 'd', entry: { text: '无会话' } } }),
        JSON.stringify({ add: { id: 'e', entry: entry('空会话', '') } }),
        JSON.stringify({ add: { id: 'h', entry: null } }),
        JSON.stringify({ something: 'else' }),
        'null',
        JSON.stringify({ add: { id: 'f', entry: entry('三', 'web:k2') } }),
        '{"add":{"id":"g","entry":',
      ].join('\n'),
    );
    const inner = new FlakyTranscripts();
    inner.goDown();
    const store = await open(inner, { dir, warn: () => {}, retryEveryMs: 60_000 });
    expect(store.pendingLines).toBe(2);
    // The torn tail is ended before the next record, so the file stays readable.
    await store.append(entry('四'));
    const reread = await open(inner, { dir, warn: () => {}, retryEveryMs: 60_000 });
    expect(reread.pendingLines).toBe(3);
    inner.comeBack();
    expect(await reread.replay()).toBe(3);
    expect(texts(await inner.data.list('web:k'))).toEqual(['二', '四']);
    expect(texts(await inner.data.list('web:k2'))).toEqual(['三']);
  });

  it('is emptied at start when every line in it was already finished', async () => {
    const { dir, file } = await spoolDir();
    await writeFile(
      file,
      `${JSON.stringify({ add: { id: 'a', entry: sampleEntry('web:z', '一') } })}\n`,
    );
    await appendFile(file, `${JSON.stringify({ done: ['a'] })}\n`);
    const store = await open(new FlakyTranscripts(), { dir, warn: () => {} });
    expect(store.pendingLines).toBe(0);
    expect(await readFile(file, 'utf8')).toBe('');
  });
});

describe('the spool file between conversations', () => {
  it('marks a replayed conversation done and keeps the others for the next start', async () => {
    const { dir, file } = await spoolDir();
    const inner = new FlakyTranscripts();
    const store = await open(inner, { dir, warn: () => {}, retryEveryMs: 60_000 });
    inner.goDown();
    await store.append(sampleEntry('web:x', '一'));
    await store.append(sampleEntry('web:y', '二'));
    inner.comeBack();
    // Reading one conversation replays only its lines.
    expect(texts(await store.list('web:x'))).toEqual(['一']);
    expect(store.pendingLines).toBe(1);
    expect(await readFile(file, 'utf8')).toMatch(/"done":\["[0-9a-f-]{36}"\]/);
    inner.goDown();
    const next = await open(inner, { dir, warn: () => {}, retryEveryMs: 60_000 });
    expect(next.pendingLines).toBe(1);
    inner.comeBack();
    expect(await next.replay()).toBe(1);
    expect(texts(await inner.data.list('web:y'))).toEqual(['二']);
    expect(texts(await inner.data.list('web:x'))).toEqual(['一']);
  });

  it('creates no file in a folder where nothing was ever spooled', async () => {
    const { dir } = await spoolDir();
    const store = await open(new FlakyTranscripts(), { dir, warn: () => {} });
    await store.replay();
    expect(await readdir(dir)).toEqual([]);
  });

  it('counts lines read back from the file against its byte limit', async () => {
    const { dir, file } = await spoolDir();
    const entry = sampleEntry('web:m', 'abc');
    await writeFile(file, `${JSON.stringify({ add: { id: 'a', entry } })}\n`);
    const inner = new FlakyTranscripts();
    inner.goDown();
    const store = await open(inner, {
      dir,
      warn: () => {},
      retryEveryMs: 60_000,
      maxBytes: JSON.stringify(entry).length + 10,
    });
    expect(store.pendingLines).toBe(1);
    await expect(store.append(sampleEntry('web:m', 'def'))).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });

  it('lets a replay find a conversation already replayed by a reader, without an error', async () => {
    const warnings: string[] = [];
    const inner = new FlakyTranscripts();
    const store = await open(inner, { warn: (m) => warnings.push(m), retryEveryMs: 60_000 });
    inner.goDown();
    await store.append(sampleEntry('web:q', '一'));
    inner.comeBack();
    const [listed, replayed] = await Promise.all([store.list('web:q'), store.replay()]);
    expect(texts(listed)).toEqual(['一']);
    expect(replayed).toBe(0);
    expect(warnings.filter((w) => w.includes('failed'))).toEqual([]);
  });
});

describe('retries', () => {
  it('replay on their own after the retry interval while lines wait, and unsubscribe at close', async () => {
    const inner = new FlakyTranscripts();
    const unsubscribe = vi.fn();
    const store = await SpoolingTranscriptStore.open(inner, {
      warn: () => {},
      retryEveryMs: 20,
      whenAvailable: () => unsubscribe,
    });
    inner.goDown();
    await store.append(sampleEntry('web:t', '一'));
    inner.comeBack();
    await vi.waitFor(() => expect(store.pendingLines).toBe(0), { timeout: 2000 });
    expect(texts(await inner.data.list('web:t'))).toEqual(['一']);

    await store.close();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });

  it('are not scheduled any more once closed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const inner = new FlakyTranscripts();
      const store = await open(inner, { warn: () => {}, retryEveryMs: 1000 });
      const replays = vi.spyOn(store, 'replay');
      inner.goDown();
      await store.append(sampleEntry('web:u', '一'));
      // One retry is due however many lines arrived meanwhile.
      await store.append(sampleEntry('web:u', '二'));
      vi.advanceTimersByTime(1000);
      expect(replays).toHaveBeenCalledTimes(1);
      await replays.mock.results[0]!.value;
      // Still down: the replay scheduled the next retry.
      vi.advanceTimersByTime(1000);
      expect(replays).toHaveBeenCalledTimes(2);
      await replays.mock.results[1]!.value;
      await store.close();
      vi.advanceTimersByTime(5000);
      expect(replays).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('share one replay between callers asking at the same time', async () => {
    const inner = new FlakyTranscripts();
    const store = await open(inner, { warn: () => {}, retryEveryMs: 60_000 });
    inner.goDown();
    await store.append(sampleEntry('web:s', '一'));
    inner.comeBack();
    const [a, b] = [store.replay(), store.replay()];
    expect(a).toBe(b);
    expect(await a).toBe(1);
  });

  it('keep waiting lines through a replay during the outage', async () => {
    const inner = new FlakyTranscripts();
    const store = await open(inner, { warn: () => {}, retryEveryMs: 60_000 });
    inner.goDown();
    await store.append(sampleEntry('web:d', '一'));
    expect(await store.replay()).toBe(0);
    expect(store.pendingLines).toBe(1);
    inner.comeBack();
    expect(texts(await store.list('web:d'))).toEqual(['一']);
    expect(store.pendingLines).toBe(0);
  });
});
