// Time limits on a fake clock across the firm's holiday and a 调休 Saturday: the promised date
// counts working days, the department is reminded at the configured share and when overdue, the
// supervisor gets the overdue list on working mornings only, and with two instances sweeping at
// once every reminder and list is posted once. Unrated results are closed after the waiting time.
import { internalConversationId } from '../../src/channels/web/conversation-ids.ts';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../src/store/index.ts';
import { startFakeSlack } from '../support/fake-slack.ts';
import {
  admin,
  cardJson,
  cardOf,
  FEES_CHANNEL,
  firmWith,
  MovableClock,
  SLACK_TOKEN,
  startDeskInstance,
  SUPERVISOR_CHANNEL,
  waitForCard,
} from './harness.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Shanghai local time as an instant. */
const at = (local: string): string => new Date(`${local}+08:00`).toISOString();

// A calendar of this test's own: Tue-Thu 1-3 December off, Saturday 5 December worked.
const content = firmWith({
  workCalendarHolidays: '2026-12-01..2026-12-03',
  workCalendarWorkdays: '2026-12-05',
  complaintReplyWorkdays: '5',
  ticketReminderShare: '0.6',
  ticketDigestTime: '09:00',
  ticketFeedbackWorkdays: '2',
  'departmentChannel.运营管理部': FEES_CHANNEL,
});

async function world() {
  const clock = new MovableClock(at('2026-11-30T10:00:00'));
  const slack = await startFakeSlack({ botToken: SLACK_TOKEN });
  const stores = createMemoryStores({ clock: clock.now });
  const a = await startDeskInstance({ slack, stores, clock, content, instanceId: 'A' });
  const b = await startDeskInstance({ slack, stores, clock, content, instanceId: 'B' });
  cleanups.push(
    () => slack.close(),
    () => a.close(),
    () => b.close(),
  );
  return { clock, slack, stores, a, b };
}

async function fileOnWeb(url: string): Promise<string> {
  // The server issues the conversation's id on the first message; later turns use it.
  let conversationId = `limits-${randomUUID()}`;
  let last = '';
  for (const text of [
    '我要投诉',
    '张三',
    '13812345678',
    '跳过',
    '今天上午',
    '收费',
    '佣金收错了',
    '退还多收的佣金',
    '是',
  ]) {
    const res = await fetch(`${url}/api/web/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId, text }),
    });
    const body = (await res.json()) as { conversationId: string };
    conversationId = body.conversationId;
    last = JSON.stringify(body);
  }
  const id = /工单号：(TS\d{8}-\d{4})/.exec(last)?.[1];
  expect(id, last).toBeDefined();
  return id!;
}

describe('ticket time limits across a holiday', () => {
  it('counts working days, reminds once at the share and when overdue, lists overdue tickets on working mornings', async () => {
    const { clock, slack, stores, a, b } = await world();
    const id = await fileOnWeb(a.url);
    // Mon 30 Nov + 5 working days: Fri 4, Sat 5 (调休), Mon 7, Tue 8, Wed 9 December.
    expect((await stores.tickets.get(id))!.replyDueBy).toBe('2026-12-09');
    const card = await waitForCard(slack, FEES_CHANNEL, id);
    expect(cardJson(card)).toContain('2026-12-09（还剩5个工作日）');
    const thread = () => slack.threadReplies(FEES_CHANNEL, card.ts).map((m) => m.text);
    const supervisor = () => slack.channelMessages(SUPERVISOR_CHANNEL).map((m) => m.text);

    // A holiday morning: no list, no reminder (2 of 5 days would not be 60% anyway).
    clock.set(at('2026-12-02T09:30:00'));
    expect(await a.app.ticketSchedule.sweep()).toMatchObject({ digest: false, reminders: [] });
    expect(supervisor()).toEqual([]);

    // Saturday 5 December is worked: 2 days used, still under 60%; the morning list is due.
    clock.set(at('2026-12-05T09:10:00'));
    const saturday = await Promise.all([
      a.app.ticketSchedule.sweep(),
      b.app.ticketSchedule.sweep(),
    ]);
    expect(saturday.filter((r) => r.digest)).toHaveLength(1);
    expect(supervisor()).toEqual(['📋 2026-12-05 超期工单：无。']);
    expect(thread()).toEqual([]);

    // Monday 7 December: 3 of 5 working days used. Both instances sweep; one reminder.
    clock.set(at('2026-12-07T10:00:00'));
    const monday = await Promise.all([a.app.ticketSchedule.sweep(), b.app.ticketSchedule.sweep()]);
    expect(monday.flatMap((r) => r.reminders)).toEqual([id]);
    expect(thread()).toHaveLength(1);
    expect(thread()[0]).toContain('已用去答复时限的60%');
    expect(thread()[0]).toContain('还剩2个工作日');
    expect(cardJson(cardOf(slack, FEES_CHANNEL, id)!)).toContain('2026-12-09（还剩2个工作日）');
    await a.app.ticketSchedule.sweep();
    expect(thread()).toHaveLength(1);

    // Thursday 10 December, before 9:00: overdue, reminded once; the list waits for 9:00.
    clock.set(at('2026-12-10T08:00:00'));
    const early = await Promise.all([a.app.ticketSchedule.sweep(), b.app.ticketSchedule.sweep()]);
    expect(early.flatMap((r) => r.overdue)).toEqual([id]);
    expect(early.some((r) => r.digest)).toBe(false);
    expect(thread()).toHaveLength(2);
    expect(thread()[1]).toContain('已超过答复时限（2026-12-09）');
    expect(cardJson(cardOf(slack, FEES_CHANNEL, id)!)).toContain('已超期1个工作日');

    clock.set(at('2026-12-10T09:05:00'));
    await Promise.all([a.app.ticketSchedule.sweep(), b.app.ticketSchedule.sweep()]);
    const lists = supervisor().filter((t) => t.includes('2026-12-10'));
    expect(lists).toHaveLength(1);
    expect(lists[0]).toContain(
      `${id}｜运营管理部｜收费｜待受理｜应于2026-12-09答复，已超期1个工作日`,
    );
    expect(lists[0]).not.toContain('13812345678');
    expect(thread()).toHaveLength(2);

    // The stats count it as not answered in time.
    const stats = (await (await admin(a, '/api/admin/stats')).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ answeredInTime: { decided: 1, inTime: 0, share: 0 } });
  });

  it('closes a result the customer never rated after the waiting time, counted in working days', async () => {
    const { clock, stores, a } = await world();
    const ticket = await stores.tickets.create(
      {
        kind: 'callback',
        conversationId: 'web:quiet-customer',
        channel: 'web',
        createdAt: clock.now().toISOString(),
        complainant: {},
        description: '请回电说明转账延迟',
        replyDueBy: '2026-12-09',
      },
      'bot',
    );
    for (const body of [
      { action: 'accept', by: '赵六' },
      {
        action: 'resolve',
        by: '赵六',
        result: '已电话说明',
        cause: '第三方原因',
        improvement: '无',
      },
    ]) {
      const res = await admin(a, `/api/admin/tickets/${ticket.id}/events`, {
        method: 'POST',
        body,
      });
      expect(res.status).toBe(200);
    }
    // Resolved Mon 30 Nov; the two working days after are Fri 4 and Sat 5 December.
    clock.set(at('2026-12-04T12:00:00'));
    expect((await a.app.ticketSchedule.sweep()).closed).toEqual([]);
    clock.set(at('2026-12-05T12:00:00'));
    expect((await a.app.ticketSchedule.sweep()).closed).toEqual([ticket.id]);
    const closed = (await stores.tickets.get(ticket.id))!;
    expect(closed.status).toBe('closed');
    expect(closed.statusHistory.at(-1)).toMatchObject({
      by: 'system',
      note: expect.stringContaining('未评价'),
    });
  });

  it('tells the customer once when the instance that resolved stopped before it could', async () => {
    const { clock, stores, a, b } = await world();
    const conversationId = 'told-after-crash';
    const opened = await fetch(`${a.url}/api/web/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId, text: '你好' }),
    });
    // The server issues the conversation's id; inside the bot it is known by its hash.
    const { conversationId: issued } = (await opened.json()) as { conversationId: string };
    const internal = internalConversationId(issued);
    const ticket = await stores.tickets.create(
      {
        kind: 'complaint',
        conversationId: internal,
        channel: 'web',
        createdAt: clock.now().toISOString(),
        complainant: {},
        description: '委托未成交',
        replyDueBy: '2026-12-09',
      },
      'bot',
    );
    // Resolved straight in the store, as if the resolving instance died before telling anyone.
    await stores.tickets.change(ticket.id, { status: { status: 'in_progress', by: '赵六' } });
    await stores.tickets.change(ticket.id, {
      status: { status: 'resolved', by: '赵六' },
      result: '委托已按规则撤销，资金已解冻。',
    });
    const told = async () =>
      (await stores.transcripts.list(internal)).filter((e) => e.text.includes('已处理完毕'));
    clock.advance(60_000);
    expect((await a.app.ticketSchedule.sweep()).told).toEqual([]);
    clock.advance(2 * 60_000);
    await Promise.all([a.app.ticketSchedule.sweep(), b.app.ticketSchedule.sweep()]);
    expect(await told()).toHaveLength(1);
    expect((await told())[0]?.text).toContain(ticket.id);
    expect((await stores.tickets.get(ticket.id))!.resultNotice).toMatchObject({
      outcome: 'delivered',
    });
    await a.app.ticketSchedule.sweep();
    expect(await told()).toHaveLength(1);
  });
});
