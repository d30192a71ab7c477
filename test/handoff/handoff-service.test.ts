import { describe, expect, it } from 'vitest';
import { MemoryHandoffBus } from '../../src/handoff/bus.ts';
import {
  createHandoffService,
  createNoDeskHandoffService,
  type HandoffSettings,
} from '../../src/handoff/handoff-service.ts';
import { estimateWaitMs, MemoryHandoffQueue } from '../../src/handoff/queue.ts';
import { parseServiceHours } from '../../src/handoff/service-hours.ts';
import type { HandoffReason } from '../../src/handoff/types.ts';
import { createMemoryStores } from '../../src/store/index.ts';
import {
  CUSTOMER_LINES,
  FakeDesk,
  fakeControl,
  RecordingOutlet,
  saveHandoff,
  seedConversation,
  settings,
} from './harness.ts';

function build(
  overrides: Partial<HandoffSettings> = {},
  start = new Date('2026-11-23T03:00:00.000Z'),
) {
  let now = start;
  const stores = createMemoryStores({ clock: () => now });
  const desk = new FakeDesk();
  const queue = new MemoryHandoffQueue();
  const bus = new MemoryHandoffBus(() => {});
  const outlet = new RecordingOutlet('wechat-mp');
  const service = createHandoffService({
    desk,
    queue,
    bus,
    states: stores.states,
    transcripts: stores.transcripts,
    tickets: stores.tickets,
    outlets: (c) => (c === 'wechat-mp' ? outlet : undefined),
    settings: settings(overrides),
    clock: () => now,
    log: () => {},
  });
  service.bindControl(fakeControl(stores.states));
  return {
    stores,
    desk,
    queue,
    bus,
    outlet,
    service,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    async open(id: string, reason: HandoffReason = 'customer_request') {
      const request = await seedConversation(
        stores.states,
        stores.transcripts,
        id,
        'wechat-mp',
        CUSTOMER_LINES,
      );
      const started = await service.start({ ...request, reason });
      await saveHandoff(stores.states, id, started.handoff);
      return started;
    },
  };
}

describe('estimated wait', () => {
  it('uses a default per place without history and the median of recent waits with it', () => {
    expect(estimateWaitMs(3, [])).toBe(9 * 60_000);
    expect(estimateWaitMs(2, [60_000, 120_000, 600_000])).toBe(240_000);
  });
});

describe('the handoff queue, honestly told', () => {
  it('tells each customer their place and wait, and again when it changes materially', async () => {
    const w = build();
    await w.service.startWorkers({ checkEveryMs: 0 });
    const first = await w.open('wechat-mp:a');
    const second = await w.open('wechat-mp:b');
    const third = await w.open('wechat-mp:c');
    expect(first.messages[0]!.text).toContain('目前排在第1位，预计等待约3分钟');
    expect(second.messages[0]!.text).toContain('目前排在第2位，预计等待约6分钟');
    expect(third.messages[0]!.text).toContain('目前排在第3位，预计等待约9分钟');
    expect(third.messages[0]!.text).toContain('取消');
    expect(w.desk.threads[2]!.opening.header.status).toBe('排队第3位，预计约9分钟');

    // A small move is not worth a message; a later claim after 1 minute changes the estimate.
    w.advance(60_000);
    await w.service.claimed('wechat-mp:a', { id: 'U1', name: '张三' });
    await w.bus.drain();
    // b moved to first place -> told; c moved 3 -> 2 (one place) but the estimate halved -> told.
    expect(w.outlet.texts('wechat-mp:b').at(-1)).toContain('目前排在第1位，预计等待约1分钟');
    expect(w.outlet.texts('wechat-mp:c').at(-1)).toContain('目前排在第2位，预计等待约2分钟');

    // Nothing changed: no message; after the re-inform interval the waiter hears from us again.
    const before = w.outlet.delivered.length;
    await w.service.checkQueue();
    expect(w.outlet.delivered.length).toBe(before);
    w.advance(2 * 60_000);
    await w.service.checkQueue();
    expect(w.outlet.texts('wechat-mp:c').at(-1)).toMatch(/^感谢您耐心等待，目前排在第2位/);
    await w.service.stopWorkers();
  });

  it('answers a queued customer who writes, and mirrors the line to the thread', async () => {
    const w = build();
    const started = await w.open('wechat-mp:a');
    const relayed = await w.service.relayCustomerMessage(
      'wechat-mp:a',
      started.handoff,
      '还要多久？我的电话13812345678',
    );
    expect(relayed.messages[0]!.text).toContain('目前排在第1位');
    expect(w.desk.threads[0]!.posts.at(-1)).toBe('*客户*：还要多久？我的电话138****5678');
  });

  it('offers a message when nobody claims in time, keeps the place, and records a left message as a callback ticket', async () => {
    const w = build({ claimTimeoutMs: 5 * 60_000 });
    await w.open('wechat-mp:a');
    w.advance(5 * 60_000);
    await w.service.checkQueue();
    const offer = w.outlet.texts('wechat-mp:a').at(-1) ?? '';
    expect(offer).toContain('客服专员暂时都在忙，您仍排在第1位');
    expect(offer).toContain('回复「留言」');
    expect(w.desk.threads[0]!.posts.at(-1)).toContain('无人接单');
    let state = (await w.stores.states.load('wechat-mp:a'))!.state;
    expect(state.handoff).toMatchObject({ status: 'queued', offer: 'timeout' });
    // Offered once, not at every check.
    const told = w.outlet.delivered.length;
    await w.service.checkQueue();
    expect(w.outlet.delivered.length).toBe(told);

    // Any other line keeps the customer waiting and is never taken as the message.
    const waiting = await w.service.relayCustomerMessage(
      'wechat-mp:a',
      state.handoff,
      '还要等多久',
    );
    expect(waiting.leaveMessage).toBeUndefined();
    expect(waiting.messages[0]!.text).toContain('目前排在第1位');
    state = (await w.stores.states.load('wechat-mp:a'))!.state;
    const taken = await w.service.relayCustomerMessage(
      'wechat-mp:a',
      state.handoff,
      '好的，我留言',
    );
    expect(taken).toMatchObject({
      handoff: null,
      leaveMessage: { offer: 'timeout', why: '客服专员暂时都在忙', callbackWhen: '工作时间内尽快' },
    });
    expect(await w.queue.position('wechat-mp:a')).toBeNull();
    expect(await w.stores.tickets.list({ conversationId: 'wechat-mp:a' })).toEqual([]);

    const left = await w.service.leaveMessage({
      conversationId: 'wechat-mp:a',
      channel: 'wechat-mp',
      question: '开户审核一直不通过，请回电说明',
      phone: '13812345678',
      name: '王先生',
    });
    expect(left.ticket).toMatchObject({
      kind: 'callback',
      description: '开户审核一直不通过，请回电说明',
      complainant: { name: '王先生', phone: '13812345678' },
      status: 'open',
    });
    expect(w.desk.threads[0]!.posts.at(-1)).toContain(`回电工单 ${left.ticket.id}`);
    expect(w.desk.threads[0]!.posts.at(-1)).toContain('回电电话：138****5678');
    expect(w.desk.threads[0]!.posts.join('\n')).not.toContain('13812345678');
    expect(w.desk.threads[0]!.ended).toContain('待回电');
  });

  it('tells customers still waiting at closing time, and takes their next line as the start of a message', async () => {
    // Monday 16:58 Shanghai, queued; the check at 17:05 finds the desk closed.
    const hours = parseServiceHours('Mon-Fri 09:00-17:00 Asia/Shanghai');
    const w = build({ serviceHours: hours }, new Date('2026-11-23T08:58:00.000Z'));
    await w.open('wechat-mp:a');
    w.advance(7 * 60_000);
    await w.service.checkQueue();
    expect(w.outlet.texts('wechat-mp:a').at(-1)).toContain('人工客服已到下班时间');
    expect(w.outlet.texts('wechat-mp:a').at(-1)).toContain('11月24日（周二）09:00后');
    const state = (await w.stores.states.load('wechat-mp:a'))!.state;
    expect(state.handoff).toMatchObject({ status: 'awaiting_message', offer: 'after_hours' });
    const next = await w.service.relayCustomerMessage('wechat-mp:a', state.handoff, '怎么不回');
    expect(next).toMatchObject({ handoff: null, leaveMessage: { offer: 'after_hours' } });
    expect(await w.stores.tickets.list({ conversationId: 'wechat-mp:a' })).toEqual([]);
  });

  it('withdraws a queued customer on cancel and tells the thread', async () => {
    const w = build();
    const started = await w.open('wechat-mp:a');
    const cancelled = await w.service.cancel('wechat-mp:a', started.handoff);
    expect(cancelled.messages[0]!.text).toContain('已为您取消转人工');
    expect(await w.queue.position('wechat-mp:a')).toBeNull();
    expect(w.desk.threads[0]!.ended).toBe('客户已取消');
  });

  it('shows "客服专员" without the name when agent names are hidden', async () => {
    const w = build({ showAgentNames: false });
    await w.service.startWorkers({ checkEveryMs: 0 });
    await w.open('wechat-mp:a');
    await w.service.claimed('wechat-mp:a', { id: 'U1', name: '张三' });
    await w.bus.drain();
    expect(w.outlet.texts('wechat-mp:a')).toContain('客服专员 已为您服务，请问有什么可以帮您？');
    await w.service.stopWorkers();
  });
});

describe('a customer who writes while waiting', () => {
  it('is told they keep their place when the bot answered, and the agent sees what was answered', async () => {
    const w = build();
    await w.open('wechat-mp:a');
    const started = await w.open('wechat-mp:b');
    const relayed = await w.service.relayCustomerMessage(
      'wechat-mp:b',
      started.handoff,
      '没人？那你们热线电话多少',
      { answeredByBot: ['客服电话是多少？'] },
    );
    const told = relayed.messages.map((m) => m.text).join('\n');
    expect(told).toContain('排队不受影响：目前排在第2位，预计等待约6分钟');
    expect(told).not.toContain('请稍候');
    expect(relayed.handoff).toMatchObject({ status: 'queued' });
    expect(await w.queue.position('wechat-mp:b')).toBe(2);
    expect(w.desk.threads[1]!.posts.at(-1)).toBe(
      '*客户*：没人？那你们热线电话多少\n（机器人已先解答：客服电话是多少？）',
    );
  });

  it('with an agent in charge is only relayed, however surely the bot could answer', async () => {
    const w = build();
    await w.service.startWorkers({ checkEveryMs: 0 });
    await w.open('wechat-mp:a');
    await w.service.claimed('wechat-mp:a', { id: 'U1', name: '张三' });
    await w.bus.drain();
    const state = (await w.stores.states.load('wechat-mp:a'))!.state;
    const relayed = await w.service.relayCustomerMessage('wechat-mp:a', state.handoff, '热线多少');
    expect(relayed.messages).toEqual([]);
    expect(w.desk.threads[0]!.posts.at(-1)).toBe('*客户*：热线多少');
    await w.service.stopWorkers();
  });

  it('who gives up waiting has their words shown in the thread before the note that they left', async () => {
    const w = build();
    const started = await w.open('wechat-mp:a');
    await w.service.cancel('wechat-mp:a', started.handoff, '不等了 我电话13812345678');
    expect(w.desk.threads[0]!.posts.slice(-2)).toEqual([
      '*客户*：不等了 我电话138****5678',
      '客户已取消转人工，会话已交回机器人。',
    ]);
    expect(w.desk.threads[0]!.ended).toBe('客户已取消');
  });
});

describe('a call-back asked for', () => {
  it('in service hours takes a message instead of queueing, and tells the desk why', async () => {
    const w = build();
    const started = await w.open('wechat-mp:a', 'callback_request');
    expect(started).toMatchObject({
      handoff: null,
      leaveMessage: { offer: 'requested', callbackWhen: '工作时间内尽快' },
    });
    expect(started.messages[0]!.text).toContain('这就为您登记留言');
    expect(started.messages[0]!.text).toContain('转人工');
    expect(started.messages[0]!.text).not.toContain('排在第');
    expect(await w.queue.position('wechat-mp:a')).toBeNull();
    expect(w.desk.threads[0]!.opening.header.status).toContain('留言回电');
  });

  it('after hours is told the desk is closed and when it opens, like any request for a person', async () => {
    const hours = parseServiceHours('Mon-Fri 09:00-17:00 Asia/Shanghai');
    const w = build({ serviceHours: hours }, new Date('2026-11-23T12:00:00.000Z'));
    const started = await w.open('wechat-mp:a', 'callback_request');
    expect(started.leaveMessage).toMatchObject({ offer: 'after_hours' });
    expect(started.messages[0]!.text).toContain('11月24日（周二）09:00后');
  });
});

describe('after hours and without a desk', () => {
  it('outside service hours says so once, with the next opening, and offers a message', async () => {
    // Friday 2026-11-27 18:30 Shanghai = 10:30Z; next opening Monday 11月30日 09:00.
    const hours = parseServiceHours('Mon-Fri 09:00-17:00 Asia/Shanghai');
    const w = build({ serviceHours: hours }, new Date('2026-11-27T10:30:00.000Z'));
    const started = await w.open('wechat-mp:a');
    expect(started.messages).toHaveLength(1);
    const text = started.messages[0]!.text;
    expect(text).toContain('非工作时间');
    expect(text).toContain('11月30日（周一）09:00后');
    expect(text).toContain('留言');
    expect(text).not.toMatch(/正在为您转接|请稍候/);
    expect(started.handoff).toBeNull();
    expect(started.leaveMessage).toEqual({
      offer: 'after_hours',
      why: '现在是人工客服非工作时间',
      callbackWhen: '11月30日（周一）09:00后',
    });
    expect(w.desk.threads[0]!.opening.header.status).toContain('非工作时间');
    const left = await w.service.leaveMessage({
      conversationId: 'wechat-mp:a',
      channel: 'wechat-mp',
      question: '想咨询两融开通条件',
      phone: '0755-88886666',
    });
    expect(left.callbackWhen).toBe('11月30日（周一）09:00后');
    expect(left.ticket).toMatchObject({
      kind: 'callback',
      replyDueBy: '2026-11-30',
      complainant: { phone: '0755-88886666' },
    });
    expect(w.desk.threads[0]!.posts.at(-1)).toContain(`回电工单 ${left.ticket.id}`);
    expect(w.desk.threads[0]!.posts.at(-1)).toContain('0755-****6666');
  });

  it('with no desk configured says nobody is online and offers a message', async () => {
    const stores = createMemoryStores();
    const service = createNoDeskHandoffService({
      queue: new MemoryHandoffQueue(),
      bus: new MemoryHandoffBus(),
      states: stores.states,
      transcripts: stores.transcripts,
      tickets: stores.tickets,
      outlets: () => undefined,
      settings: settings(),
    });
    const request = await seedConversation(
      stores.states,
      stores.transcripts,
      'web:x',
      'web',
      CUSTOMER_LINES,
    );
    const started = await service.start(request);
    expect(started.messages[0]!.text).toContain('现在没有客服专员在线');
    expect(started.messages[0]!.text).not.toContain('正在为您转接');
    expect(started).toMatchObject({ handoff: null, leaveMessage: { offer: 'no_desk' } });
    const left = await service.leaveMessage({
      conversationId: 'web:x',
      channel: 'web',
      question: '请给我回电',
      phone: '+852 91234567',
    });
    expect(left.ticket.complainant.phone).toBe('+852 91234567');
    expect(await stores.tickets.list({ conversationId: 'web:x' })).toHaveLength(1);
  });

  it('a desk that cannot open a thread does not leave the customer waiting', async () => {
    const w = build();
    w.desk.failOpen = true;
    const started = await w.open('wechat-mp:a');
    expect(started).toMatchObject({ handoff: null, leaveMessage: { offer: 'no_desk' } });
    expect(started.messages[0]!.text).toContain('暂时连接不上');
    expect(await w.queue.position('wechat-mp:a')).toBeNull();
  });

  it('says every agent is busy when others wait ahead', async () => {
    const w = build();
    const first = await w.open('wechat-mp:a');
    const second = await w.open('wechat-mp:b');
    expect(first.messages[0]!.text).not.toContain('都在忙');
    expect(second.messages[0]!.text).toContain('客服专员都在忙，目前排在第2位，预计等待约6分钟');
  });
});

describe('service hours', () => {
  const hours = parseServiceHours('Mon-Fri 09:00-17:00 Asia/Shanghai', {
    holidays: ['2026-10-01'],
  });
  it('knows open and closed times in the zone, weekends and holidays', () => {
    expect(hours.isOpen(new Date('2026-11-23T01:00:00Z'))).toBe(true); // Mon 09:00
    expect(hours.isOpen(new Date('2026-11-23T00:59:00Z'))).toBe(false);
    expect(hours.isOpen(new Date('2026-11-23T09:00:00Z'))).toBe(false); // 17:00
    expect(hours.isOpen(new Date('2026-11-28T03:00:00Z'))).toBe(false); // Saturday
    expect(hours.isOpen(new Date('2026-10-01T03:00:00Z'))).toBe(false); // holiday
    expect(hours.nextOpening(new Date('2026-09-30T10:00:00Z'))?.toISOString()).toBe(
      '2026-10-02T01:00:00.000Z',
    );
  });
  it('rejects a malformed spec with a clear message', () => {
    expect(() => parseServiceHours('weekdays 9-5')).toThrow(/Mon-Fri 09:00-17:00/);
    expect(() => parseServiceHours('Mon-Fri 09:00-17:00 Mars/Base')).toThrow(/time zone/);
  });
});
