import {
  appendFile,
  chmod,
  mkdir,
  readFile,
  readdir,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStateStore } from '../../src/store/file-state.ts';
import { FileTicketStore, FileTranscriptStore, transcriptFileName } from '../../src/store/file.ts';
import { sampleEntry, sampleState, sampleTicket, TestClock, tempDir } from './support.ts';

const quiet = () => {};
const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('file conversation state on disk', () => {
  it('has the state on disk, private, when save resolves', async () => {
    const { dir, remove } = await tempDir();
    try {
      const dataDir = join(dir, 'data');
      const store = await FileStateStore.open({ dataDir, warn: quiet });
      await store.save(sampleState('web:disk'), null);
      const file = join(dataDir, 'states', transcriptFileName('web:disk'));
      const [line] = (await readFile(file, 'utf8')).trim().split('\n');
      expect(JSON.parse(line!)).toMatchObject({ v: 1, s: sampleState('web:disk') });
      expect(await mode(file)).toBe(0o600);
      expect(await mode(join(dataDir, 'states'))).toBe(0o700);
      expect(await mode(dataDir)).toBe(0o700);
      await store.close();
    } finally {
      await remove();
    }
  });

  it('falls back to the last intact state after a torn write and appends after it cleanly', async () => {
    const { dir, remove } = await tempDir();
    try {
      const first = await FileStateStore.open({ dataDir: dir, warn: quiet });
      await first.save(sampleState('web:torn', { memory: { step: 1 } }), null);
      const file = join(dir, 'states', transcriptFileName('web:torn'));
      await appendFile(file, '{"v":2,"at":1,"s":{"conversationId":"web:to');

      const warnings: string[] = [];
      const restarted = await FileStateStore.open({ dataDir: dir, warn: (m) => warnings.push(m) });
      expect(await restarted.load('web:torn')).toMatchObject({
        version: 1,
        state: { memory: { step: 1 } },
      });
      expect(warnings.join('\n')).toMatch(/truncated last line/);
      await restarted.save(sampleState('web:torn', { memory: { step: 2 } }), 1);

      const again = await FileStateStore.open({ dataDir: dir, warn: quiet });
      expect(await again.load('web:torn')).toMatchObject({
        version: 2,
        state: { memory: { step: 2 } },
      });
    } finally {
      await remove();
    }
  });

  it('keeps a busy conversation file small, rewriting it to its latest state', async () => {
    const { dir, remove } = await tempDir();
    try {
      const store = await FileStateStore.open({ dataDir: dir, warn: quiet });
      const big = 'x'.repeat(2000);
      await store.save(sampleState('web:busy', { memory: { big, n: 0 } }), null);
      for (let n = 1; n <= 200; n++) {
        await store.save(sampleState('web:busy', { memory: { big, n } }), n);
      }
      const file = join(dir, 'states', transcriptFileName('web:busy'));
      expect((await stat(file)).size).toBeLessThan(70 * 1024);
      const reopened = await FileStateStore.open({ dataDir: dir, warn: quiet });
      expect(await reopened.load('web:busy')).toMatchObject({
        version: 201,
        state: { memory: { n: 200 } },
      });
      expect((await readdir(join(dir, 'states'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      await remove();
    }
  });

  it('deletes the files of conversations idle past the TTL', async () => {
    const { dir, remove } = await tempDir();
    try {
      const clock = new TestClock();
      const store = await FileStateStore.open({
        dataDir: dir,
        clock: clock.now,
        stateTtlMs: 3600_000,
        warn: quiet,
      });
      await store.save(sampleState('web:old'), null);
      await store.save(sampleState('web:new'), null);
      const old = join(dir, 'states', transcriptFileName('web:old'));
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      await utimes(old, twoHoursAgo, twoHoursAgo);
      expect(await store.sweepExpired()).toBe(1);
      expect(await readdir(join(dir, 'states'))).toEqual([transcriptFileName('web:new')]);
      await store.close();
    } finally {
      await remove();
    }
  });
});

describe('private data files', () => {
  it('creates transcripts and the ticket log 0600 in 0700 folders, and tightens old ones', async () => {
    const { dir: parent, remove } = await tempDir();
    try {
      // As an older version left them: world-readable.
      const dir = join(parent, 'data');
      await mkdir(dir, { mode: 0o755 });
      await chmod(dir, 0o755);
      await writeFile(join(dir, 'tickets.jsonl'), '', { mode: 0o644 });
      expect(await mode(join(dir, 'tickets.jsonl'))).toBe(0o644);
      const transcripts = await FileTranscriptStore.open({ dataDir: dir, warn: quiet });
      const tickets = await FileTicketStore.open({ dataDir: dir, warn: quiet });
      await transcripts.append(sampleEntry('web:p', '我的手机号是13812345678'));
      await tickets.create(sampleTicket('web:p'), 'bot');
      expect(await mode(join(dir, 'tickets.jsonl'))).toBe(0o600);
      expect(await mode(join(dir, 'transcripts'))).toBe(0o700);
      expect(await mode(join(dir, 'transcripts', transcriptFileName('web:p')))).toBe(0o600);
      expect(await mode(dir)).toBe(0o700);
    } finally {
      await remove();
    }
  });
});
