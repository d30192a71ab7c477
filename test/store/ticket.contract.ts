// The behaviour every TicketStore owes complaint intake, agents and the admin API: a complete
// record of who, when, what, how handled, result and the customer's feedback.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TicketStore } from '../../src/store/types.ts';
import { sampleTicket, TestClock, type Harness, type MakeHarness } from './support.ts';

export function describeTicketStoreContract(name: string, make: MakeHarness<TicketStore>): void {
  describe(`${name} TicketStore contract`, () => {
    let harness: Harness<TicketStore>;
    let store: TicketStore;
    let clock: TestClock;

    beforeEach(async () => {
      // 10:00 in Shanghai on 23 November 2026.
      clock = new TestClock('2026-11-23T02:00:00.000Z');
      harness = await make({ clock });
      store = await harness.open();
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it('creates an open ticket with an id, a first history line and no handling yet', async () => {
      const input = sampleTicket('web:c1');
      const ticket = await store.create(input, 'bot');
      expect(ticket).toEqual({
        ...input,
        id: 'TS20261123-0001',
        status: 'open',
        statusHistory: [{ status: 'open', at: '2026-11-23T02:00:00.000Z', by: 'bot' }],
        handling: [],
      });
      expect(await store.get(ticket.id)).toEqual(ticket);
    });

    it('numbers complaints and callbacks separately per Shanghai day', async () => {
      const a = await store.create(sampleTicket('web:c1'), 'bot');
      const b = await store.create(sampleTicket('web:c2'), 'bot');
      const callback = await store.create(sampleTicket('web:c3', { kind: 'callback' }), 'bot');
      expect([a.id, b.id, callback.id]).toEqual([
        'TS20261123-0001',
        'TS20261123-0002',
        'CB20261123-0001',
      ]);
      // 16:30 UTC is already 00:30 the next day in Shanghai.
      clock.advance(14.5 * 3600_000);
      const nextDay = await store.create(sampleTicket('web:c4'), 'bot');
      expect(nextDay.id).toBe('TS20261124-0001');
    });

    it('returns null for an unknown id', async () => {
      expect(await store.get('TS20261123-0999')).toBeNull();
      expect(await store.get('not-an-id')).toBeNull();
    });

    it('lists in creation order and filters by status and conversation', async () => {
      const a = await store.create(sampleTicket('web:c1'), 'bot');
      const b = await store.create(sampleTicket('web:c2'), 'bot');
      const c = await store.create(sampleTicket('web:c1', { kind: 'callback' }), 'bot');
      await store.setStatus(b.id, { status: 'in_progress', by: 'agent-li' });
      expect((await store.list()).map((t) => t.id)).toEqual([a.id, b.id, c.id]);
      expect((await store.list({})).map((t) => t.id)).toEqual([a.id, b.id, c.id]);
      expect((await store.list({ status: 'open' })).map((t) => t.id)).toEqual([a.id, c.id]);
      expect((await store.list({ status: 'in_progress' })).map((t) => t.id)).toEqual([b.id]);
      expect((await store.list({ conversationId: 'web:c1' })).map((t) => t.id)).toEqual([
        a.id,
        c.id,
      ]);
      expect(
        (await store.list({ conversationId: 'web:c2', status: 'open' })).map((t) => t.id),
      ).toEqual([]);
      expect(await store.list({ conversationId: 'web:none' })).toEqual([]);
      expect(await store.list({ status: 'closed' })).toEqual([]);
    });

    it('keeps the whole status history with times, notes and the result', async () => {
      const ticket = await store.create(sampleTicket('web:c1'), 'bot');
      clock.advance(60_000);
      await store.setStatus(ticket.id, {
        status: 'in_progress',
        by: 'agent-li',
        note: '已联系客户',
      });
      clock.advance(60_000);
      const resolved = await store.setStatus(ticket.id, {
        status: 'resolved',
        by: 'agent-li',
        result: '已退还多收佣金 32.50 元',
      });
      const closed = await store.setStatus(ticket.id, {
        status: 'closed',
        by: 'supervisor',
        at: '2026-11-25T08:00:00.000Z',
      });
      expect(resolved.status).toBe('resolved');
      expect(closed.status).toBe('closed');
      expect(closed.result).toBe('已退还多收佣金 32.50 元');
      expect(closed.statusHistory).toEqual([
        { status: 'open', at: '2026-11-23T02:00:00.000Z', by: 'bot' },
        {
          status: 'in_progress',
          at: '2026-11-23T02:01:00.000Z',
          by: 'agent-li',
          note: '已联系客户',
        },
        { status: 'resolved', at: '2026-11-23T02:02:00.000Z', by: 'agent-li' },
        { status: 'closed', at: '2026-11-25T08:00:00.000Z', by: 'supervisor' },
      ]);
      expect(await store.get(ticket.id)).toEqual(closed);
    });

    it('records handling in order and the customer feedback', async () => {
      const ticket = await store.create(sampleTicket('web:c1'), 'bot');
      clock.advance(5_000);
      await store.addHandling(ticket.id, { by: 'bot', action: '转人工：已通知坐席' });
      const handled = await store.addHandling(ticket.id, {
        by: 'agent-li',
        action: '核实收费记录',
        at: '2026-11-23T03:00:00.000Z',
      });
      expect(handled.handling).toEqual([
        { at: '2026-11-23T02:00:05.000Z', by: 'bot', action: '转人工：已通知坐席' },
        { at: '2026-11-23T03:00:00.000Z', by: 'agent-li', action: '核实收费记录' },
      ]);
      clock.advance(5_000);
      const rated = await store.setFeedback(ticket.id, { score: 4, comment: '处理及时' });
      expect(rated.feedback).toEqual({
        score: 4,
        comment: '处理及时',
        at: '2026-11-23T02:00:10.000Z',
      });
      const rerated = await store.setFeedback(ticket.id, {
        score: 5,
        at: '2026-11-24T00:00:00.000Z',
      });
      expect(rerated.feedback).toEqual({ score: 5, at: '2026-11-24T00:00:00.000Z' });
      expect(await store.get(ticket.id)).toEqual(rerated);
      expect(rerated.handling).toHaveLength(2);
    });

    it('reports an unknown ticket on every change', async () => {
      const missing = 'TS20261123-0404';
      const notFound = { code: 'TICKET_NOT_FOUND', ticketId: missing };
      await expect(store.setStatus(missing, { status: 'closed', by: 'x' })).rejects.toMatchObject(
        notFound,
      );
      await expect(store.addHandling(missing, { by: 'x', action: 'y' })).rejects.toMatchObject(
        notFound,
      );
      await expect(store.setFeedback(missing, { score: 5 })).rejects.toMatchObject(notFound);
      expect(await store.list()).toEqual([]);
    });

    it('rejects invalid input without consuming an id or changing the ticket', async () => {
      await expect(
        store.create(sampleTicket('web:c1', { kind: 'letter' as never }), 'bot'),
      ).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(store.create(sampleTicket(''), 'bot')).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(store.create(sampleTicket('web:c1'), '')).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(
        store.create(
          sampleTicket('web:c1', { occurredAt: { text: '昨天', iso: new Date() as never } }),
          'bot',
        ),
      ).rejects.toMatchObject({ code: 'STORE_VALUE_NOT_JSON', path: 'ticket.occurredAt.iso' });
      const ticket = await store.create(sampleTicket('web:c1'), 'bot');
      expect(ticket.id).toBe('TS20261123-0001');
      await expect(
        store.setStatus(ticket.id, { status: 'done' as never, by: 'x' }),
      ).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(store.setStatus(ticket.id, { status: 'closed', by: '' })).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      await expect(store.addHandling(ticket.id, { by: 'agent', action: '' })).rejects.toMatchObject(
        {
          code: 'STORE_INPUT_INVALID',
        },
      );
      await expect(store.setFeedback(ticket.id, { score: Number.NaN })).rejects.toMatchObject({
        code: 'STORE_INPUT_INVALID',
      });
      expect(await store.get(ticket.id)).toEqual(ticket);
    });

    it('drops undefined fields the same way in every store', async () => {
      const input = sampleTicket('web:c1', {
        complainant: { name: '王女士', phone: undefined },
        category: undefined,
        desiredOutcome: undefined,
      });
      const ticket = await store.create(input, 'bot');
      expect(ticket.complainant).toEqual({ name: '王女士' });
      expect(ticket).not.toHaveProperty('category');
      expect(ticket).not.toHaveProperty('desiredOutcome');
      expect(await store.get(ticket.id)).toEqual(ticket);
    });

    it('keeps tickets and continues ids in another instance or after a restart', async () => {
      const a = await store.create(sampleTicket('web:c1'), 'bot');
      await store.setStatus(a.id, { status: 'in_progress', by: 'agent-li', note: '处理中' });
      await store.addHandling(a.id, { by: 'agent-li', action: '电话回访' });
      await store.setFeedback(a.id, { score: 3, comment: '一般' });
      const before = await store.get(a.id);
      const reopened = await harness.open();
      expect(await reopened.get(a.id)).toEqual(before);
      expect(await reopened.list()).toEqual([before]);
      const b = await reopened.create(sampleTicket('web:c2'), 'bot');
      expect(b.id).toBe('TS20261123-0002');
    });

    it('gives concurrent creations distinct ids and loses no concurrent change', async () => {
      const other = harness.concurrentHandles ? await harness.open() : store;
      const created = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? other : store).create(sampleTicket(`web:k${i}`), 'bot'),
        ),
      );
      expect(created.map((t) => t.id).sort()).toEqual(
        Array.from({ length: 12 }, (_, i) => `TS20261123-${String(i + 1).padStart(4, '0')}`),
      );
      const target = created[0]!.id;
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? other : store).addHandling(target, { by: `agent-${i}`, action: `step ${i}` }),
        ),
      );
      const ticket = await store.get(target);
      expect(ticket?.handling.map((h) => h.by).sort()).toEqual(
        Array.from({ length: 10 }, (_, i) => `agent-${i}`).sort(),
      );
    });

    it('is not changed by mutating objects passed in or handed out', async () => {
      const input = sampleTicket('web:c1');
      const ticket = await store.create(input, 'bot');
      input.complainant.phone = '000';
      ticket.statusHistory.push({ status: 'closed', at: 'x', by: 'y' });
      const fetched = await store.get(ticket.id);
      fetched!.complainant.name = 'changed';
      (await store.list())[0]!.handling.push({ at: 'x', by: 'y', action: 'z' });
      const again = await store.get(ticket.id);
      expect(again?.complainant).toEqual(sampleTicket('web:c1').complainant);
      expect(again?.statusHistory).toHaveLength(1);
      expect(again?.handling).toEqual([]);
    });

    it('applies a change atomically: status, result, fields and handling together', async () => {
      const ticket = await store.create(sampleTicket('web:c1'), 'bot');
      clock.advance(60_000);
      const changed = await store.change(ticket.id, {
        expect: { status: ['open'], department: '运营管理部' },
        status: { status: 'in_progress', by: '张三', note: '受理' },
        set: { deskCard: 'C1:1700.000001', department: '运营管理部' },
        handling: [{ by: '张三', action: '受理工单' }],
      });
      expect(changed.status).toBe('in_progress');
      expect(changed.deskCard).toBe('C1:1700.000001');
      expect(changed.statusHistory.at(-1)).toEqual({
        status: 'in_progress',
        at: '2026-11-23T02:01:00.000Z',
        by: '张三',
        note: '受理',
      });
      expect(changed.handling).toEqual([
        { at: '2026-11-23T02:01:00.000Z', by: '张三', action: '受理工单' },
      ]);
      const resolved = await store.change(ticket.id, {
        expect: { status: ['in_progress'] },
        status: { status: 'resolved', by: '张三' },
        result: '已退还多收佣金',
        set: { cause: '业务规则', improvement: '佣金设置双人复核' },
      });
      expect(resolved).toMatchObject({
        status: 'resolved',
        result: '已退还多收佣金',
        cause: '业务规则',
        improvement: '佣金设置双人复核',
      });
      expect(await store.get(ticket.id)).toEqual(resolved);
      // A restart (file store) or another instance (Redis) sees the same ticket.
      const reopened = await harness.open();
      expect(await reopened.get(ticket.id)).toEqual(resolved);
    });

    it('refuses a change whose expectation no longer holds, writing nothing', async () => {
      const ticket = await store.create(sampleTicket('web:c1'), 'bot');
      await store.change(ticket.id, { status: { status: 'in_progress', by: 'a' } });
      await expect(
        store.change(ticket.id, {
          expect: { status: ['open'] },
          status: { status: 'in_progress', by: 'b' },
          handling: [{ by: 'b', action: '受理工单' }],
        }),
      ).rejects.toMatchObject({ code: 'TICKET_CONFLICT', ticketId: ticket.id });
      await expect(
        store.change(ticket.id, { expect: { department: '合规管理部' }, set: { department: 'x' } }),
      ).rejects.toMatchObject({ code: 'TICKET_CONFLICT' });
      await store.change(ticket.id, { set: { deskCard: 'C1:1' } });
      await expect(
        store.change(ticket.id, { expect: { noDeskCard: true }, set: { deskCard: 'C1:2' } }),
      ).rejects.toMatchObject({ code: 'TICKET_CONFLICT' });
      const reminded = { share: '2026-11-23T02:00:00.000Z' };
      await store.change(ticket.id, {
        expect: { reminderNotSent: 'share' },
        set: { reminders: reminded },
      });
      await expect(
        store.change(ticket.id, { expect: { reminderNotSent: 'share' }, set: { reminders: {} } }),
      ).rejects.toMatchObject({ code: 'TICKET_CONFLICT' });
      expect((await store.get(ticket.id))?.reminders).toEqual(reminded);
      const after = await store.get(ticket.id);
      expect(after?.statusHistory.map((s) => s.by)).toEqual(['bot', 'a']);
      expect(after?.handling).toEqual([]);
      expect(after?.department).toBe('运营管理部');
      expect(after?.deskCard).toBe('C1:1');
      await expect(
        store.change(ticket.id, { set: { status: 'closed' } as never }),
      ).rejects.toMatchObject({ code: 'STORE_INPUT_INVALID' });
      await expect(
        store.change('TS20261123-0999', { status: { status: 'closed', by: 'x' } }),
      ).rejects.toMatchObject({ code: 'TICKET_NOT_FOUND' });
    });

    it('lets exactly one of many concurrent conditional changes through', async () => {
      const ticket = await store.create(sampleTicket('web:c1'), 'bot');
      const other = harness.concurrentHandles ? await harness.open() : store;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : store).change(ticket.id, {
            expect: { status: ['open'] },
            status: { status: 'in_progress', by: `agent-${i}` },
            handling: [{ by: `agent-${i}`, action: '受理工单' }],
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.status === 'rejected')) {
        expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'TICKET_CONFLICT' });
      }
      const after = await store.get(ticket.id);
      expect(after?.statusHistory).toHaveLength(2);
      expect(after?.handling).toHaveLength(1);
    });
  });
}
