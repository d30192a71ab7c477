// The records kept about what the edge refused: a flood summarised, a full transcript noted once,
// and the AI label on the first reply of text-channel conversations.
import { describe, expect, it } from 'vitest';
import { labelFirstReplies, AI_LABEL_CHANNELS } from '../../src/core/ai-label.ts';
import type { ConversationGateway } from '../../src/core/gateway.ts';
import type { ChannelId, InboundMessage, OutboundMessage } from '../../src/core/message.ts';
import { summariseRefusals } from '../../src/core/refusal-summary.ts';
import { capTranscripts } from '../../src/core/transcript-cap.ts';
import { MemoryStateStore, MemoryTranscriptStore } from '../../src/store/memory.ts';
import type { ConversationState } from '../../src/store/types.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function msg(text: string, conversationId = 'web:f', channel: ChannelId = 'web'): InboundMessage {
  return {
    channel,
    conversationId,
    userId: conversationId,
    receivedAt: new Date().toISOString(),
    content: { kind: 'text', text },
  };
}

/** A pipeline stand-in that records like the real one: the customer's line and its replies. */
function recordingPipeline(transcripts: MemoryTranscriptStore): ConversationGateway {
  const line = (m: InboundMessage, direction: 'customer' | 'bot' | 'system', text: string) => ({
    conversationId: m.conversationId,
    at: m.receivedAt,
    channel: m.channel,
    direction,
    kind: 'message' as const,
    text,
  });
  return {
    async handleInbound(m) {
      const reply: OutboundMessage = { type: 'text', text: '您好' };
      await transcripts.appendMany([
        line(m, 'customer', (m.content as { text: string }).text),
        line(m, 'bot', reply.text),
      ]);
      return [reply];
    },
    async recordRefused(m, replies) {
      await transcripts.appendMany([
        line(m, 'customer', (m.content as { text: string }).text),
        ...replies.map((r) => line(m, 'system', r.text)),
      ]);
    },
  };
}

const SLOW: OutboundMessage[] = [{ type: 'text', text: '您发送得太快了', from: 'system' }];

describe('summariseRefusals', () => {
  it('records the first refusals in full and the rest of a flood as one note', async () => {
    const transcripts = new MemoryTranscriptStore();
    const gateway = summariseRefusals(recordingPipeline(transcripts), transcripts, {
      windowMs: 150,
      recordedInFull: 2,
    });
    for (let i = 0; i < 500; i++) {
      await gateway.recordRefused?.(msg(`刷屏${i}`), SLOW, 'rate_limited');
    }
    await sleep(250);
    const lines = await transcripts.list('web:f');
    expect(lines.map((l) => l.text)).toEqual([
      '刷屏0',
      '您发送得太快了',
      '刷屏1',
      '您发送得太快了',
      expect.stringContaining('另有498条消息因发送过快未处理'),
    ]);
    expect(lines.at(-1)).toMatchObject({
      direction: 'system',
      kind: 'note',
      data: { refusedCount: 498, refused: ['rate_limited'] },
    });
    expect(lines.at(-1)?.text).toContain('首条：刷屏2');
  });

  it('writes an open window at once on flush (shutdown)', async () => {
    const transcripts = new MemoryTranscriptStore();
    const gateway = summariseRefusals(recordingPipeline(transcripts), transcripts, {
      windowMs: 60_000,
      recordedInFull: 0,
    });
    for (let i = 0; i < 10; i++) await gateway.recordRefused?.(msg(`刷${i}`), SLOW, 'rate_limited');
    expect(await transcripts.list('web:f')).toEqual([]);
    await gateway.flush();
    const lines = await transcripts.list('web:f');
    expect(lines.map((l) => l.data?.refusedCount)).toEqual([10]);
  });

  it('starts a new window after the old one closed', async () => {
    const transcripts = new MemoryTranscriptStore();
    const gateway = summariseRefusals(recordingPipeline(transcripts), transcripts, {
      windowMs: 80,
      recordedInFull: 1,
    });
    await gateway.recordRefused?.(msg('一'), SLOW, 'rate_limited');
    await sleep(120);
    await gateway.recordRefused?.(msg('二'), SLOW, 'rate_limited');
    const texts = (await transcripts.list('web:f')).map((l) => l.text);
    expect(texts).toEqual(['一', '您发送得太快了', '二', '您发送得太快了']);
  });

  // Issue #12: the fuzz lost the fourth too-long message a conversation sent within a minute.
  it('records every too-long message in full, without using up the flood allowance', async () => {
    const transcripts = new MemoryTranscriptStore();
    const gateway = summariseRefusals(recordingPipeline(transcripts), transcripts, {
      windowMs: 60_000,
      recordedInFull: 1,
    });
    const long = (i: number) => `${i}${'开户需要什么材料'.repeat(70)}`;
    const tooLong: OutboundMessage[] = [
      { type: 'text', text: '请精简后分几次发送', from: 'system' },
    ];
    for (let i = 0; i < 5; i++) await gateway.recordRefused?.(msg(long(i)), tooLong, 'too_long');
    await gateway.recordRefused?.(msg('刷1'), SLOW, 'rate_limited');
    await gateway.recordRefused?.(msg('刷2'), SLOW, 'rate_limited');
    await gateway.flush();
    const lines = await transcripts.list('web:f');
    expect(lines.filter((l) => l.direction === 'customer').map((l) => l.text)).toEqual([
      ...[0, 1, 2, 3, 4].map(long),
      '刷1',
    ]);
    expect(lines.at(-1)).toMatchObject({
      kind: 'note',
      data: { refusedCount: 1, refused: ['rate_limited'] },
    });
  });
});

describe('capTranscripts', () => {
  it('stops at the ceiling with a polite reply and one note, keeping every earlier line', async () => {
    const transcripts = new MemoryTranscriptStore();
    const gateway = capTranscripts(recordingPipeline(transcripts), transcripts, {
      maxLines: 6,
      fullText: () => '本次会话的记录已达上限，请拨打客服热线95000。',
    });
    for (const t of ['一', '二', '三'])
      expect((await gateway.handleInbound(msg(t)))[0]?.text).toBe('您好');
    for (const t of ['四', '五', '六']) {
      expect(await gateway.handleInbound(msg(t))).toEqual([
        { type: 'text', text: '本次会话的记录已达上限，请拨打客服热线95000。', from: 'system' },
      ]);
    }
    await gateway.recordRefused?.(msg('刷'), SLOW, 'rate_limited');
    const lines = await transcripts.list('web:f');
    expect(lines).toHaveLength(7);
    expect(lines.slice(0, 6).map((l) => l.text)).toEqual([
      '一',
      '您好',
      '二',
      '您好',
      '三',
      '您好',
    ]);
    expect(lines[6]).toMatchObject({ kind: 'note', data: { transcriptFull: true, maxLines: 6 } });
    // Other conversations go on.
    expect((await gateway.handleInbound(msg('你好', 'web:g')))[0]?.text).toBe('您好');
  });
});

describe('labelFirstReplies', () => {
  function answering(): ConversationGateway {
    return {
      async handleInbound() {
        return [
          { type: 'text', text: '股票交易时间是9:30-11:30、13:00-15:00。' },
          { type: 'text', text: '还有其他问题吗？' },
        ];
      },
    };
  }

  it('opens a text-channel conversation with the label, once, and again after a long pause', async () => {
    const states = new MemoryStateStore();
    let now = Date.parse('2026-11-23T02:00:00Z');
    const gateway = labelFirstReplies(answering(), states, {
      label: () => '本回答由AI生成',
      channels: AI_LABEL_CHANNELS,
      sessionGapMs: 30 * 60_000,
      now: () => now,
    });
    const first = await gateway.handleInbound(msg('交易时间', 'wechat-mp:o1', 'wechat-mp'));
    expect(first.map((m) => m.text)).toEqual([
      '本回答由AI生成\n股票交易时间是9:30-11:30、13:00-15:00。',
      '还有其他问题吗？',
    ]);
    const state: ConversationState = {
      conversationId: 'wechat-mp:o1',
      channel: 'wechat-mp',
      userId: 'o1',
      channelRef: null,
      dialog: null,
      handoff: null,
      memory: {},
      createdAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
    };
    await states.save(state, null);
    now += 60_000;
    const next = await gateway.handleInbound(msg('交易时间', 'wechat-mp:o1', 'wechat-mp'));
    expect(next[0]?.text).not.toContain('本回答由AI生成');
    now += 31 * 60_000;
    const back = await gateway.handleInbound(msg('交易时间', 'wechat-mp:o1', 'wechat-mp'));
    expect(back[0]?.text).toMatch(/^本回答由AI生成\n/);
  });

  it('leaves the web (its widget header shows the label) and agent words unlabelled', async () => {
    const states = new MemoryStateStore();
    const options = { label: () => '本回答由AI生成', channels: AI_LABEL_CHANNELS };
    const web = await labelFirstReplies(answering(), states, options).handleInbound(msg('你好'));
    expect(web[0]?.text).not.toContain('本回答由AI生成');
    const agent: ConversationGateway = {
      handleInbound: async () => [{ type: 'text', text: '我是客服小王', from: 'agent' }],
    };
    const relayed = await labelFirstReplies(agent, states, options).handleInbound(
      msg('你好', 'botframework:x', 'botframework'),
    );
    expect(relayed[0]?.text).toBe('我是客服小王');
    const unset = labelFirstReplies(answering(), states, { ...options, label: () => '' });
    const plain = await unset.handleInbound(msg('你好', 'wecom:u', 'wecom'));
    expect(plain[0]?.text).not.toContain('AI');
  });
});
