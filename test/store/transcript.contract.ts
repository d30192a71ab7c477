// The behaviour every TranscriptStore owes the pipeline, the agent desk and the polling web API.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TRANSCRIPT_LIST_LIMIT } from '../../src/store/records.ts';
import type { TranscriptStore } from '../../src/store/types.ts';
import { sampleEntry, TestClock, type Harness, type MakeHarness } from './support.ts';

export function describeTranscriptStoreContract(
  name: string,
  make: MakeHarness<TranscriptStore>,
): void {
  describe(`${name} TranscriptStore contract`, () => {
    let harness: Harness<TranscriptStore>;
    let store: TranscriptStore;

    beforeEach(async () => {
      harness = await make({ clock: new TestClock() });
      store = await harness.open();
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it('returns nothing for an unknown conversation', async () => {
      expect(await store.list('web:nobody')).toEqual([]);
      expect(await store.list('web:nobody', { afterSeq: 3 })).toEqual([]);
    });

    it('assigns seq 1, 2, 3 and returns the stored entry', async () => {
      const first = sampleEntry('web:c1', '您好，我想查询佣金', {
        intent: 'fee_commission',
        confidence: 0.91,
      });
      const stored = await store.append(first);
      expect(stored).toEqual({ ...first, seq: 1 });
      const second = await store.append(
        sampleEntry('web:c1', '您好！佣金请在APP查询。', {
          direction: 'bot',
          quickReplies: [{ label: '转人工', value: 'handoff' }],
          dialogNode: 'fee.answer',
        }),
      );
      const third = await store.append(
        sampleEntry('web:c1', '满意度：5', {
          direction: 'system',
          kind: 'survey',
          data: { score: 5 },
        }),
      );
      expect([second.seq, third.seq]).toEqual([2, 3]);
      expect(await store.list('web:c1')).toEqual([{ ...first, seq: 1 }, second, third]);
    });

    it('returns only later entries after a cursor', async () => {
      for (const text of ['一', '二', '三', '四']) await store.append(sampleEntry('web:c1', text));
      expect((await store.list('web:c1', { afterSeq: 2 })).map((e) => [e.seq, e.text])).toEqual([
        [3, '三'],
        [4, '四'],
      ]);
      expect(await store.list('web:c1', { afterSeq: 4 })).toEqual([]);
      expect(await store.list('web:c1', { afterSeq: 40 })).toEqual([]);
      expect((await store.list('web:c1', { afterSeq: 0 })).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    });

    it('pages with a limit: the earliest entries after the cursor, in order', async () => {
      const texts = ['一', '二', '三', '四', '五', '六', '七'];
      await store.appendMany(texts.map((text) => sampleEntry('web:page', text)));
      const page = (options: { afterSeq?: number; limit?: number }) =>
        store.list('web:page', options).then((entries) => entries.map((e) => e.seq));
      expect(await page({ limit: 3 })).toEqual([1, 2, 3]);
      expect(await page({ afterSeq: 3, limit: 3 })).toEqual([4, 5, 6]);
      expect(await page({ afterSeq: 6, limit: 3 })).toEqual([7]);
      expect(await page({ afterSeq: 7, limit: 3 })).toEqual([]);
      expect(await page({ afterSeq: 2, limit: 1 })).toEqual([3]);
      expect(await page({ limit: 100 })).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(await store.list('web:nobody', { limit: 5 })).toEqual([]);
      for (const limit of [0, -1, 1.5, Number.NaN]) {
        await expect(store.list('web:page', { limit })).rejects.toMatchObject({
          code: 'STORE_INPUT_INVALID',
        });
      }
    });

    it('returns at most the default page when no limit is named', async () => {
      const many = Array.from({ length: DEFAULT_TRANSCRIPT_LIST_LIMIT + 3 }, (_, i) =>
        sampleEntry('web:long', `第${i + 1}条`),
      );
      for (let i = 0; i < many.length; i += 1000) await store.appendMany(many.slice(i, i + 1000));
      const first = await store.list('web:long');
      expect(first).toHaveLength(DEFAULT_TRANSCRIPT_LIST_LIMIT);
      expect(first.at(-1)?.seq).toBe(DEFAULT_TRANSCRIPT_LIST_LIMIT);
      const rest = await store.list('web:long', { afterSeq: DEFAULT_TRANSCRIPT_LIST_LIMIT });
      expect(rest.map((e) => e.text)).toEqual([
        `第${DEFAULT_TRANSCRIPT_LIST_LIMIT + 1}条`,
        `第${DEFAULT_TRANSCRIPT_LIST_LIMIT + 2}条`,
        `第${DEFAULT_TRANSCRIPT_LIST_LIMIT + 3}条`,
      ]);
    });

    it('numbers each conversation on its own', async () => {
      await store.append(sampleEntry('web:a', 'a1'));
      await store.append(sampleEntry('web:b', 'b1'));
      await store.append(sampleEntry('web:a', 'a2'));
      expect((await store.list('web:a')).map((e) => [e.seq, e.text])).toEqual([
        [1, 'a1'],
        [2, 'a2'],
      ]);
      expect((await store.list('web:b')).map((e) => [e.seq, e.text])).toEqual([[1, 'b1']]);
    });

    it('keeps seq unique and gapless under concurrent appends', async () => {
      const other = harness.concurrentHandles ? await harness.open() : store;
      const texts = Array.from({ length: 40 }, (_, i) => `消息${i}`);
      const stored = await Promise.all(
        texts.map((text, i) => (i % 2 ? other : store).append(sampleEntry('web:busy', text))),
      );
      expect(stored.map((e) => e.seq).sort((x, y) => x - y)).toEqual(texts.map((_, i) => i + 1));
      const listed = await store.list('web:busy');
      expect(listed.map((e) => e.seq)).toEqual(texts.map((_, i) => i + 1));
      expect(listed.map((e) => e.text).sort()).toEqual([...texts].sort());
      // Each append's returned seq is where that text really sits.
      for (const entry of stored) expect(listed[entry.seq - 1]?.text).toBe(entry.text);
      const tail = await other.list('web:busy', { afterSeq: 35 });
      expect(tail.map((e) => e.seq)).toEqual([36, 37, 38, 39, 40]);
    });

    it('keeps entries and continues the numbering in another instance or after a restart', async () => {
      await store.append(sampleEntry('web:keep', '第一条'));
      await store.append(sampleEntry('web:keep', '第二条'));
      const reopened = await harness.open();
      expect((await reopened.list('web:keep')).map((e) => e.text)).toEqual(['第一条', '第二条']);
      expect((await reopened.append(sampleEntry('web:keep', '第三条'))).seq).toBe(3);
    });

    it('appends a batch in order after earlier lines, and an empty batch writes nothing', async () => {
      await store.append(sampleEntry('web:batch', '客户的问题'));
      const stored = await store.appendMany([
        sampleEntry('web:batch', '第一条回复', { direction: 'bot' }),
        sampleEntry('web:batch', '第二条回复', { direction: 'bot', dialogNode: 'd/n' }),
      ]);
      expect(stored.map((e) => [e.seq, e.text])).toEqual([
        [2, '第一条回复'],
        [3, '第二条回复'],
      ]);
      expect(await store.appendMany([])).toEqual([]);
      expect((await store.list('web:batch')).map((e) => e.text)).toEqual([
        '客户的问题',
        '第一条回复',
        '第二条回复',
      ]);
      const again = await harness.open();
      expect((await again.list('web:batch')).map((e) => e.seq)).toEqual([1, 2, 3]);
    });

    it('writes none of a batch that holds a bad line or mixes conversations', async () => {
      const bad = { ...sampleEntry('web:batch2', '坏的'), direction: 'robot' } as never;
      await expect(
        store.appendMany([sampleEntry('web:batch2', '好的'), bad]),
      ).rejects.toMatchObject({ code: 'STORE_INPUT_INVALID' });
      await expect(
        store.appendMany([sampleEntry('web:batch2', '甲'), sampleEntry('web:other', '乙')]),
      ).rejects.toMatchObject({ code: 'STORE_INPUT_INVALID' });
      expect(await store.list('web:batch2')).toEqual([]);
      expect(await store.list('web:other')).toEqual([]);
      expect((await store.append(sampleEntry('web:batch2', '之后'))).seq).toBe(1);
    });

    it('handles conversation ids with separators, dots and Chinese', async () => {
      const ids = ['wechaty:room/a/../b', '..', 'web:会话 一', 'web:a_b', 'web:a/b', 'WEB:A_B'];
      for (const id of ids) await store.append(sampleEntry(id, `in ${id}`));
      for (const id of ids) expect((await store.list(id)).map((e) => e.text)).toEqual([`in ${id}`]);
    });

    it('ignores a seq supplied by the caller', async () => {
      await store.append(sampleEntry('web:s', 'one'));
      const stored = await store.append({ ...sampleEntry('web:s', 'two'), seq: 17 } as never);
      expect(stored.seq).toBe(2);
    });

    it('drops undefined fields and rejects values JSON would corrupt, without using a seq', async () => {
      const withUndefined = {
        ...sampleEntry('web:j', 'a'),
        intent: undefined,
        data: { score: 4, note: undefined as never },
      };
      const stored = await store.append(withUndefined);
      expect(stored).not.toHaveProperty('intent');
      expect(stored.data).toEqual({ score: 4 });
      expect((await store.list('web:j'))[0]).toEqual(stored);

      await expect(
        store.append(sampleEntry('web:j', 'b', { confidence: Number.NaN })),
      ).rejects.toMatchObject({
        code: 'STORE_VALUE_NOT_JSON',
        path: 'entry.confidence',
      });
      await expect(
        store.append(sampleEntry('web:j', 'c', { data: { at: new Date() as never } })),
      ).rejects.toMatchObject({ code: 'STORE_VALUE_NOT_JSON', path: 'entry.data.at' });
      expect((await store.append(sampleEntry('web:j', 'd'))).seq).toBe(2);
    });

    it('rejects entries missing what the record needs', async () => {
      await expect(store.append(sampleEntry('', 'x'))).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(
        store.append(sampleEntry('web:v', 'x', { direction: 'robot' as never })),
      ).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(
        store.append(sampleEntry('web:v', 'x', { kind: 'chat' as never })),
      ).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(
        store.append({ ...sampleEntry('web:v', 'x'), text: 5 as never }),
      ).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(store.list('')).rejects.toMatchObject({ code: 'STORE_INPUT_INVALID' });
      expect(await store.list('web:v')).toEqual([]);
    });

    it('is not changed by mutating objects passed in or handed out', async () => {
      const entry = sampleEntry('web:m', 'original', { data: { score: 3 } });
      const stored = await store.append(entry);
      entry.data!.score = 1;
      stored.text = 'changed';
      const listed = await store.list('web:m');
      listed[0]!.data!.score = 0;
      const again = await store.list('web:m');
      expect(again[0]?.text).toBe('original');
      expect(again[0]?.data).toEqual({ score: 3 });
    });
  });
}
