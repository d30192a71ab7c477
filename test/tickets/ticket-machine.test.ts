import { describe, expect, it } from 'vitest';
import { ticketSettingsFromFirm } from '../../src/tickets/settings.ts';
import { planTicketAction, validateStaffAction } from '../../src/tickets/ticket-machine.ts';
import { buildTicket } from '../../src/store/ticket-log.ts';
import type { ComplaintTicket, TicketStatus } from '../../src/store/types.ts';
import { sampleTicket } from '../store/support.ts';

function ticketIn(status: TicketStatus): ComplaintTicket {
  const t = buildTicket(
    'TS20261123-0001',
    sampleTicket('web:m1'),
    'bot',
    new Date('2026-11-23T02:00:00Z'),
  );
  return {
    ...t,
    status,
    statusHistory: [...t.statusHistory, { status, at: 'x', by: '张三 (U1)' }],
  };
}

const DEPARTMENTS = ['客户服务中心', '运营管理部'];

describe('the ticket state machine', () => {
  it('allows each action only from its statuses', () => {
    const allowed: Record<string, TicketStatus[]> = {
      accept: ['open'],
      note: ['open', 'in_progress'],
      resolve: ['in_progress'],
      transfer: ['open', 'in_progress'],
      feedback: ['resolved'],
      close: ['resolved'],
      reveal: ['open', 'in_progress', 'resolved', 'closed'],
    };
    const actions = {
      accept: { action: 'accept', by: 'a' },
      note: { action: 'note', by: 'a', note: 'n' },
      resolve: { action: 'resolve', by: 'a', result: 'r', cause: '其他', improvement: 'i' },
      transfer: { action: 'transfer', by: 'a', department: '客户服务中心' },
      feedback: { action: 'feedback', rating: '满意', at: '2026-11-24T00:00:00Z' },
      close: { action: 'close', by: 'system', note: 'n' },
      reveal: { action: 'reveal', by: 'a', where: 'slack' },
    } as const;
    for (const [name, action] of Object.entries(actions)) {
      for (const status of ['open', 'in_progress', 'resolved', 'closed'] as const) {
        const plan = planTicketAction(ticketIn(status), action);
        expect(plan.ok, `${name} from ${status}`).toBe(allowed[name]!.includes(status));
      }
    }
  });

  it('reopens on 不满意, closes otherwise, and keeps the status on transfer', () => {
    const unhappy = planTicketAction(ticketIn('resolved'), {
      action: 'feedback',
      rating: '不满意',
      comment: '没到账',
      at: 't',
    });
    expect(unhappy).toMatchObject({
      ok: true,
      change: {
        status: { status: 'open' },
        set: { resultFeedback: { rating: '不满意', comment: '没到账' } },
      },
    });
    const happy = planTicketAction(ticketIn('resolved'), {
      action: 'feedback',
      rating: '基本满意',
      at: 't',
    });
    expect(happy).toMatchObject({ ok: true, change: { status: { status: 'closed' } } });
    const moved = planTicketAction(ticketIn('in_progress'), {
      action: 'transfer',
      by: 'a',
      department: '客户服务中心',
    });
    expect(moved).toMatchObject({
      ok: true,
      change: {
        expect: { status: ['in_progress'], department: '运营管理部' },
        set: { department: '客户服务中心' },
      },
    });
    expect(moved.ok && moved.change.status).toBeFalsy();
    expect(
      planTicketAction(ticketIn('open'), { action: 'transfer', by: 'a', department: '运营管理部' }),
    ).toMatchObject({
      ok: false,
      code: 'invalid',
    });
    expect(planTicketAction(ticketIn('in_progress'), { action: 'accept', by: 'b' })).toMatchObject({
      ok: false,
      code: 'conflict',
      message: expect.stringContaining('已由张三 (U1)受理'),
    });
  });

  it('validates staff input the same way for the API and the forms', () => {
    expect(
      validateStaffAction({ action: 'note', by: ' 张三 ', note: '  ' }, DEPARTMENTS),
    ).toMatchObject({
      ok: false,
      errors: { note: expect.any(String) },
    });
    expect(
      validateStaffAction(
        { action: 'resolve', by: 'x', result: 'r', cause: '天灾', improvement: 'i' },
        DEPARTMENTS,
      ),
    ).toMatchObject({ ok: false, errors: { cause: expect.any(String) } });
    expect(
      validateStaffAction({ action: 'note', by: 'x', note: 'a'.repeat(1001) }, DEPARTMENTS).ok,
    ).toBe(false);
    expect(validateStaffAction({ action: 'accept', by: 'x'.repeat(81) }, DEPARTMENTS).ok).toBe(
      false,
    );
    expect(validateStaffAction({ action: 'delete', by: 'x' }, DEPARTMENTS)).toMatchObject({
      ok: false,
      errors: { action: expect.any(String) },
    });
    expect(
      validateStaffAction({ action: 'note', by: ' 张三 ', note: ' 已回电 ' }, DEPARTMENTS),
    ).toEqual({
      ok: true,
      action: { action: 'note', by: '张三', note: '已回电' },
    });
  });

  it('reads the firm ticket settings and reports the ones it cannot use', () => {
    const { settings, issues } = ticketSettingsFromFirm({
      'departmentChannel.信息技术部': 'C0ITDESK',
      'departmentChannel.合规管理部': '#compliance',
      ticketReminderShare: '80%',
      ticketDigestTime: '25:00',
    });
    expect(settings.departmentChannels).toEqual({ 信息技术部: 'C0ITDESK' });
    expect(settings.reminderShare).toBe(0.8);
    expect(settings.digestMinutes).toBe(540);
    expect(issues.map((i) => i.key).sort()).toEqual(
      ['departmentChannel.合规管理部', 'ticketDigestTime', 'ticketReminderShare'].sort(),
    );
  });
});
