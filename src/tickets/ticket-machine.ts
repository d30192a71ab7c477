// The one ticket state machine: open -> in_progress -> resolved -> closed, reopened (back to open)
// when the customer is 不满意 with the result; a transfer changes the department and keeps the
// status. Pure: it turns an action on a ticket into one conditional store change (or a refusal),
// and the store's compare-and-set makes two staff clicking at once safe across instances.
import type {
  ComplaintTicket,
  TicketCause,
  TicketChangeInput,
  TicketRating,
  TicketStatus,
} from '../store/types.ts';

export const TICKET_CAUSES: readonly TicketCause[] = [
  '系统故障',
  '业务规则',
  '人员服务',
  '产品与适当性',
  '客户理解偏差',
  '第三方原因',
  '其他',
];

export const TICKET_RATINGS: readonly TicketRating[] = ['满意', '基本满意', '不满意'];

export const STATUS_TEXT: Record<TicketStatus, string> = {
  open: '待受理',
  in_progress: '处理中',
  resolved: '已办结，待客户评价',
  closed: '已关闭',
};

/** What staff (buttons, modals, the admin API) may do to a ticket. */
export type StaffAction =
  | { action: 'accept'; by: string }
  | { action: 'note'; by: string; note: string }
  | { action: 'resolve'; by: string; result: string; cause: TicketCause; improvement: string }
  | { action: 'transfer'; by: string; department: string; note?: string };

/** Every action the machine knows: staff's, the customer's feedback, audits and the scheduler's. */
export type TicketAction =
  | StaffAction
  /** Someone saw the full phone and account number: kept in the ticket's history. */
  | { action: 'reveal'; by: string; where: string }
  | { action: 'feedback'; rating: TicketRating; comment?: string; at: string }
  /** A resolved ticket the customer never rated is closed after the firm's waiting time. */
  | { action: 'close'; by: string; note: string };

export type TicketRefusal = { ok: false; code: 'invalid' | 'conflict'; message: string };
export type TicketPlan = { ok: true; change: TicketChangeInput } | TicketRefusal;

export const LIMITS = { by: 80, note: 1000, result: 2000, improvement: 1000 } as const;

/** Field-level problems of a staff action, keyed by field name, for forms and API errors. */
export type FieldErrors = Partial<
  Record<'action' | 'by' | 'note' | 'result' | 'cause' | 'improvement' | 'department', string>
>;

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * Checks a staff action as the API body or a Slack form gives it. The same rules for both: who
 * acted, and the texts the record needs (a note, a result with cause and improvement, a known
 * other department).
 */
export function validateStaffAction(
  input: Record<string, unknown>,
  departments: readonly string[],
): { ok: true; action: StaffAction } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const by = text(input.by);
  if (!by) errors.by = '请注明处理人';
  else if (by.length > LIMITS.by) errors.by = `处理人不超过${LIMITS.by}字`;
  const need = (field: 'note' | 'result' | 'improvement', label: string): string => {
    const value = text(input[field]);
    if (!value) errors[field] = `请填写${label}`;
    else if (value.length > LIMITS[field]) errors[field] = `${label}不超过${LIMITS[field]}字`;
    return value;
  };
  switch (input.action) {
    case 'accept':
      return Object.keys(errors).length
        ? { ok: false, errors }
        : { ok: true, action: { action: 'accept', by } };
    case 'note': {
      const note = need('note', '处理记录');
      return Object.keys(errors).length
        ? { ok: false, errors }
        : { ok: true, action: { action: 'note', by, note } };
    }
    case 'resolve': {
      const result = need('result', '告知客户的处理结果');
      const improvement = need('improvement', '改进措施');
      const cause = text(input.cause);
      if (!TICKET_CAUSES.includes(cause as TicketCause))
        errors.cause = `原因类别须为：${TICKET_CAUSES.join('、')}`;
      return Object.keys(errors).length
        ? { ok: false, errors }
        : {
            ok: true,
            action: { action: 'resolve', by, result, cause: cause as TicketCause, improvement },
          };
    }
    case 'transfer': {
      const department = text(input.department);
      if (!departments.includes(department))
        errors.department = `部门须为：${departments.join('、')}`;
      const note = text(input.note);
      if (note.length > LIMITS.note) errors.note = `说明不超过${LIMITS.note}字`;
      return Object.keys(errors).length
        ? { ok: false, errors }
        : { ok: true, action: { action: 'transfer', by, department, ...(note ? { note } : {}) } };
    }
    default:
      errors.action = 'action 须为 accept、note、resolve 或 transfer';
      return { ok: false, errors };
  }
}

function refuse(code: TicketRefusal['code'], message: string): TicketRefusal {
  return { ok: false, code, message };
}

/** Who moved the ticket into its current status, for "已由张三受理". */
export function lastMover(ticket: ComplaintTicket): string {
  return ticket.statusHistory.at(-1)?.by ?? '';
}

function notNow(ticket: ComplaintTicket): TicketRefusal {
  switch (ticket.status) {
    case 'in_progress':
      return refuse('conflict', `工单${ticket.id}已由${lastMover(ticket)}受理，正在处理中`);
    case 'resolved':
      return refuse('conflict', `工单${ticket.id}已办结，正在等待客户评价`);
    case 'closed':
      return refuse('conflict', `工单${ticket.id}已关闭`);
    case 'open':
      return refuse('conflict', `工单${ticket.id}尚未受理，请先受理`);
  }
}

/** The store change an action makes on this ticket, or why it cannot be made now. */
export function planTicketAction(ticket: ComplaintTicket, action: TicketAction): TicketPlan {
  switch (action.action) {
    case 'accept':
      if (ticket.status !== 'open') return notNow(ticket);
      return {
        ok: true,
        change: {
          expect: { status: ['open'] },
          status: { status: 'in_progress', by: action.by, note: '受理' },
          handling: [{ by: action.by, action: '受理工单' }],
        },
      };
    case 'note':
      if (ticket.status !== 'open' && ticket.status !== 'in_progress') return notNow(ticket);
      return {
        ok: true,
        change: {
          expect: { status: ['open', 'in_progress'] },
          handling: [{ by: action.by, action: `处理记录：${action.note}` }],
        },
      };
    case 'resolve':
      if (ticket.status !== 'in_progress') return notNow(ticket);
      return {
        ok: true,
        change: {
          expect: { status: ['in_progress'] },
          status: { status: 'resolved', by: action.by, note: '办结' },
          result: action.result,
          set: { cause: action.cause, improvement: action.improvement },
          handling: [
            {
              by: action.by,
              action: `办结：${action.result}（原因类别：${action.cause}；改进措施：${action.improvement}）`,
            },
          ],
        },
      };
    case 'transfer': {
      if (ticket.status !== 'open' && ticket.status !== 'in_progress') return notNow(ticket);
      const from = ticket.department ?? '';
      if (action.department === from)
        return refuse('invalid', `工单${ticket.id}已在${from}，请选择其他部门`);
      return {
        ok: true,
        change: {
          // Transfer keeps the status; it must not race another transfer or a resolution.
          expect: { status: [ticket.status], department: from },
          set: { department: action.department },
          handling: [
            {
              by: action.by,
              action: `转交：${from || '未分配'} → ${action.department}${action.note ? `（${action.note}）` : ''}`,
            },
          ],
        },
      };
    }
    case 'reveal':
      return {
        ok: true,
        change: { handling: [{ by: action.by, action: `查看完整联系方式（${action.where}）` }] },
      };
    case 'feedback': {
      if (ticket.status !== 'resolved')
        return refuse('conflict', `工单${ticket.id}当前不在待评价状态`);
      const feedback = {
        rating: action.rating,
        ...(action.comment ? { comment: action.comment } : {}),
        at: action.at,
      };
      const reopen = action.rating === '不满意';
      return {
        ok: true,
        change: {
          expect: { status: ['resolved'] },
          status: reopen
            ? { status: 'open', by: 'customer', note: '客户不满意，工单重新打开' }
            : { status: 'closed', by: 'customer', note: `客户评价：${action.rating}` },
          set: { resultFeedback: feedback },
          handling: [
            {
              by: 'customer',
              action: `客户评价：${action.rating}${action.comment ? `；意见：${action.comment}` : ''}`,
            },
          ],
        },
      };
    }
    case 'close':
      if (ticket.status !== 'resolved') return notNow(ticket);
      return {
        ok: true,
        change: {
          expect: { status: ['resolved'] },
          status: { status: 'closed', by: action.by, note: action.note },
        },
      };
  }
}
