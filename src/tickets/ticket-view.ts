// How a ticket looks outside the store: masked for staff lists, cards and exports (the full phone
// and account stay in the store for the call-back and are shown only through the audited reveal),
// and the time-limit wording of its card.
import { maskAccount, maskPersonalData, maskPhone } from '../compliance/index.ts';
import {
  isWorkingDay,
  shanghaiDay,
  workingDaysBetween,
  type WorkCalendar,
} from '../core/workdays.ts';
import type { ComplaintTicket } from '../store/types.ts';
import type { TicketCard } from './desk.ts';
import { STATUS_TEXT } from './ticket-machine.ts';

/** Staff see who and how to reach them, masked; free texts have any number in them masked too. */
export function maskTicket(ticket: ComplaintTicket): ComplaintTicket {
  const m = (text: string): string => maskPersonalData(text);
  const masked: ComplaintTicket = {
    ...ticket,
    complainant: {
      ...(ticket.complainant.name !== undefined ? { name: ticket.complainant.name } : {}),
      ...(ticket.complainant.phone !== undefined
        ? { phone: maskPhone(ticket.complainant.phone) }
        : {}),
      ...(ticket.complainant.account !== undefined
        ? { account: maskAccount(ticket.complainant.account) }
        : {}),
    },
    description: m(ticket.description),
    statusHistory: ticket.statusHistory.map((s) =>
      s.note !== undefined ? { ...s, note: m(s.note) } : s,
    ),
    handling: ticket.handling.map((h) => ({ ...h, action: m(h.action) })),
  };
  if (ticket.occurredAt)
    masked.occurredAt = { ...ticket.occurredAt, text: m(ticket.occurredAt.text) };
  if (ticket.desiredOutcome !== undefined) masked.desiredOutcome = m(ticket.desiredOutcome);
  if (ticket.result !== undefined) masked.result = m(ticket.result);
  if (ticket.improvement !== undefined) masked.improvement = m(ticket.improvement);
  if (ticket.feedback?.comment !== undefined)
    masked.feedback = { ...ticket.feedback, comment: m(ticket.feedback.comment) };
  if (ticket.resultFeedback?.comment !== undefined)
    masked.resultFeedback = { ...ticket.resultFeedback, comment: m(ticket.resultFeedback.comment) };
  return masked;
}

/** Working days left until the due date (negative: overdue by that many), counted from `now`. */
export function workdaysLeft(dueBy: string, now: Date, calendar: WorkCalendar): number {
  const today = shanghaiDay(now);
  if (today <= dueBy)
    return workingDaysBetween(new Date(`${today}T00:00:00+08:00`), dueBy, calendar);
  // Past the due date: count the working days since it, today included when it is one.
  return -workingDaysBetween(new Date(`${dueBy}T00:00:00+08:00`), today, calendar);
}

/** Whether a ticket still owes the customer an answer and is past its due date. */
export function isOverdue(ticket: ComplaintTicket, now: Date): boolean {
  if (!ticket.replyDueBy || ticket.status === 'resolved' || ticket.status === 'closed')
    return false;
  return shanghaiDay(now) > ticket.replyDueBy;
}

export function dueText(ticket: ComplaintTicket, now: Date, calendar: WorkCalendar): string {
  if (!ticket.replyDueBy) return '未设时限';
  if (ticket.status === 'resolved' || ticket.status === 'closed') return `${ticket.replyDueBy}前`;
  const left = workdaysLeft(ticket.replyDueBy, now, calendar);
  if (isOverdue(ticket, now)) return `${ticket.replyDueBy}（已超期${Math.max(1, -left)}个工作日）`;
  if (left === 0) return `${ticket.replyDueBy}（今天到期）`;
  const today = shanghaiDay(now);
  const note = isWorkingDay(today, calendar) ? '' : '，今天非工作日';
  return `${ticket.replyDueBy}（还剩${left}个工作日${note}）`;
}

const NOTICE_TEXT = {
  delivered: '处理结果已在客户原渠道告知，等待客户评价',
  phone_call_needed: '需电话告知客户处理结果',
} as const;

/** The card of a ticket: masked, with the buttons its status allows. */
export function ticketCard(ticket: ComplaintTicket, now: Date, calendar: WorkCalendar): TicketCard {
  const actions: TicketCard['actions'] =
    ticket.status === 'open'
      ? ['accept', 'transfer', 'reveal']
      : ticket.status === 'in_progress'
        ? ['note', 'resolve', 'transfer', 'reveal']
        : ['reveal'];
  const notice =
    ticket.status === 'resolved' || ticket.status === 'closed' ? ticket.resultNotice : undefined;
  return {
    ticket: maskTicket(ticket),
    statusText: STATUS_TEXT[ticket.status],
    dueText: dueText(ticket, now, calendar),
    overdue: isOverdue(ticket, now),
    ...(notice
      ? {
          noticeText:
            notice.outcome === 'delivered'
              ? NOTICE_TEXT.delivered
              : `${NOTICE_TEXT.phone_call_needed}（${notice.reason ?? '渠道无法送达'}）`,
        }
      : {}),
    actions,
  };
}
