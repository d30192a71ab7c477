// The file conversation-state store's edges: which lines of a conversation file count as its
// state after a crash or a hand edit, when a file with nothing usable is removed, when a file is
// rewritten, and the background sweep of expired files (on its timer, and not after close).
import { readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileStateStore } from '../../src/store/file-state.ts';
import { transcriptFileName } from '../../src/store/file.ts';
import { sampleState, tempDir, TestClock } from './support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dataDir(): Promise<string> {
  const { dir, remove } = await tempDir();
  cleanups.push(remove);
  return dir;
}

async function open(dir: string, options: Partial<Parameters<typeof FileStateStore.open>[0]> = {}) {
  const store = await FileStateStore.open({ dataDir: dir, warn: () => {}, ...options });
  cleanups.push(() => store.close());
  return store;
}

const fileOf = (dir: string, id: string) => join(dir, 'states', transcriptFileName(id));
const line = (v: unknown, at: unknown, s: unknown) => JSON.stringify({ v, at, s });

describe('reading a conversation file', () => {
  it('takes the last line that is a state of this conversation, and warns about the others', async () => {
    const dir = await dataDir();
    const clock = new TestClock();
    const first = await open(dir, { clock: clock.now });
    await first.save(sampleState('web:k', { memory: { step: 1 } }), null);
    const at = clock.now().getTime();
    const good = JSON.parse((await readFile(fileOf(dir, 'web:k'), 'utf8')).trim()) as {
      s: Record<string, unknown>;
    };
    await writeFile(
      fileOf(dir, 'web:k'),
      [
        line(1, at, good.s),
        line('2', at, { ...good.s, memory: { step: 2 } }),
        line(3, String(at), { ...good.s, memory: { step: 3 } }),
        line(4, at, null),
        line(5, at, 'state'),
        line(6, at, { ...good.s, conversationId: 'web:other', memory: { step: 6 } }),
        'null',
        '',
      ].join('\n'),
    );
    const warnings: string[] = [];
    const reopened = await open(dir, { clock: clock.now, warn: (m) => warnings.push(m) });
    expect(await reopened.load('web:k')).toMatchObject({
      version: 1,
      state: { memory: { step: 1 } },
    });
    const path = fileOf(dir, 'web:k');
    expect(await readdir(join(dir, 'states'))).toEqual([transcriptFileName('web:k')]);
    expect(warnings).toEqual(
      [2, 3, 4, 5, 6, 7].map((n) => `${path}:${n}: skipped a line that is not a state of web:k`),
    );
    // The next save continues from the state that counted.
    expect(await reopened.save(sampleState('web:k', { memory: { step: 2 } }), 1)).toEqual({
      ok: true,
      version: 2,
    });
  });

  it('removes a file without one usable state, and starts the conversation afresh', async () => {
    const dir = await dataDir();
    const store = await open(dir);
    await store.save(sampleState('web:g'), null);
    await writeFile(fileOf(dir, 'web:g'), '{"v":1,"at":');
    const reopened = await open(dir);
    expect(await reopened.load('web:g')).toBeNull();
    expect(await readdir(join(dir, 'states'))).toEqual([]);
    expect(await reopened.save(sampleState('web:g'), null)).toEqual({ ok: true, version: 1 });
  });

  it('reads a missing file as no state and leaves the folder as it was', async () => {
    const dir = await dataDir();
    const store = await open(dir);
    expect(await store.load('web:none')).toBeNull();
    expect(await readdir(join(dir, 'states'))).toEqual([]);
  });
});

describe('expiry', () => {
  it('keeps a state until exactly its time to live has passed since it was saved', async () => {
    const dir = await dataDir();
    const clock = new TestClock();
    const store = await open(dir, { clock: clock.now, stateTtlMs: 60_000 });
    await store.save(sampleState('web:t'), null);
    clock.advance(59_999);
    expect(await store.load('web:t')).toMatchObject({ version: 1 });
    clock.advance(1);
    expect(await store.load('web:t')).toBeNull();
    expect(await readdir(join(dir, 'states'))).toEqual([]);
    expect(await store.save(sampleState('web:t'), null)).toEqual({ ok: true, version: 1 });
  });
});

describe('rewriting a busy file', () => {
  it('rewrites the file to its latest line once it would pass 64 KiB, and not before', async () => {
    const dir = await dataDir();
    const store = await open(dir);
    const big = 'x'.repeat(20 * 1024);
    await store.save(sampleState('web:c', { memory: { big, n: 1 } }), null);
    await store.save(sampleState('web:c', { memory: { big, n: 2 } }), 1);
    await store.save(sampleState('web:c', { memory: { big, n: 3 } }), 2);
    const lines = async () => (await readFile(fileOf(dir, 'web:c'), 'utf8')).trim().split('\n');
    expect(await lines()).toHaveLength(3);
    await store.save(sampleState('web:c', { memory: { big, n: 4 } }), 3);
    const after = await lines();
    expect(after).toHaveLength(1);
    expect(JSON.parse(after[0]!)).toMatchObject({ v: 4, s: { memory: { n: 4 } } });
    await store.save(sampleState('web:c', { memory: { big, n: 5 } }), 4);
    expect(await lines()).toHaveLength(2);
  });
});

describe('the background sweep', () => {
  async function expiredFile(dir: string, id: string): Promise<string> {
    const path = fileOf(dir, id);
    const longAgo = new Date(Date.now() - 3 * 3600_000);
    await utimes(path, longAgo, longAgo);
    return path;
  }

  it('deletes expired conversation files on its timer, other files never', async () => {
    const dir = await dataDir();
    const store = await open(dir, { stateTtlMs: 3600_000, sweepEveryMs: 20 });
    await store.save(sampleState('web:s1'), null);
    await store.save(sampleState('web:s2'), null);
    await expiredFile(dir, 'web:s1');
    const notes = join(dir, 'states', 'notes.txt');
    await writeFile(notes, 'kept');
    const longAgo = new Date(Date.now() - 3 * 3600_000);
    await utimes(notes, longAgo, longAgo);
    await vi.waitFor(
      async () =>
        expect((await readdir(join(dir, 'states'))).sort()).toEqual(
          ['notes.txt', transcriptFileName('web:s2')].sort(),
        ),
      { timeout: 2000 },
    );
  });

  it('runs on every interval, never when the interval is 0, and no more after close', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const dir = await dataDir();
      const swept = await open(dir, { sweepEveryMs: 1000 });
      const never = await open(dir, { sweepEveryMs: 0 });
      const sweeps = vi.spyOn(swept, 'sweepExpired');
      const noSweeps = vi.spyOn(never, 'sweepExpired');
      vi.advanceTimersByTime(3000);
      expect(sweeps).toHaveBeenCalledTimes(3);
      expect(noSweeps).not.toHaveBeenCalled();
      await swept.close();
      vi.advanceTimersByTime(3000);
      expect(sweeps).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
