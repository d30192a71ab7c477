import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStateStore } from '../../src/store/file-state.ts';
import { FileTicketStore, FileTranscriptStore, transcriptFileName } from '../../src/store/file.ts';
import { describeStateStoreContract } from './state.contract.ts';
import { describeTicketStoreContract } from './ticket.contract.ts';
import { describeTranscriptStoreContract } from './transcript.contract.ts';
import { sampleEntry, sampleTicket, TestClock, tempDir } from './support.ts';

const quiet = () => {};

// open() makes a new instance on the same directory: the second handle is a restarted bot.
describeStateStoreContract('file', async ({ clock, stateTtlMs }) => {
  const { dir, remove } = await tempDir();
  return {
    open: () =>
      FileStateStore.open({
        dataDir: dir,
        clock: clock.now,
        warn: quiet,
        ...(stateTtlMs ? { stateTtlMs } : {}),
      }),
    concurrentHandles: false,
    cleanup: remove,
  };
});

describeTranscriptStoreContract('file', async () => {
  const { dir, remove } = await tempDir();
  return {
    open: () => FileTranscriptStore.open({ dataDir: dir, warn: quiet }),
    concurrentHandles: false,
    cleanup: remove,
  };
});

describeTicketStoreContract('file', async ({ clock }) => {
  const { dir, remove } = await tempDir();
  return {
    open: () => FileTicketStore.open({ dataDir: dir, clock: clock.now, warn: quiet }),
    concurrentHandles: false,
    cleanup: remove,
  };
});

describe('file transcripts on disk', () => {
  it('has the line on disk when append resolves', async () => {
    const { dir, remove } = await tempDir();
    try {
      const store = await FileTranscriptStore.open({
        dataDir: join(dir, 'nested', 'data'),
        warn: quiet,
      });
      await store.append(sampleEntry('web:disk', '您好'));
      const file = join(dir, 'nested', 'data', 'transcripts', transcriptFileName('web:disk'));
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      expect(lines.map((l) => JSON.parse(l))).toEqual([
        { ...sampleEntry('web:disk', '您好'), seq: 1 },
      ]);
    } finally {
      await remove();
    }
  });

  it('skips a truncated last line with a warning and appends after it cleanly', async () => {
    const { dir, remove } = await tempDir();
    try {
      const first = await FileTranscriptStore.open({ dataDir: dir, warn: quiet });
      await first.append(sampleEntry('web:crash', '一'));
      await first.append(sampleEntry('web:crash', '二'));
      const file = join(dir, 'transcripts', transcriptFileName('web:crash'));
      await appendFile(file, '{"seq":3,"conversationId":"web:crash","te');

      const warnings: string[] = [];
      const restarted = await FileTranscriptStore.open({
        dataDir: dir,
        warn: (m) => warnings.push(m),
      });
      expect((await restarted.list('web:crash')).map((e) => e.text)).toEqual(['一', '二']);
      expect(warnings).toEqual([expect.stringContaining('truncated last line')]);
      expect((await restarted.append(sampleEntry('web:crash', '三'))).seq).toBe(3);

      const again = await FileTranscriptStore.open({ dataDir: dir, warn: quiet });
      expect((await again.list('web:crash')).map((e) => [e.seq, e.text])).toEqual([
        [1, '一'],
        [2, '二'],
        [3, '三'],
      ]);
    } finally {
      await remove();
    }
  });

  it('skips corrupt and foreign lines in the middle of a file', async () => {
    const { dir, remove } = await tempDir();
    try {
      const store = await FileTranscriptStore.open({ dataDir: dir, warn: quiet });
      await store.append(sampleEntry('web:mid', 'ok1'));
      const file = join(dir, 'transcripts', transcriptFileName('web:mid'));
      await appendFile(
        file,
        'garbage\n' + JSON.stringify({ ...sampleEntry('web:other', 'x'), seq: 2 }) + '\n',
      );
      await appendFile(file, JSON.stringify({ ...sampleEntry('web:mid', 'ok2'), seq: 2 }) + '\n');
      const warnings: string[] = [];
      const restarted = await FileTranscriptStore.open({
        dataDir: dir,
        warn: (m) => warnings.push(m),
      });
      expect((await restarted.list('web:mid')).map((e) => e.text)).toEqual(['ok1', 'ok2']);
      expect(warnings).toHaveLength(2);
    } finally {
      await remove();
    }
  });

  it('names files safely and distinctly whatever the conversation id', () => {
    const ids = ['../../etc/passwd', '..', 'a/b', 'a_b', 'A_B', '会话'];
    const names = ids.map(transcriptFileName);
    expect(new Set(names).size).toBe(ids.length);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]*-[0-9a-f]{16}\.jsonl$/);
  });

  it('re-reads conversations that fell out of its cache', async () => {
    const { dir, remove } = await tempDir();
    try {
      const store = await FileTranscriptStore.open({ dataDir: dir, warn: quiet, cacheSize: 1 });
      await store.append(sampleEntry('web:x', 'x1'));
      await store.append(sampleEntry('web:y', 'y1'));
      expect((await store.append(sampleEntry('web:x', 'x2'))).seq).toBe(2);
      expect((await store.list('web:y')).map((e) => e.text)).toEqual(['y1']);
      expect(await readdir(join(dir, 'transcripts'))).toHaveLength(2);
    } finally {
      await remove();
    }
  });
});

describe('file ticket log', () => {
  it('writes one event per change and replays them after a restart', async () => {
    const { dir, remove } = await tempDir();
    try {
      const clock = new TestClock();
      const store = await FileTicketStore.open({ dataDir: dir, clock: clock.now, warn: quiet });
      const ticket = await store.create(sampleTicket('web:c1'), 'bot');
      await store.setStatus(ticket.id, { status: 'resolved', by: 'agent', result: '已处理' });
      await store.addHandling(ticket.id, { by: 'agent', action: '回电' });
      await store.setFeedback(ticket.id, { score: 5 });
      const events = (await readFile(join(dir, 'tickets.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { type: string }).type);
      expect(events).toEqual(['created', 'status', 'handling', 'feedback']);
      const restarted = await FileTicketStore.open({ dataDir: dir, clock: clock.now, warn: quiet });
      expect(await restarted.get(ticket.id)).toEqual(await store.get(ticket.id));
    } finally {
      await remove();
    }
  });

  it('starts despite a truncated last event and never reuses an acknowledged id', async () => {
    const { dir, remove } = await tempDir();
    try {
      const clock = new TestClock();
      const store = await FileTicketStore.open({ dataDir: dir, clock: clock.now, warn: quiet });
      const a = await store.create(sampleTicket('web:c1'), 'bot');
      const b = await store.create(sampleTicket('web:c2'), 'bot');
      await appendFile(
        join(dir, 'tickets.jsonl'),
        `{"type":"status","id":"${b.id}","change":{"sta`,
      );

      const warnings: string[] = [];
      const restarted = await FileTicketStore.open({
        dataDir: dir,
        clock: clock.now,
        warn: (m) => warnings.push(m),
      });
      expect(warnings).toEqual([expect.stringContaining('truncated last line')]);
      expect((await restarted.list()).map((t) => [t.id, t.status])).toEqual([
        [a.id, 'open'],
        [b.id, 'open'],
      ]);
      const c = await restarted.create(sampleTicket('web:c3'), 'bot');
      expect(c.id).toBe('TS20261123-0003');
      await restarted.setStatus(b.id, { status: 'closed', by: 'agent' });

      const third = await FileTicketStore.open({ dataDir: dir, clock: clock.now, warn: quiet });
      expect((await third.list()).map((t) => [t.id, t.status])).toEqual([
        [a.id, 'open'],
        [b.id, 'closed'],
        [c.id, 'open'],
      ]);
    } finally {
      await remove();
    }
  });

  it('skips events for tickets it never saw and lines that are not events', async () => {
    const { dir, remove } = await tempDir();
    try {
      await writeFile(
        join(dir, 'tickets.jsonl'),
        [
          JSON.stringify({
            type: 'status',
            id: 'TS20261123-0009',
            change: { status: 'closed', at: 'x', by: 'y' },
          }),
          JSON.stringify({ type: 'mystery' }),
          '42',
          '',
        ].join('\n'),
      );
      const warnings: string[] = [];
      const store = await FileTicketStore.open({ dataDir: dir, warn: (m) => warnings.push(m) });
      expect(await store.list()).toEqual([]);
      expect(warnings).toHaveLength(3);
    } finally {
      await remove();
    }
  });
});
