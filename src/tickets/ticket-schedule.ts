// Time limits, swept periodically by every instance: reminders in the department's card thread when
// the configured share of the time is used and when the due date passes, the supervisor's overdue
// list each working morning, cards posted for tickets whose first post failed, and resolved tickets
// the customer never rated closed after the firm's waiting time. Each reminder is marked on the
// ticket with a conditional change and the morning list is claimed with a create-only state write,
// so with several instances each is sent once.
import { maskPersonalData } from '../compliance/index.ts';
import {
  isWorkingDay,
  shanghaiDay,
  startOfShanghaiDay,
  workingDaysBetween,
} from '../core/workdays.ts';
import { TicketConflictError } from '../store/errors.ts';
import type { ComplaintTicket, ConversationStateStore, TicketStore } from '../store/types.ts';
import type { TicketSettings } from './settings.ts';
import { actOnTicket } from './ticket-actions.ts';
import { needsResultNotice, type TicketChannels, type TicketService } from './ticket-service.ts';
import { isOverdue, workdaysLeft } from './ticket-view.ts';

export interface TicketScheduleDeps {
  tickets: TicketStore;
  states: ConversationStateStore;
  service: TicketService;
  settings: () => TicketSettings;
  channels: TicketChannels;
  clock: () => Date;
  log: (message: string) => void;
}

export interface SweepReport {
  reminders: string[];
  overdue: string[];
  digest: boolean;
  closed: string[];
  /** Resolved tickets whose customer had not been told (the resolving instance stopped). */
  told: string[];
}

/** The resolving instance tells the customer at once; the sweep steps in only after this. */
const NOTICE_GRACE_MS = 2 * 60_000;

function resolvedLongAgo(ticket: ComplaintTicket, now: Date): boolean {
  const at = [...ticket.statusHistory].reverse().find((s) => s.status === 'resolved')?.at;
  return at !== undefined && now.getTime() - Date.parse(at) > NOTICE_GRACE_MS;
}

const MAX_DIGEST_LINES = 50;
/** Day-change redraws per sweep: Slack allows about 50 chat.update calls a minute. */
const MAX_REDRAWS_PER_SWEEP = 20;

export function createTicketSchedule(deps: TicketScheduleDeps) {
  const { tickets, service, clock, log } = deps;
  /** Day each card was last redrawn by this instance, so "还剩N个工作日" follows the calendar. */
  const redrawnOn = new Map<string, string>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<SweepReport> | null = null;

  /** True for the one caller (across instances) that first claims `key`. */
  async function claimOnce(key: string, at: string): Promise<boolean> {
    const saved = await deps.states.save(
      {
        conversationId: `claim:${key}`,
        channel: 'cli',
        userId: 'ticket-schedule',
        channelRef: null,
        dialog: null,
        handoff: null,
        memory: {},
        createdAt: at,
        updatedAt: at,
      },
      null,
    );
    return saved.ok;
  }

  /** Marks a reminder on the ticket; false when another instance (or an earlier sweep) sent it. */
  async function markReminder(
    ticket: ComplaintTicket,
    which: 'share' | 'overdue',
    at: string,
  ): Promise<boolean> {
    try {
      await tickets.change(ticket.id, {
        expect: { reminderNotSent: which, status: ['open', 'in_progress'] },
        set: { reminders: { ...ticket.reminders, [which]: at } },
      });
      return true;
    } catch (error) {
      if (error instanceof TicketConflictError) return false;
      throw error;
    }
  }

  async function remind(ticket: ComplaintTicket, now: Date, report: SweepReport): Promise<void> {
    const settings = deps.settings();
    const due = ticket.replyDueBy;
    if (!due) return;
    const channel = service.deskChannelFor(ticket.department);
    const at = now.toISOString();
    if (isOverdue(ticket, now)) {
      if (ticket.reminders?.overdue || !(await markReminder(ticket, 'overdue', at))) return;
      report.overdue.push(ticket.id);
      await service.postNotice(
        channel,
        `⚠️ 工单 ${ticket.id} 已超过答复时限（${due}），仍为「${ticket.status === 'open' ? '待受理' : '处理中'}」，请尽快办结并告知客户。`,
        ticket.deskCard,
      );
      return;
    }
    if (ticket.reminders?.share) return;
    const created = new Date(ticket.createdAt);
    const total = workingDaysBetween(created, due, settings.calendar);
    const used = workingDaysBetween(created, shanghaiDay(now), settings.calendar);
    if (total <= 0 || used < Math.ceil(settings.reminderShare * total)) return;
    if (!(await markReminder(ticket, 'share', at))) return;
    report.reminders.push(ticket.id);
    const left = workdaysLeft(due, now, settings.calendar);
    await service.postNotice(
      channel,
      `⏰ 工单 ${ticket.id} 已用去答复时限的${Math.round(settings.reminderShare * 100)}%，还剩${left}个工作日（${due}前），请及时处理。`,
      ticket.deskCard,
    );
  }

  async function closeUnrated(ticket: ComplaintTicket, now: Date, report: SweepReport) {
    const settings = deps.settings();
    const resolvedAt = [...ticket.statusHistory].reverse().find((s) => s.status === 'resolved')?.at;
    if (!resolvedAt) return;
    const waited = workingDaysBetween(new Date(resolvedAt), shanghaiDay(now), settings.calendar);
    if (waited < settings.feedbackWorkdays) return;
    const outcome = await actOnTicket(tickets, ticket.id, {
      action: 'close',
      by: 'system',
      note: `客户${settings.feedbackWorkdays}个工作日内未评价，自动关闭`,
    });
    if (!outcome.ok) return;
    report.closed.push(ticket.id);
    await service.refreshCard(ticket.id);
  }

  async function digest(open: ComplaintTicket[], now: Date, report: SweepReport): Promise<void> {
    const settings = deps.settings();
    const today = shanghaiDay(now);
    const supervisor = deps.channels.supervisor;
    if (!supervisor || !isWorkingDay(today, settings.calendar)) return;
    const minutes = (now.getTime() - startOfShanghaiDay(today).getTime()) / 60_000;
    if (minutes < settings.digestMinutes) return;
    if (!(await claimOnce(`ticket-digest:${today}`, now.toISOString()))) return;
    report.digest = true;
    const overdue = open
      .filter((t) => isOverdue(t, now))
      .sort((a, b) => (a.replyDueBy ?? '').localeCompare(b.replyDueBy ?? ''));
    const lines = overdue.slice(0, MAX_DIGEST_LINES).map((t) => {
      const late = -workdaysLeft(t.replyDueBy ?? today, now, settings.calendar);
      return `• ${t.id}｜${t.department ?? '未分配'}｜${t.category ?? '未分类'}｜${t.status === 'open' ? '待受理' : '处理中'}｜应于${t.replyDueBy}答复，已超期${Math.max(1, late)}个工作日｜${maskPersonalData(t.description).slice(0, 40)}`;
    });
    const more =
      overdue.length > MAX_DIGEST_LINES
        ? `\n…另有${overdue.length - MAX_DIGEST_LINES}件，请在管理后台查看。`
        : '';
    const text =
      overdue.length === 0
        ? `📋 ${today} 超期工单：无。`
        : `📋 ${today} 超期工单共${overdue.length}件：\n${lines.join('\n')}${more}`;
    await service.postNotice(supervisor, text);
  }

  async function sweep(): Promise<SweepReport> {
    const now = clock();
    const today = shanghaiDay(now);
    const report: SweepReport = { reminders: [], overdue: [], digest: false, closed: [], told: [] };
    const all = await tickets.list();
    const open = all.filter((t) => t.status === 'open' || t.status === 'in_progress');
    let redraws = 0;
    for (const ticket of all) {
      try {
        if (ticket.status === 'resolved') {
          if (needsResultNotice(ticket) && resolvedLongAgo(ticket, now)) {
            report.told.push(ticket.id);
            await service.tellResultOnce(ticket.id);
          }
          await closeUnrated(ticket, now, report);
          continue;
        }
        if (ticket.status === 'closed') continue;
        let current = ticket;
        if (service.hasDesk && ticket.deskCard === undefined) {
          await service.announce(ticket.id);
          current = (await tickets.get(ticket.id)) ?? ticket;
        } else if (
          service.hasDesk &&
          redrawnOn.get(ticket.id) !== today &&
          redraws < MAX_REDRAWS_PER_SWEEP
        ) {
          redraws += 1;
          redrawnOn.set(ticket.id, today);
          await service.refreshCard(ticket.id);
        }
        await remind(current, now, report);
      } catch (error) {
        log(`tickets: sweeping ${ticket.id} failed: ${maskPersonalData(String(error))}`);
      }
    }
    for (const id of redrawnOn.keys()) if (!open.some((t) => t.id === id)) redrawnOn.delete(id);
    await digest(open, now, report).catch((error: unknown) =>
      log(`tickets: the overdue list failed: ${maskPersonalData(String(error))}`),
    );
    return report;
  }

  return {
    /** One pass now; concurrent calls share the pass in flight. */
    sweep(): Promise<SweepReport> {
      running ??= sweep().finally(() => {
        running = null;
      });
      return running;
    },
    start(everyMs: number): void {
      if (timer || everyMs <= 0) return;
      timer = setInterval(() => {
        void this.sweep().catch((error: unknown) =>
          log(`tickets: sweep failed: ${maskPersonalData(String(error))}`),
        );
      }, everyMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
  };
}

export type TicketSchedule = ReturnType<typeof createTicketSchedule>;
