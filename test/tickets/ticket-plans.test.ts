// The exact store change each ticket action plans: its compare-and-set guard (so two staff
// clicking at once cannot both win), the status it moves to, and the handling record staff and
// regulators read later; the exact refusal otherwise; and the staff-action validation messages.
import { describe, expect, it } from 'vitest';
import { buildTicket } from '../../src/store/ticket-log.ts';
import {
  formatTicketId,
  parseTicketId,
  shanghaiDate,
  ticketIdPrefix,
} from '../../src/store/ticket-id.ts';
import type { ComplaintTicket, TicketStatus } from '../../src/store/types.ts';
import {
  lastMover,
  LIMITS,
  planTicketAction,
  STATUS_TEXT,
  TICKET_CAUSES,
  TICKET_RATINGS,
  validateStaffAction,
} from '../../src/tickets/ticket-machine.ts';
import { sampleTicket } from '../store/support.ts';

const ID = 'TS20261123-0001';

function ticketIn(status: TicketStatus, department?: string): ComplaintTicket {
  const t = buildTicket(ID, sampleTicket('web:p1'), 'bot', new Date('2026-11-23T02:00:00Z'));
  const { department: _ignored, ...rest } = t;
  return {
    ...rest,
    ...(department !== undefined ? { department } : {}),
    status,
    statusHistory: [...t.statusHistory, { status, at: 'x', by: '张三 (U1)' }],
  };
}

describe('planned changes', () => {
  it('accept: only an open ticket, moved to in progress by whoever accepted it', () => {
    expect(planTicketAction(ticketIn('open'), { action: 'accept', by: '李四' })).toEqual({
      ok: true,
      change: {
        expect: { status: ['open'] },
        status: { status: 'in_progress', by: '李四', note: '受理' },
        handling: [{ by: '李四', action: '受理工单' }],
      },
    });
  });

  it('note: recorded on an open or in-progress ticket without moving it', () => {
    expect(
      planTicketAction(ticketIn('in_progress'), { action: 'note', by: '李四', note: '已致电' }),
    ).toEqual({
      ok: true,
      change: {
        expect: { status: ['open', 'in_progress'] },
        handling: [{ by: '李四', action: '处理记录：已致电' }],
      },
    });
  });

  it('resolve: the result, cause and improvement go on record with the move to resolved', () => {
    expect(
      planTicketAction(ticketIn('in_progress'), {
        action: 'resolve',
        by: '李四',
        result: '已退还',
        cause: '系统故障',
        improvement: '加监控',
      }),
    ).toEqual({
      ok: true,
      change: {
        expect: { status: ['in_progress'] },
        status: { status: 'resolved', by: '李四', note: '办结' },
        result: '已退还',
        set: { cause: '系统故障', improvement: '加监控' },
        handling: [{ by: '李四', action: '办结：已退还（原因类别：系统故障；改进措施：加监控）' }],
      },
    });
  });

  it('transfer: guarded on the status and department it was planned from, note optional', () => {
    expect(
      planTicketAction(ticketIn('open', '客户服务中心'), {
        action: 'transfer',
        by: '李四',
        department: '运营管理部',
        note: '费用问题',
      }),
    ).toEqual({
      ok: true,
      change: {
        expect: { status: ['open'], department: '客户服务中心' },
        set: { department: '运营管理部' },
        handling: [{ by: '李四', action: '转交：客户服务中心 → 运营管理部（费用问题）' }],
      },
    });
    expect(
      planTicketAction(ticketIn('in_progress'), {
        action: 'transfer',
        by: '李四',
        department: '运营管理部',
      }),
    ).toEqual({
      ok: true,
      change: {
        expect: { status: ['in_progress'], department: '' },
        set: { department: '运营管理部' },
        handling: [{ by: '李四', action: '转交：未分配 → 运营管理部' }],
      },
    });
    expect(
      planTicketAction(ticketIn('open', '运营管理部'), {
        action: 'transfer',
        by: '李四',
        department: '运营管理部',
      }),
    ).toEqual({
      ok: false,
      code: 'invalid',
      message: `工单${ID}已在运营管理部，请选择其他部门`,
    });
  });

  it('reveal: only a handling record, whatever the status', () => {
    for (const status of ['open', 'closed'] as const) {
      expect(
        planTicketAction(ticketIn(status), { action: 'reveal', by: '李四', where: 'Slack' }),
      ).toEqual({
        ok: true,
        change: { handling: [{ by: '李四', action: '查看完整联系方式（Slack）' }] },
      });
    }
  });

  it('feedback: closes a resolved ticket, or reopens it when the customer is 不满意', () => {
    const at = '2026-11-24T02:00:00.000Z';
    expect(
      planTicketAction(ticketIn('resolved'), { action: 'feedback', rating: '满意', at }),
    ).toEqual({
      ok: true,
      change: {
        expect: { status: ['resolved'] },
        status: { status: 'closed', by: 'customer', note: '客户评价：满意' },
        set: { resultFeedback: { rating: '满意', at } },
        handling: [{ by: 'customer', action: '客户评价：满意' }],
      },
    });
    expect(
      planTicketAction(ticketIn('resolved'), {
        action: 'feedback',
        rating: '不满意',
        comment: '没退全',
        at,
      }),
    ).toEqual({
      ok: true,
      change: {
        expect: { status: ['resolved'] },
        status: { status: 'open', by: 'customer', note: '客户不满意，工单重新打开' },
        set: { resultFeedback: { rating: '不满意', comment: '没退全', at } },
        handling: [{ by: 'customer', action: '客户评价：不满意；意见：没退全' }],
      },
    });
    expect(
      planTicketAction(ticketIn('closed'), { action: 'feedback', rating: '满意', at }),
    ).toEqual({ ok: false, code: 'conflict', message: `工单${ID}当前不在待评价状态` });
  });

  it('close: a resolved ticket the customer never rated, with the scheduler’s note', () => {
    expect(
      planTicketAction(ticketIn('resolved'), { action: 'close', by: 'system', note: '超时未评价' }),
    ).toEqual({
      ok: true,
      change: {
        expect: { status: ['resolved'] },
        status: { status: 'closed', by: 'system', note: '超时未评价' },
      },
    });
  });
});

describe('refusals', () => {
  it('say why an action cannot be taken in the ticket’s current status', () => {
    const accept = { action: 'accept', by: '李四' } as const;
    expect(planTicketAction(ticketIn('in_progress'), accept)).toEqual({
      ok: false,
      code: 'conflict',
      message: `工单${ID}已由张三 (U1)受理，正在处理中`,
    });
    expect(planTicketAction(ticketIn('resolved'), accept)).toEqual({
      ok: false,
      code: 'conflict',
      message: `工单${ID}已办结，正在等待客户评价`,
    });
    expect(planTicketAction(ticketIn('closed'), accept)).toEqual({
      ok: false,
      code: 'conflict',
      message: `工单${ID}已关闭`,
    });
    const resolve = {
      action: 'resolve',
      by: '李四',
      result: 'r',
      cause: '其他',
      improvement: 'i',
    } as const;
    expect(planTicketAction(ticketIn('open'), resolve)).toEqual({
      ok: false,
      code: 'conflict',
      message: `工单${ID}尚未受理，请先受理`,
    });
    expect(
      planTicketAction(ticketIn('open'), { action: 'close', by: 'system', note: 'n' }),
    ).toMatchObject({ ok: false, code: 'conflict' });
  });

  it('name who moved the ticket last, or nobody', () => {
    expect(lastMover(ticketIn('in_progress'))).toBe('张三 (U1)');
    const reopened = ticketIn('in_progress');
    reopened.statusHistory.push({ status: 'open', at: 'y', by: 'customer' });
    expect(lastMover(reopened)).toBe('customer');
    expect(lastMover({ ...ticketIn('open'), statusHistory: [] })).toBe('');
  });
});

describe('validating a staff action', () => {
  const departments = ['客户服务中心', '运营管理部'];
  const validate = (input: Record<string, unknown>) => validateStaffAction(input, departments);

  it('accepts each action with its fields trimmed', () => {
    expect(validate({ action: 'accept', by: ' 李四 ' })).toEqual({
      ok: true,
      action: { action: 'accept', by: '李四' },
    });
    expect(validate({ action: 'note', by: '李四', note: ' 已致电 ' })).toEqual({
      ok: true,
      action: { action: 'note', by: '李四', note: '已致电' },
    });
    expect(
      validate({
        action: 'resolve',
        by: '李四',
        result: '已退还',
        cause: ' 业务规则 ',
        improvement: '改流程',
      }),
    ).toEqual({
      ok: true,
      action: {
        action: 'resolve',
        by: '李四',
        result: '已退还',
        cause: '业务规则',
        improvement: '改流程',
      },
    });
    expect(validate({ action: 'transfer', by: '李四', department: '运营管理部' })).toEqual({
      ok: true,
      action: { action: 'transfer', by: '李四', department: '运营管理部' },
    });
    expect(
      validate({ action: 'transfer', by: '李四', department: '运营管理部', note: '费用' }),
    ).toEqual({
      ok: true,
      action: { action: 'transfer', by: '李四', department: '运营管理部', note: '费用' },
    });
  });

  it('names every missing or too long field, at the limit exactly', () => {
    expect(validate({ action: 'accept' })).toEqual({ ok: false, errors: { by: '请注明处理人' } });
    expect(validate({ action: 'accept', by: 42 })).toEqual({
      ok: false,
      errors: { by: '请注明处理人' },
    });
    expect(validate({ action: 'accept', by: 'x'.repeat(LIMITS.by) }).ok).toBe(true);
    expect(validate({ action: 'accept', by: 'x'.repeat(LIMITS.by + 1) })).toEqual({
      ok: false,
      errors: { by: '处理人不超过80字' },
    });
    expect(validate({ action: 'note', by: '李四' })).toEqual({
      ok: false,
      errors: { note: '请填写处理记录' },
    });
    expect(validate({ action: 'note', by: '李四', note: 'x'.repeat(LIMITS.note) }).ok).toBe(true);
    expect(validate({ action: 'note', by: '李四', note: 'x'.repeat(LIMITS.note + 1) })).toEqual({
      ok: false,
      errors: { note: '处理记录不超过1000字' },
    });
    expect(validate({ action: 'resolve', by: '', cause: '天灾' })).toEqual({
      ok: false,
      errors: {
        by: '请注明处理人',
        result: '请填写告知客户的处理结果',
        improvement: '请填写改进措施',
        cause: `原因类别须为：${TICKET_CAUSES.join('、')}`,
      },
    });
    expect(
      validate({
        action: 'resolve',
        by: '李四',
        result: 'x'.repeat(LIMITS.result + 1),
        improvement: 'y'.repeat(LIMITS.improvement + 1),
        cause: '其他',
      }),
    ).toEqual({
      ok: false,
      errors: { result: '告知客户的处理结果不超过2000字', improvement: '改进措施不超过1000字' },
    });
    expect(
      validate({
        action: 'transfer',
        by: '李四',
        department: '财务部',
        note: 'x'.repeat(LIMITS.note + 1),
      }),
    ).toEqual({
      ok: false,
      errors: { department: '部门须为：客户服务中心、运营管理部', note: '说明不超过1000字' },
    });
    expect(
      validate({ action: 'transfer', by: '李四', department: '运营管理部', note: 'x'.repeat(1000) })
        .ok,
    ).toBe(true);
    expect(validate({ action: 'delete', by: '李四' })).toEqual({
      ok: false,
      errors: { action: 'action 须为 accept、note、resolve 或 transfer' },
    });
  });

  it('knows the regulator’s cause categories, the customer’s ratings and the status names', () => {
    expect(TICKET_CAUSES).toEqual([
      '系统故障',
      '业务规则',
      '人员服务',
      '产品与适当性',
      '客户理解偏差',
      '第三方原因',
      '其他',
    ]);
    expect(TICKET_RATINGS).toEqual(['满意', '基本满意', '不满意']);
    expect(STATUS_TEXT).toEqual({
      open: '待受理',
      in_progress: '处理中',
      resolved: '已办结，待客户评价',
      closed: '已关闭',
    });
  });
});

describe('ticket ids', () => {
  it('format and parse the prefix, the Shanghai day and the sequence', () => {
    expect(ticketIdPrefix('complaint')).toBe('TS');
    expect(ticketIdPrefix('callback')).toBe('CB');
    // 16:30 UTC is already the next day in Shanghai.
    expect(shanghaiDate(new Date('2026-11-23T16:30:00Z'))).toBe('20261124');
    expect(() => shanghaiDate(new Date('nonsense'))).toThrow('shanghaiDate: invalid Date');
    expect(formatTicketId('complaint', new Date('2026-11-23T02:00:00Z'), 7)).toBe(
      'TS20261123-0007',
    );
    expect(() => formatTicketId('complaint', new Date(), 0)).toThrow(
      'ticket sequence must be >= 1: 0',
    );
    expect(parseTicketId('TS20261123-0007')).toMatchObject({ kind: 'complaint', seq: 7 });
    expect(parseTicketId('CB20261123-12345')).toMatchObject({ kind: 'callback', seq: 12345 });
    expect(parseTicketId('xTS20261123-0007')).toBeNull();
  });
});
