// A customer's quick burst is read together as one turn; nothing is dropped or reordered.
import { describe, expect, it } from 'vitest';
import { FLOOD_TEXT, readBurstsTogether, type BurstOptions } from '../../src/core/bursts.ts';
import type { ConversationGateway, RefusalReason } from '../../src/core/gateway.ts';
import type { InboundContent, InboundMessage, OutboundMessage } from '../../src/core/message.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Answers every turn with what it read; `slowMs` makes each turn take that long. */
function readingGateway(slowMs = 0) {
  const turns: InboundMessage[] = [];
  const refused: { text: string; reason: RefusalReason }[] = [];
  const gateway: ConversationGateway = {
    async handleInbound(message) {
      turns.push(message);
      if (slowMs > 0) await sleep(slowMs);
      const c = message.content;
      const read = c.kind === 'text' ? c.text : c.kind === 'choice' ? c.value : c.kind;
      return [{ type: 'text', text: `读到：${read}` }];
    },
    async recordRefused(message, _replies, reason) {
      refused.push({ text: (message.content as { text: string }).text, reason });
    },
  };
  return { gateway, turns, refused };
}

let serial = 0;
function message(conversationId: string, content: InboundContent): InboundMessage {
  serial += 1;
  return {
    channel: 'web',
    conversationId,
    userId: conversationId,
    channelMessageId: `m${serial}`,
    receivedAt: new Date().toISOString(),
    content,
  };
}
const text = (t: string): InboundContent => ({ kind: 'text', text: t });

const OPTIONS: BurstOptions = { quietMs: 150, maxWaitMs: 600, maxMessages: 10, maxChars: 500 };

/** Sends `texts` `gapMs` apart and resolves with every caller's replies, in order. */
async function sendApart(
  gateway: ConversationGateway,
  conversationId: string,
  texts: string[],
  gapMs: number,
): Promise<OutboundMessage[][]> {
  const answers: Promise<OutboundMessage[]>[] = [];
  for (const [i, t] of texts.entries()) {
    if (i > 0) await sleep(gapMs);
    answers.push(gateway.handleInbound(message(conversationId, text(t))));
  }
  return Promise.all(answers);
}

describe('readBurstsTogether', () => {
  it('answers a message after a pause at once, alone', async () => {
    const { gateway, turns } = readingGateway();
    const batched = readBurstsTogether(gateway, OPTIONS);
    const started = Date.now();
    expect(await batched.handleInbound(message('c1', text('开户要带什么')))).toEqual([
      { type: 'text', text: '读到：开户要带什么' },
    ]);
    expect(Date.now() - started).toBeLessThan(100);
    expect(turns[0]?.parts).toBeUndefined();
  });

  it('reads the rest of a quick burst as one turn, every message kept in order', async () => {
    const { gateway, turns } = readingGateway();
    const batched = readBurstsTogether(gateway, OPTIONS);
    const burst = ['在吗', '人呢', '怎么不回', '转人工'];
    const answers = await sendApart(batched, 'c1', burst, 40);
    // The first is answered at once; the others are read together once the customer pauses.
    expect(turns.map((t) => (t.content as { text: string }).text)).toEqual([
      '在吗',
      '人呢\n怎么不回\n转人工',
    ]);
    expect(turns[1]?.parts?.map((p) => p.text)).toEqual(['人呢', '怎么不回', '转人工']);
    expect(turns[1]?.parts?.every((p) => typeof p.receivedAt === 'string')).toBe(true);
    expect(answers).toEqual([
      [{ type: 'text', text: '读到：在吗' }],
      [],
      [],
      [{ type: 'text', text: '读到：人呢\n怎么不回\n转人工' }],
    ]);
  });

  it('reads seven messages 250 ms apart without dropping or reordering any', async () => {
    const { gateway, turns } = readingGateway();
    const batched = readBurstsTogether(gateway, {
      quietMs: 1000,
      maxWaitMs: 3000,
      maxMessages: 10,
      maxChars: 500,
    });
    const seven = ['在吗', '人呢', '怎么不回', '转人工', '有人吗', '快点', '急'];
    const answers = await sendApart(batched, 'c7', seven, 250);
    const read = turns.flatMap(
      (t) => t.parts?.map((p) => p.text) ?? [(t.content as { text: string }).text],
    );
    expect(read).toEqual(seven);
    expect(turns).toHaveLength(2);
    expect(answers.filter((a) => a.length > 0)).toHaveLength(2);
  });

  it('keeps waiting no longer than maxWaitMs while the customer keeps typing', async () => {
    const { gateway, turns } = readingGateway();
    const batched = readBurstsTogether(gateway, { ...OPTIONS, quietMs: 200, maxWaitMs: 300 });
    const texts = Array.from({ length: 8 }, (_, i) => `第${i + 1}条`);
    await sendApart(batched, 'c2', texts, 100);
    // 700 ms of typing with a 300 ms longest wait: the burst is read in more than one turn.
    expect(turns.length).toBeGreaterThanOrEqual(3);
    const read = turns.flatMap(
      (t) => t.parts?.map((p) => p.text) ?? [(t.content as { text: string }).text],
    );
    expect(read).toEqual(texts);
  });

  it('splits a burst longer than maxMessages or maxChars into turns in order', async () => {
    const { gateway, turns } = readingGateway();
    const batched = readBurstsTogether(gateway, { ...OPTIONS, maxMessages: 3, maxChars: 12 });
    const texts = ['一', '二', '三', '四', '五', '六六六六六六六六六六', '七'];
    await sendApart(batched, 'c3', texts, 10);
    for (const t of turns) {
      expect(t.parts?.length ?? 1).toBeLessThanOrEqual(3);
      expect([...(t.content as { text: string }).text].length).toBeLessThanOrEqual(12);
    }
    const read = turns.flatMap(
      (t) => t.parts?.map((p) => p.text) ?? [(t.content as { text: string }).text],
    );
    expect(read).toEqual(texts);
  });

  it('reads a tap on its own, after what waited before it', async () => {
    const { gateway, turns } = readingGateway();
    const batched = readBurstsTogether(gateway, OPTIONS);
    const first = batched.handleInbound(message('c4', text('我想开户')));
    await sleep(20);
    const second = batched.handleInbound(message('c4', text('要什么材料')));
    const tap = batched.handleInbound(
      message('c4', { kind: 'choice', value: 'open_online', label: '线上开户' }),
    );
    await Promise.all([first, second, tap]);
    expect(turns.map((t) => t.content.kind)).toEqual(['text', 'text', 'choice']);
    expect((turns[1]?.content as { text: string }).text).toBe('要什么材料');
  });

  it('queues messages that arrive while a slow turn runs and reads them together after it', async () => {
    const { gateway, turns } = readingGateway(300);
    const batched = readBurstsTogether(gateway, { ...OPTIONS, quietMs: 100 });
    const answers = await sendApart(batched, 'c5', ['一', '二', '三'], 20);
    expect(turns.map((t) => (t.content as { text: string }).text)).toEqual(['一', '二\n三']);
    expect(answers.map((a) => a.length)).toEqual([1, 0, 1]);
  });

  it('reads a repeated 在吗 once but records every copy', async () => {
    const { gateway, turns } = readingGateway();
    const batched = readBurstsTogether(gateway, OPTIONS);
    await sendApart(batched, 'c6', ['你好', '在吗', '在吗', '在吗', '转人工'], 20);
    expect((turns[1]?.content as { text: string }).text).toBe('在吗\n转人工');
    expect(turns[1]?.parts?.map((p) => p.text)).toEqual(['在吗', '在吗', '在吗', '转人工']);
  });

  it('keeps conversations apart', async () => {
    const { gateway, turns } = readingGateway();
    const batched = readBurstsTogether(gateway, OPTIONS);
    await Promise.all([
      sendApart(batched, 'a', ['a1', 'a2'], 20),
      sendApart(batched, 'b', ['b1', 'b2'], 20),
    ]);
    for (const id of ['a', 'b']) {
      const read = turns
        .filter((t) => t.conversationId === id)
        .flatMap((t) => t.parts?.map((p) => p.text) ?? [(t.content as { text: string }).text]);
      expect(read).toEqual([`${id}1`, `${id}2`]);
    }
  });

  it('refuses, on record, only a flood far beyond what a person types', async () => {
    const { gateway, turns, refused } = readingGateway(50);
    const heard: RefusalReason[] = [];
    const batched = readBurstsTogether(gateway, {
      ...OPTIONS,
      floodLimit: 5,
      onRefused: (_m, reason) => heard.push(reason),
    });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => batched.handleInbound(message('f', text(`刷${i}`)))),
    );
    expect(answers.slice(5)).toEqual([
      [{ type: 'event', event: 'rate_limited', text: FLOOD_TEXT, from: 'system' }],
      [{ type: 'event', event: 'rate_limited', text: FLOOD_TEXT, from: 'system' }],
      [{ type: 'event', event: 'rate_limited', text: FLOOD_TEXT, from: 'system' }],
    ]);
    expect(refused.map((r) => r.text)).toEqual(['刷5', '刷6', '刷7']);
    expect(heard).toEqual(['rate_limited', 'rate_limited', 'rate_limited']);
    const read = turns.flatMap(
      (t) => t.parts?.map((p) => p.text) ?? [(t.content as { text: string }).text],
    );
    expect(read).toEqual(['刷0', '刷1', '刷2', '刷3', '刷4']);
  });

  it('hands a failed turn back to every message of it', async () => {
    const failing: ConversationGateway = {
      async handleInbound() {
        throw new Error('store down');
      },
    };
    const batched = readBurstsTogether(failing, OPTIONS);
    const results = await Promise.allSettled([
      batched.handleInbound(message('e', text('一'))),
      batched.handleInbound(message('e', text('二'))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('passes every message straight through with quietMs 0', async () => {
    const { gateway } = readingGateway();
    expect(readBurstsTogether(gateway, { ...OPTIONS, quietMs: 0 })).toBe(gateway);
  });
});
