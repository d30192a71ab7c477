// The archive views of tickets for staff: one CSV row per ticket (masked unless contacts were
// asked for with the reveal token) and the service statistics of a period.
import { shanghaiDay } from '../core/workdays.ts';
import type { ComplaintTicket, TicketRating } from '../store/types.ts';
import { csvDocument } from './csv.ts';

export interface Period {
  /** Inclusive Shanghai dates, YYYY-MM-DD; undefined = open end. */
  from?: string;
  to?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `from`/`to` query values as a period, or the problem. */
export function parsePeriod(
  query: Record<string, unknown>,
): { ok: true; period: Period } | { ok: false; message: string } {
  const period: Period = {};
  for (const key of ['from', 'to'] as const) {
    const value = query[key];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(value))) {
      return { ok: false, message: `${key} must be a date YYYY-MM-DD` };
    }
    period[key] = value;
  }
  if (period.from && period.to && period.from > period.to) {
    return { ok: false, message: 'from must not be after to' };
  }
  return { ok: true, period };
}

export function inPeriod(ticket: ComplaintTicket, period: Period): boolean {
  const day = shanghaiDay(new Date(ticket.createdAt));
  return (!period.from || day >= period.from) && (!period.to || day <= period.to);
}

function firstAt(ticket: ComplaintTicket, status: ComplaintTicket['status']): string | undefined {
  return ticket.statusHistory.find((s) => s.status === status && s !== ticket.statusHistory[0])?.at;
}

function lastAt(ticket: ComplaintTicket, status: ComplaintTicket['status']): string | undefined {
  return [...ticket.statusHistory].reverse().find((s) => s.status === status)?.at;
}

/** Whether the first result reached the customer's side by the due date (null: not decidable yet). */
export function answeredInTime(ticket: ComplaintTicket, now: Date): boolean | null {
  if (!ticket.replyDueBy) return null;
  const resolved = firstAt(ticket, 'resolved');
  if (resolved) return shanghaiDay(new Date(resolved)) <= ticket.replyDueBy;
  return shanghaiDay(now) > ticket.replyDueBy ? false : null;
}

function reopenCount(ticket: ComplaintTicket): number {
  return ticket.statusHistory.filter((s, i) => i > 0 && s.status === 'open').length;
}

const HEADER = [
  '工单号',
  '类型',
  '状态',
  '类别',
  '部门',
  '渠道',
  '登记时间',
  '发生时间',
  '客户姓名',
  '联系电话',
  '资金账号',
  '事情经过',
  '客户诉求',
  '答复时限',
  '受理时间',
  '受理人',
  '办结时间',
  '处理结果',
  '原因类别',
  '改进措施',
  '按时答复',
  '结果告知',
  '客户评价',
  '评价意见',
  '关闭时间',
  '重开次数',
  '处理记录',
];

/** `tickets` already masked, or with contacts when the reveal token asked for them. */
export function ticketsCsv(tickets: ComplaintTicket[], now: Date): string {
  const rows = tickets.map((t) => {
    const accepted = t.statusHistory.find((s) => s.status === 'in_progress');
    const inTime = answeredInTime(t, now);
    return [
      t.id,
      t.kind === 'complaint' ? '投诉' : '回电',
      t.status,
      t.category ?? '',
      t.department ?? '',
      t.channel,
      t.createdAt,
      t.occurredAt?.text ?? '',
      t.complainant.name ?? '',
      t.complainant.phone ?? '',
      t.complainant.account ?? '',
      t.description,
      t.desiredOutcome ?? '',
      t.replyDueBy ?? '',
      accepted?.at ?? '',
      accepted?.by ?? '',
      firstAt(t, 'resolved') ?? '',
      t.result ?? '',
      t.cause ?? '',
      t.improvement ?? '',
      inTime === null ? '' : inTime ? '是' : '否',
      t.resultNotice
        ? t.resultNotice.outcome === 'delivered'
          ? '已在原渠道告知'
          : `需电话告知：${t.resultNotice.reason ?? ''}`
        : '',
      t.resultFeedback?.rating ?? '',
      t.resultFeedback?.comment ?? '',
      lastAt(t, 'closed') ?? '',
      reopenCount(t),
      t.handling.map((h) => `${h.at} ${h.by}：${h.action}`).join('\n'),
    ];
  });
  return csvDocument(HEADER, rows);
}

export interface TicketStats {
  from: string | null;
  to: string | null;
  total: number;
  byKind: Record<string, number>;
  byCategory: Record<string, number>;
  byDepartment: Record<string, number>;
  byChannel: Record<string, number>;
  byStatus: Record<string, number>;
  /** Median hours from registration to the first result; null without resolved tickets. */
  medianHoursToResult: number | null;
  /** Tickets whose due date decides it: answered by then, or not (late or still open past it). */
  answeredInTime: { decided: number; inTime: number; share: number | null };
  satisfaction: {
    answered: number;
    ratings: Record<TicketRating, number>;
    /** 满意 and 基本满意 among those who answered. */
    satisfiedShare: number | null;
  };
  reopened: number;
}

function count(
  tickets: ComplaintTicket[],
  key: (t: ComplaintTicket) => string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tickets) out[key(t)] = (out[key(t)] ?? 0) + 1;
  return out;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.round(value * 100) / 100;
}

const share = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;

export function ticketStats(tickets: ComplaintTicket[], period: Period, now: Date): TicketStats {
  const hours = tickets.flatMap((t) => {
    const resolved = firstAt(t, 'resolved');
    return resolved ? [(Date.parse(resolved) - Date.parse(t.createdAt)) / 3600_000] : [];
  });
  const decided = tickets.map((t) => answeredInTime(t, now)).filter((v) => v !== null);
  const ratings: Record<TicketRating, number> = { 满意: 0, 基本满意: 0, 不满意: 0 };
  for (const t of tickets) if (t.resultFeedback) ratings[t.resultFeedback.rating] += 1;
  const answered = ratings.满意 + ratings.基本满意 + ratings.不满意;
  const inTime = decided.filter(Boolean).length;
  return {
    from: period.from ?? null,
    to: period.to ?? null,
    total: tickets.length,
    byKind: count(tickets, (t) => t.kind),
    byCategory: count(tickets, (t) => t.category ?? '未分类'),
    byDepartment: count(tickets, (t) => t.department ?? '未分配'),
    byChannel: count(tickets, (t) => t.channel),
    byStatus: count(tickets, (t) => t.status),
    medianHoursToResult: median(hours),
    answeredInTime: { decided: decided.length, inTime, share: share(inTime, decided.length) },
    satisfaction: {
      answered,
      ratings,
      satisfiedShare: share(ratings.满意 + ratings.基本满意, answered),
    },
    reopened: tickets.filter((t) => reopenCount(t) > 0).length,
  };
}
