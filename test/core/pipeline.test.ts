// The turn pipeline around the interpreter: error boundary, concurrency, persistence, edges.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadContent } from '../../src/content/load.ts';
import { loadDialogs } from '../../src/dialog/loader.ts';
import { buildNluEngine } from '../../src/nlu/engine.ts';
import { createFakeClassifier } from '../../src/nlu/fake-classifier.ts';
import { createMemoryStores, createStores, type Stores } from '../../src/store/index.ts';
import {
  createConversationGateway,
  type ConversationGatewayDeps,
} from '../../src/core/pipeline.ts';
import type { InboundContent, OutboundMessage } from '../../src/core/message.ts';
import { createFakeHandoff, createMemoryLogger, fixedClock } from './fakes.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const content = loadContent({ rootDir: ROOT });
const { dialogs } = loadDialogs(join(ROOT, 'dialogs'), ROOT);
const nlu = buildNluEngine(content, {
  classifierOverride: createFakeClassifier({
    'service.complaint': ['投诉'],
    'faq.trading_hours': ['交易时间', '几点'],
    'chitchat.thanks': ['谢谢'],
  }),
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function gatewayWith(stores: Stores, overrides: Partial<ConversationGatewayDeps> = {}) {
  const clock = fixedClock();
  const logger = createMemoryLogger();
  const handoff = createFakeHandoff();
  const gateway = createConversationGateway({
    nlu,
    content,
    dialogs,
    stores,
    handoff,
    clock: clock.now,
    logger,
    ...overrides,
  });
  const send = (text: string | InboundContent, conversationId = 'web:c1') =>
    gateway.handleInbound({
      channel: 'web',
      conversationId,
      userId: 'u1',
      receivedAt: clock.now().toISOString(),
      content: typeof text === 'string' ? { kind: 'text', text } : text,
    });
  return { gateway, logger, handoff, send };
}

const COMPLAINT = [
  '我要投诉',
  '张三',
  '13812345678',
  '跳过',
  '昨天',
  '收费',
  '佣金多收了',
  '退还',
  '是',
];

describe('error boundary', () => {
  it('turns a failure into a polite apology, one log line, and still records the message', async () => {
    const stores = createMemoryStores();
    const failing = {
      analyze: () => {
        throw new Error('classifier exploded for 13812345678');
      },
    };
    const { send, logger } = gatewayWith(stores, { nlu: failing });
    const replies = await send('交易时间是几点');
    expect(replies).toEqual([
      {
        type: 'text',
        text: '抱歉，系统暂时有点忙，没能处理您的消息。请稍后再试，或拨打客服热线95000。',
      },
    ]);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields.conversationId).toBe('web:c1');
    expect(String(errors[0]?.fields.error)).not.toContain('13812345678');
    const transcript = await stores.transcripts.list('web:c1');
    expect(transcript.map((t) => [t.direction, t.text])).toEqual([
      ['customer', '交易时间是几点'],
      ['bot', replies[0]?.text],
    ]);
    // Nothing was written back for the failed turn.
    expect(await stores.states.load('web:c1')).toBeNull();
  });

  it('keeps the state of the last good turn when a later turn fails', async () => {
    const stores = createMemoryStores();
    let fail = false;
    const flaky = {
      analyze: (t: string, now?: Date) => {
        if (fail) throw new Error('boom');
        return nlu.analyze(t, now);
      },
    };
    const { send } = gatewayWith(stores, { nlu: flaky });
    await send('我要投诉');
    const before = await stores.states.load('web:c1');
    fail = true;
    await send('张三');
    fail = false;
    expect(await stores.states.load('web:c1')).toEqual(before);
    const replies = await send('张三');
    expect(replies.map((r) => r.text).join()).toContain('手机号码');
  });

  it('never sends a text that fails the compliance check', async () => {
    const stores = createMemoryStores();
    const promising = {
      ...content,
      intents: content.intents.map((i) =>
        i.id === 'faq.trading_hours'
          ? {
              ...i,
              answers: ['这只股票稳赚不赔，保证收益'],
              questions: i.questions.map((q) => ({
                ...q,
                answers: ['这只股票稳赚不赔，保证收益'],
              })),
            }
          : i,
      ),
    };
    const { send, logger } = gatewayWith(stores, { content: promising });
    const replies = await send('交易时间是几点');
    expect(replies.map((r) => r.text).join()).not.toMatch(/稳赚|保证收益/);
    expect(replies[0]?.text).toContain('95000');
    expect(
      logger.lines.some((l) => l.level === 'warn' && l.fields.conversationId === 'web:c1'),
    ).toBe(true);
  });
});

describe('concurrency', () => {
  it('serialises two messages of one conversation arriving at once (memory store)', async () => {
    const stores = createMemoryStores();
    const { send } = gatewayWith(stores);
    await send('我要投诉');
    await Promise.all([send('张三'), send('13812345678')]);
    const saved = await stores.states.load('web:c1');
    const dialog = saved?.state.dialog as {
      frame: { nodeId: string; slots: Record<string, string> };
    };
    expect(dialog.frame.nodeId).toBe('ask_account');
    expect(dialog.frame.slots).toMatchObject({ name: '张三', phone: '13812345678' });
    expect(saved?.version).toBe(3);
    const transcript = await stores.transcripts.list('web:c1');
    expect(transcript.filter((t) => t.direction === 'customer').map((t) => t.text)).toEqual([
      '我要投诉',
      '张三',
      '13812345678',
    ]);
  });

  it('serialises them across two gateway instances sharing Redis', async () => {
    const stores = await createStores({
      redisUrl: inject('redisUrl'),
      keyPrefix: `csbot-test-${process.pid}-${Date.now()}:`,
    });
    cleanups.push(() => stores.close());
    const a = gatewayWith(stores);
    const b = gatewayWith(stores);
    await a.send('我要投诉', 'web:r1');
    await Promise.all([a.send('张三', 'web:r1'), b.send('13812345678', 'web:r1')]);
    const saved = await stores.states.load('web:r1');
    const dialog = saved?.state.dialog as { frame: { slots: Record<string, string> } };
    expect(dialog.frame.slots).toMatchObject({ name: '张三', phone: '13812345678' });
  });
});

describe('tickets', () => {
  it('creates a complaint ticket that is still there after a restart (embedded file store)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'csbot-data-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await createStores({ dataDir });
    const { send } = gatewayWith(first);
    let last = '';
    for (const text of COMPLAINT) last = (await send(text)).map((r) => r.text).join('\n');
    const id = /工单号：(\S+?)。/.exec(last)?.[1];
    expect(id).toMatch(/^TS\d{8}-\d{4}$/);
    await first.close();
    const second = await createStores({ dataDir });
    cleanups.push(() => second.close());
    const ticket = await second.tickets.get(id as string);
    expect(ticket).toMatchObject({
      kind: 'complaint',
      category: '收费',
      department: '运营管理部',
      complainant: { name: '张三', phone: '13812345678' },
      description: '佣金多收了',
      desiredOutcome: '退还',
      replyDueBy: '2026-12-14',
    });
  });

  it('creates a complaint ticket that is still there after a restart (Redis)', async () => {
    const keyPrefix = `csbot-restart-${process.pid}-${Date.now()}:`;
    const first = await createStores({ redisUrl: inject('redisUrl'), keyPrefix });
    const { send } = gatewayWith(first);
    let last = '';
    for (const text of COMPLAINT) last = (await send(text)).map((r) => r.text).join('\n');
    const id = /工单号：(\S+?)。/.exec(last)?.[1];
    expect(id).toMatch(/^TS\d{8}-\d{4}$/);
    await first.close();
    // A new process: new connections, nothing kept in memory.
    const second = await createStores({ redisUrl: inject('redisUrl'), keyPrefix });
    cleanups.push(() => second.close());
    expect(await second.tickets.get(id as string)).toMatchObject({
      kind: 'complaint',
      category: '收费',
      department: '运营管理部',
      complainant: { name: '张三', phone: '13812345678' },
      status: 'open',
    });
    const transcript = await second.transcripts.list(
      (await second.tickets.get(id as string))?.conversationId ?? '',
    );
    expect(transcript.some((t) => t.direction === 'bot' && t.text.includes(id as string))).toBe(
      true,
    );
  });
});

describe('a form that cannot be stored', () => {
  it('hands the answers to the agent and says so when the ticket cannot be created', async () => {
    const stores = createMemoryStores();
    const { send, handoff, logger } = gatewayWith(stores, {
      effects: {
        async create_ticket() {
          return { ok: false, data: {} };
        },
      },
    });
    let replies: OutboundMessage[] = [];
    for (const text of COMPLAINT) replies = await send(text);
    const said = replies.map((r) => r.text).join('\n');
    expect(said).toContain('您填写的投诉信息会一并交给人工客服登记，不会丢失');
    expect(said).toContain('转接人工客服');
    expect(handoff.started).toHaveLength(1);
    expect(handoff.started[0]).toMatchObject({
      reason: 'complaint',
      collected: {
        title: '投诉登记',
        fields: expect.arrayContaining([
          { slot: 'name', label: '姓名', value: '张三' },
          { slot: 'phone', label: '联系电话', value: '13812345678' },
          { slot: 'description', label: '事情经过', value: '佣金多收了' },
        ]),
      },
    });
    expect(await stores.tickets.list()).toEqual([]);
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('edges', () => {
  it('answers media and empty text politely and records them', async () => {
    const stores = createMemoryStores();
    const { send } = gatewayWith(stores);
    const media = await send({ kind: 'media', media: 'voice' });
    expect(media[0]?.text).toContain('只能看懂文字');
    const empty = await send('   ');
    expect(empty[0]?.text).toContain('请问有什么可以帮您');
    const transcript = await stores.transcripts.list('web:c1');
    expect(transcript.filter((t) => t.direction === 'customer').map((t) => t.text)).toEqual([
      '[语音]',
      '   ',
    ]);
  });

  it('while queued answers a question it reads surely, relays it with a note and records both', async () => {
    const stores = createMemoryStores();
    const { send, handoff } = gatewayWith(stores);
    await send('转人工');
    const replies = await send('股票交易时间是几点');
    expect(replies.map((r) => r.text).join('\n')).toContain('9:30');
    expect(handoff.relayed).toEqual([
      {
        conversationId: 'web:c1',
        text: '股票交易时间是几点',
        answeredByBot: [expect.stringContaining('')],
      },
    ]);
    const lines = await stores.transcripts.list('web:c1');
    const asked = lines.findIndex(
      (l) => l.direction === 'customer' && l.text === '股票交易时间是几点',
    );
    expect(asked).toBeGreaterThan(-1);
    expect(lines[asked]?.intent).toBe('faq.trading_hours');
    expect(
      lines.slice(asked + 1).some((l) => l.direction === 'bot' && l.text.includes('9:30')),
    ).toBe(true);
    // The wait itself is the queue's to answer: only relayed.
    expect(await send('还要等多久')).toEqual([]);
    expect(handoff.relayed.at(-1)).toEqual({ conversationId: 'web:c1', text: '还要等多久' });
  });

  it('with an agent in charge only relays, even a question it could answer', async () => {
    const stores = createMemoryStores();
    const { send, handoff } = gatewayWith(stores);
    await send('转人工');
    const loaded = await stores.states.load('web:c1');
    const claimed = { ...loaded!.state, handoff: { v: 1, status: 'claimed', reason: 'x' } };
    expect((await stores.states.save(claimed, loaded!.version)).ok).toBe(true);
    expect(await send('股票交易时间是几点')).toEqual([]);
    expect(await send('取消')).toEqual([]);
    expect(handoff.relayed.map((r) => r.text)).toEqual(['股票交易时间是几点', '取消']);
    expect(handoff.cancelled).toEqual([]);
  });

  it('ends the wait and answers the question that follows 不等了 in the same message', async () => {
    const stores = createMemoryStores();
    const { send, handoff } = gatewayWith(stores);
    await send('转人工');
    const replies = (await send('不等了，交易时间是几点')).map((r) => r.text).join('\n');
    expect(replies).toContain('已为您取消转人工');
    expect(replies).toContain('9:30');
    expect(handoff.cancelled).toEqual(['web:c1']);
    expect(handoff.cancelledSaying).toEqual(['不等了，交易时间是几点']);
    expect(handoff.relayed).toEqual([]);
    expect((await stores.states.load('web:c1'))?.state.handoff).toBeNull();
  });

  it('relays messages to the agent while a handoff is open and offers the survey when it ends', async () => {
    const stores = createMemoryStores();
    const { send, gateway, handoff } = gatewayWith(stores);
    await send('我要投诉');
    const queued = await send('转人工');
    expect(queued.map((r) => r.text).join()).toContain('预计等待');
    expect(handoff.started[0]?.transcript.map((t) => t.text)).toContain('我要投诉');
    expect(await send('还要等多久')).toEqual([]);
    expect(handoff.relayed).toEqual([{ conversationId: 'web:c1', text: '还要等多久' }]);
    const after = await gateway.resumeAfterHandoff('web:c1');
    expect(after.map((r) => r.text).join()).toContain('满意');
    await send('5');
    await send('跳过');
    expect(handoff.surveys).toEqual([{ conversationId: 'web:c1', score: 5 }]);
    const survey = (await stores.transcripts.list('web:c1')).find((t) => t.kind === 'survey');
    expect(survey?.data).toMatchObject({ score: 5 });
  });
});

describe('messages refused at the edge', () => {
  const refusal: OutboundMessage = {
    type: 'event',
    event: 'rate_limited',
    text: '您发送得太快了，请稍候几秒再试。',
    from: 'system',
  };
  const message = (text: string) => ({
    channel: 'web' as const,
    conversationId: 'web:flood',
    userId: 'u1',
    receivedAt: '2026-11-23T02:00:00.000Z',
    content: { kind: 'text' as const, text },
  });

  it('go on record with the reply, marked with the reason, after the turns before them', async () => {
    const stores = createMemoryStores();
    const { gateway, send } = gatewayWith(stores);
    await send('交易时间是几点', 'web:flood');
    await gateway.recordRefused(message('再问一次交易时间'), [refusal], 'rate_limited');
    const lines = await stores.transcripts.list('web:flood');
    expect(lines.slice(-2).map((l) => [l.direction, l.text, l.data])).toEqual([
      ['customer', '再问一次交易时间', { refused: 'rate_limited' }],
      ['system', refusal.text, { refused: 'rate_limited' }],
    ]);
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    // No turn ran: the conversation state is the one the real turn left.
    expect((await stores.states.load('web:flood'))?.version).toBe(1);
  });

  it('keep a password out of the record, as a turn does', async () => {
    const stores = createMemoryStores();
    const { gateway } = gatewayWith(stores);
    await gateway.recordRefused(
      message('我的交易密码是382915，帮我看看'),
      [refusal],
      'rate_limited',
    );
    const [said] = await stores.transcripts.list('web:flood');
    expect(said?.direction).toBe('customer');
    expect(said?.text).not.toContain('382915');
  });

  it('never throw when the store is down: the customer still gets the reply', async () => {
    const stores = createMemoryStores();
    const broken = {
      ...stores,
      transcripts: {
        append: async () => {
          throw new Error('disk full');
        },
        appendMany: async () => {
          throw new Error('disk full');
        },
        list: stores.transcripts.list.bind(stores.transcripts),
      },
    };
    const { gateway, logger } = gatewayWith(broken);
    await expect(
      gateway.recordRefused(message('太长了'.repeat(300)), [refusal], 'too_long'),
    ).resolves.toBeUndefined();
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });
});

describe('advice safety net', () => {
  it('declines with the risk disclosure when the rules hear a request for advice the classifier missed', async () => {
    const stores = createMemoryStores();
    const { send } = gatewayWith(stores);
    // The fake classifier knows no advice phrasing: it says out_of_scope for both messages.
    expect(nlu.analyze('茅台今天能买吗').intent).toBe('out_of_scope');
    const replies = await send('茅台今天能买吗', 'web:advice-1');
    const text = replies.map((r) => r.text).join('\n');
    expect(text).toContain('不提供个股买卖建议');
    expect(text).toContain(content.firm.riskDisclosure);
    const lines = await stores.transcripts.list('web:advice-1');
    expect(lines[0]).toMatchObject({ direction: 'customer', intent: 'advice.request' });

    // Without a named security, "能买吗" is a rules question and the classifier keeps its say.
    const other = await send('这个能买吗', 'web:advice-2');
    expect(other.map((r) => r.text).join('\n')).not.toContain('不提供个股买卖建议');
  });
});

describe('hopping between topics', () => {
  it('keeps the conversation state bounded: one suspended frame per dialog, the latest few', async () => {
    const stores = createMemoryStores();
    const hopping = buildNluEngine(content, {
      classifierOverride: createFakeClassifier({
        'faq.account_open': ['开户'],
        'faq.bank_transfer': ['转账'],
        'faq.trading_hours': ['几点'],
      }),
    });
    const { send } = gatewayWith(stores, { nlu: hopping });
    const cycle = ['我想开户', '几点开盘', '银证转账失败了', '几点收盘'];
    const sizes: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (const text of cycle) await send(text, 'web:hop');
      const saved = await stores.states.load('web:hop');
      sizes.push(JSON.stringify(saved?.state).length);
      const dialog = saved?.state.dialog as { stack: { dialogId: string }[] } | null;
      const ids = dialog?.stack.map((f) => f.dialogId) ?? [];
      expect(ids.length).toBeLessThanOrEqual(2);
      expect(new Set(ids).size).toBe(ids.length);
    }
    // Before the bound, every round pushed two more frames (~180 characters) without end; now
    // only counters move once the remembered answers reach their cap (12, after three rounds).
    expect(sizes.at(-1)).toBeLessThan((sizes[3] ?? 0) + 20);
  });
});

describe('sensitive data in customer messages', () => {
  it('warns, and keeps passwords and SMS codes out of the transcript', async () => {
    const stores = createMemoryStores();
    const { send } = gatewayWith(stores);
    const replies = await send('我的交易密码是abc12345，验证码 482913，为什么登不上');
    expect(replies[0]?.text).toMatch(/请不要在对话中发送密码、短信验证码/u);
    const transcript = await stores.transcripts.list('web:c1');
    const customer = transcript.find((l) => l.direction === 'customer');
    expect(customer?.text).not.toContain('abc12345');
    expect(customer?.text).not.toContain('482913');
    expect(customer?.text).toContain('******');
    expect(JSON.stringify(await stores.states.load('web:c1'))).not.toContain('abc12345');
  });

  it('relays only the redacted text to a human agent', async () => {
    const stores = createMemoryStores();
    const { send, handoff } = gatewayWith(stores);
    await send('转人工');
    await send('密码：888888 还是登不上');
    expect(handoff.relayed.map((r) => r.text)).toEqual(['密码：****** 还是登不上']);
  });
});
