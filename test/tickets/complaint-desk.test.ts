// The whole complaint desk, as the "done" describes it: a complaint filed on the web becomes a
// card in its department's Slack channel; staff accept it (two at once), note, reveal the phone,
// transfer and resolve it through signed block actions and view submissions; the customer sees the
// result in their conversation and answers 不满意; the ticket reopens and the supervisor channel is
// told; the CSV, the stats and the history show it. On memory and on Redis, with two instances.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { createMemoryStores, createStores, type Stores } from '../../src/store/index.ts';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import {
  admin,
  cardJson,
  cardOf,
  COMPLAINTS_CHANNEL,
  FEES_CHANNEL,
  LI,
  MovableClock,
  onlyTicket,
  press,
  SLACK_TOKEN,
  startDeskInstance,
  submitForm,
  SUPERVISOR_CHANNEL,
  waitForCard,
  ZHANG,
  type DeskInstance,
} from './harness.ts';

/** Slack actions on two instances, Redis in between: on a loaded CI machine this takes seconds. */
const waitFor = <T>(check: () => T | Promise<T>): Promise<T> =>
  vi.waitFor(check, { timeout: 10_000, interval: 50 });

const redisUrl = inject('redisUrl');
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A web chat client: keeps the conversation id (and secret) the server hands back. */
class WebCustomer {
  conversationId = `desk-${randomUUID()}`;
  secret: string | undefined;

  async say(instance: DeskInstance, text: string): Promise<string> {
    const res = await fetch(`${instance.url}/api/web/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        conversationId: this.conversationId,
        text,
        ...(this.secret ? { conversationSecret: this.secret } : {}),
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      conversationId: string;
      conversationSecret?: string;
      messages: { text: string; quickReplies?: { label: string }[] }[];
    };
    this.conversationId = body.conversationId;
    if (body.conversationSecret) this.secret = body.conversationSecret;
    return body.messages
      .map((m) => [m.text, ...(m.quickReplies ?? []).map((q) => q.label)].join('\n'))
      .join('\n');
  }

  async history(instance: DeskInstance): Promise<string[]> {
    const query = new URLSearchParams({ conversationId: this.conversationId });
    if (this.secret) query.set('conversationSecret', this.secret);
    const res = await fetch(`${instance.url}/api/web/messages?${query.toString()}`);
    const body = (await res.json()) as { messages: { text: string }[] };
    return body.messages.map((m) => m.text);
  }
}

async function fileComplaint(instance: DeskInstance, customer: WebCustomer): Promise<string> {
  expect(await customer.say(instance, '我要投诉')).toContain('姓名');
  await customer.say(instance, '张三');
  await customer.say(instance, '13812345678');
  await customer.say(instance, '880012345678');
  await customer.say(instance, '昨天下午3点');
  expect(await customer.say(instance, '收费')).toContain('事情经过');
  await customer.say(instance, '佣金比开户时约定的高了很多');
  expect(await customer.say(instance, '退还多收的佣金并回电说明')).toContain('是');
  const registered = await customer.say(instance, '是');
  const id = /工单号：(TS\d{8}-\d{4})/.exec(registered)?.[1];
  expect(id, registered).toBeDefined();
  await customer.say(instance, '不用了');
  return id!;
}

type StoreKind = 'memory' | 'redis';

async function twoInstances(kind: StoreKind, slack: FakeSlack, clock: MovableClock) {
  let storesA: Stores;
  let storesB: Stores;
  if (kind === 'memory') {
    storesA = createMemoryStores({ clock: clock.now });
    storesB = storesA;
  } else {
    const keyPrefix = `csbot-desk-${randomUUID()}:`;
    storesA = await createStores({ redisUrl, keyPrefix, clock: clock.now });
    storesB = await createStores({ redisUrl, keyPrefix, clock: clock.now });
    cleanups.push(
      () => storesA.close(),
      () => storesB.close(),
    );
  }
  const a = await startDeskInstance({ slack, stores: storesA, clock, instanceId: 'A' });
  const b = await startDeskInstance({ slack, stores: storesB, clock, instanceId: 'B' });
  cleanups.push(
    () => a.close(),
    () => b.close(),
  );
  return { a, b, storesA, storesB };
}

describe.each(['memory', 'redis'] as const)(
  'the complaint desk on %s stores, two instances',
  (kind) => {
    it('takes a web complaint from its card to the result, 不满意, reopening, CSV and stats', async () => {
      const slack = await startFakeSlack({ botToken: SLACK_TOKEN });
      cleanups.push(() => slack.close());
      const clock = new MovableClock();
      const { a, b, storesA } = await twoInstances(kind, slack, clock);
      const customer = new WebCustomer();

      const id = await fileComplaint(a, customer);

      // A card in the fees department's channel: masked, with the buttons of an open ticket.
      let card = await waitForCard(slack, FEES_CHANNEL, id);
      const first = cardJson(card);
      expect(first).toContain('138****5678');
      expect(first).not.toContain('13812345678');
      expect(first).not.toContain('880012345678');
      expect(first).toContain('运营管理部');
      expect(first).toContain('2026-12-14');
      expect(first).toContain('佣金比开户时约定的高了很多');
      for (const action of ['ticket_accept', 'ticket_transfer', 'ticket_reveal'])
        expect(first).toContain(action);
      expect(first).not.toContain('ticket_resolve');
      expect(slack.channelMessages(COMPLAINTS_CHANNEL)).toHaveLength(0);

      // Two staff press 受理 at the same moment on two instances: one wins, the other is told.
      await Promise.all([
        press(a, card, 'ticket_accept', id, ZHANG),
        press(b, card, 'ticket_accept', id, LI),
      ]);
      await waitFor(async () => {
        expect(slack.ephemerals.filter((e) => e.text.includes('已由'))).toHaveLength(1);
        expect((await storesA.tickets.get(id))!.status).toBe('in_progress');
      });
      let ticket = await onlyTicket(storesA);
      expect(ticket.statusHistory.filter((s) => s.status === 'in_progress')).toHaveLength(1);
      const winner = ticket.statusHistory.at(-1)!.by;
      expect(['张三 (U_ZHANG)', '李四 (U_LI)']).toContain(winner);
      const loser = winner.includes('U_ZHANG') ? LI : ZHANG;
      expect(slack.ephemerals.find((e) => e.text.includes('已由'))).toMatchObject({
        user: loser.id,
        channel: FEES_CHANNEL,
      });
      // The same card, redrawn in place.
      await waitFor(() =>
        expect(cardJson(cardOf(slack, FEES_CHANNEL, id)!)).toContain('ticket_resolve'),
      );
      expect(slack.channelMessages(FEES_CHANNEL)).toHaveLength(1);

      // 查看联系方式: the full numbers to the clicking member only, and the history says who.
      await press(b, card, 'ticket_reveal', id, LI);
      await waitFor(() =>
        expect(slack.ephemerals.find((e) => e.text.includes('13812345678'))).toMatchObject({
          user: 'U_LI',
        }),
      );
      expect(
        slack.ephemerals.find((e) => e.user === 'U_LI' && e.text.includes('13812345678'))?.text,
      ).toContain('880012345678');
      expect(JSON.stringify(slack.messages)).not.toContain('13812345678');

      // 记录处理: an empty note is refused in the form; a real one is kept.
      const empty = await submitForm(a, slack, card, 'ticket_note', id, { note: '   ' });
      expect(JSON.parse(empty.body)).toMatchObject({
        response_action: 'errors',
        errors: { note: expect.any(String) },
      });
      const noted = await submitForm(a, slack, card, 'ticket_note', id, {
        note: '已调取开户协议，约定佣金万分之二点五，实际按万分之三收取',
      });
      expect(noted.status).toBe(200);
      expect(noted.body).toBe('');

      // 转交 to a department without its own channel: the card moves to the complaints channel.
      const moved = await submitForm(b, slack, card, 'ticket_transfer', id, {
        department: '客户服务中心',
        note: '需客服中心统一回访',
      });
      expect(moved.body).toBe('');
      card = await waitForCard(slack, COMPLAINTS_CHANNEL, id);
      ticket = (await storesA.tickets.get(id))!;
      expect(ticket.department).toBe('客户服务中心');
      expect(ticket.status).toBe('in_progress');
      const retired = slack.channelMessages(FEES_CHANNEL)[0]!;
      expect(retired.text).toContain('转交至客户服务中心');
      expect(JSON.stringify(retired.blocks)).not.toContain('ticket_');

      // 办结: the form insists on a cause; then the ticket is resolved and the customer is told.
      const noCause = await submitForm(a, slack, card, 'ticket_resolve', id, {
        result: '经核实多收佣金，已于今日退还32.50元至您的资金账户。',
        cause: null,
        improvement: '佣金设置增加双人复核',
      });
      expect(JSON.parse(noCause.body)).toMatchObject({
        response_action: 'errors',
        errors: { cause: expect.any(String) },
      });
      expect((await storesA.tickets.get(id))!.status).toBe('in_progress');
      await submitForm(a, slack, card, 'ticket_resolve', id, {
        result: '经核实多收佣金，已于今日退还32.50元至您的资金账户。',
        cause: '业务规则',
        improvement: '佣金设置增加双人复核',
      });
      await waitFor(async () =>
        expect((await storesA.tickets.get(id))!.resultNotice).toMatchObject({
          outcome: 'delivered',
        }),
      );
      const seen = await customer.history(b);
      const told = seen.find((t) => t.includes('已处理完毕'));
      expect(told).toContain(id);
      expect(told).toContain('已于今日退还32.50元');
      expect(seen.at(-1)).toContain('是否满意');
      await waitFor(() =>
        expect(cardJson(cardOf(slack, COMPLAINTS_CHANNEL, id)!)).toContain('已在客户原渠道告知'),
      );

      // The customer is 不满意 (answering on the other instance): reopened, the supervisor told.
      expect(await customer.say(b, '不满意')).toContain('不满意的地方');
      expect(await customer.say(b, '钱到现在还没到账')).toContain('已重新打开');
      ticket = (await storesA.tickets.get(id))!;
      expect(ticket.status).toBe('open');
      expect(ticket.resultFeedback).toMatchObject({
        rating: '不满意',
        comment: '钱到现在还没到账',
      });
      await waitFor(() => {
        const told = slack
          .channelMessages(SUPERVISOR_CHANNEL)
          .map((m) => m.text)
          .join('\n');
        expect(told).toContain(id);
        expect(told).toContain('不满意');
        expect(told).toContain('钱到现在还没到账');
      });
      await waitFor(() =>
        expect(cardJson(cardOf(slack, COMPLAINTS_CHANNEL, id)!)).toContain('ticket_accept'),
      );

      // The whole record: statuses in order, who saw the phone, the note, the transfer.
      expect(ticket.statusHistory.map((s) => s.status)).toEqual([
        'open',
        'in_progress',
        'resolved',
        'open',
      ]);
      const handling = ticket.handling.map((h) => `${h.by}｜${h.action}`);
      expect(handling.some((h) => h.startsWith('李四 (U_LI)｜查看完整联系方式'))).toBe(true);
      expect(handling.some((h) => h.includes('处理记录：已调取开户协议'))).toBe(true);
      expect(handling.some((h) => h.includes('转交：运营管理部 → 客户服务中心'))).toBe(true);
      expect(handling.some((h) => h.startsWith('customer｜客户评价：不满意'))).toBe(true);

      // The staff API shows it: the ticket, the masked CSV, the stats, the audit of the reveal.
      const one = (await (await admin(b, `/api/admin/tickets/${id}`)).json()) as {
        ticket: Record<string, unknown>;
      };
      expect(JSON.stringify(one.ticket)).not.toContain('13812345678');
      const csv = await (
        await admin(a, '/api/admin/tickets.csv?from=2026-11-23&to=2026-11-23')
      ).text();
      expect(csv).toContain(id);
      expect(csv).toContain('138****5678');
      expect(csv).not.toContain('13812345678');
      expect(csv).toContain('不满意');
      const stats = (await (
        await admin(a, '/api/admin/stats?from=2026-11-01&to=2026-11-30')
      ).json()) as Record<string, unknown>;
      expect(stats).toMatchObject({
        total: 1,
        byCategory: { 收费: 1 },
        byDepartment: { 客户服务中心: 1 },
        byChannel: { web: 1 },
        byStatus: { open: 1 },
        answeredInTime: { decided: 1, inTime: 1, share: 1 },
        satisfaction: {
          answered: 1,
          ratings: { 满意: 0, 基本满意: 0, 不满意: 1 },
          satisfiedShare: 0,
        },
        reopened: 1,
      });
      expect(typeof stats.medianHoursToResult).toBe('number');
      const audit = (await (await admin(a, '/api/admin/audit')).json()) as {
        entries: { by: string; ticketIds: string[] }[];
      };
      expect(audit.entries).toMatchObject([{ by: '李四 (U_LI)', ticketIds: [id] }]);
    });
  },
);

describe('call-back tickets', () => {
  it('gets a card in the complaints channel when a customer leaves a message after hours', async () => {
    const slack = await startFakeSlack({ botToken: SLACK_TOKEN });
    cleanups.push(() => slack.close());
    // Saturday morning: the agents' desk is closed.
    const clock = new MovableClock('2026-11-28T02:00:00.000Z');
    const stores = createMemoryStores({ clock: clock.now });
    const instance = await startDeskInstance({
      slack,
      stores,
      clock,
      serviceHours: 'Mon-Fri 09:00-17:00 Asia/Shanghai',
    });
    cleanups.push(() => instance.close());
    const customer = new WebCustomer();
    expect(await customer.say(instance, '转人工')).toContain('非工作时间');
    // Question and phone in one message: both taken, read back once for confirmation.
    expect(
      await customer.say(instance, '请回电，我的银证转账一直没到账，电话13912345678'),
    ).toContain('请核对您的留言');
    expect(await customer.say(instance, '提交')).toContain('回电工单号');
    const ticket = await onlyTicket(stores);
    expect(ticket.kind).toBe('callback');
    const card = await waitForCard(slack, COMPLAINTS_CHANNEL, ticket.id);
    expect(card.text).toContain('回电工单');
    expect(cardJson(card)).toContain('ticket_accept');
    expect(cardJson(card)).not.toContain('13912345678');
  });
});
