// The ticket service: every move of a ticket goes through the state machine here, whoever asks
// (a Slack button, the admin API, the customer's feedback in a dialog), and is followed by what the
// move owes others: the department's card redrawn or moved, the customer told the result, the
// supervisor told of a 不满意. Cards are drawn under a per-ticket lock (the state store's
// cross-instance lock) from the ticket as stored then, so the last drawing is always the newest.
import { maskPersonalData } from '../compliance/index.ts';
import type { AuditLog } from '../compliance/audit-log.ts';
import type {
  ComplaintTicket,
  ConversationStateStore,
  TicketRating,
  TicketStore,
} from '../store/types.ts';
import type { CustomerNotice } from './customer-notice.ts';
import type { RevealedContacts, TicketDesk, TicketDeskActions } from './desk.ts';
import type { TicketSettings } from './settings.ts';
import { actOnTicket, type ActOutcome } from './ticket-actions.ts';
import type { StaffAction } from './ticket-machine.ts';
import { ticketCard } from './ticket-view.ts';

export interface TicketChannels {
  /** SLACK_COMPLAINTS_CHANNEL_ID: the desk of any department without its own channel. */
  complaints?: string;
  /** SLACK_SUPERVISOR_CHANNEL_ID: 不满意 results and the overdue list. */
  supervisor?: string;
}

export interface TicketServiceDeps {
  tickets: TicketStore;
  /** Its lock() serialises card drawing per ticket across instances. */
  states: ConversationStateStore;
  desk: TicketDesk | null;
  notice: CustomerNotice;
  audit: AuditLog;
  settings: () => TicketSettings;
  channels: TicketChannels;
  clock: () => Date;
  log: (message: string) => void;
}

const CARD_LOCK_TTL_MS = 15_000;
const NOTICE_LOCK_TTL_MS = 30_000;

function lastResolvedAt(ticket: ComplaintTicket): string | undefined {
  return [...ticket.statusHistory].reverse().find((s) => s.status === 'resolved')?.at;
}

/** Resolved, and the customer has not been told this resolution's result yet. */
export function needsResultNotice(ticket: ComplaintTicket): boolean {
  const resolvedAt = lastResolvedAt(ticket);
  return resolvedAt !== undefined && ticket.resultNotice?.resolvedAt !== resolvedAt;
}

export type TicketService = ReturnType<typeof createTicketService>;

export function createTicketService(deps: TicketServiceDeps) {
  const { tickets, desk, clock, log } = deps;

  function deskChannelFor(department: string | undefined): string | undefined {
    const own = department ? deps.settings().departmentChannels[department] : undefined;
    return own ?? deps.channels.complaints;
  }

  async function underCardLock(id: string, body: () => Promise<void>): Promise<void> {
    const release = await deps.states.lock(`ticket-card:${id}`, CARD_LOCK_TTL_MS);
    try {
      await body();
    } finally {
      await release().catch(() => undefined);
    }
  }

  function card(ticket: ComplaintTicket) {
    return ticketCard(ticket, clock(), deps.settings().calendar);
  }

  /** Posts the ticket's card if it has none yet (a new ticket, or one whose first post failed). */
  async function announce(id: string): Promise<void> {
    if (!desk) return;
    await underCardLock(id, async () => {
      const ticket = await tickets.get(id);
      if (!ticket || ticket.deskCard !== undefined || ticket.status === 'closed') return;
      const channel = deskChannelFor(ticket.department);
      if (!channel) return;
      const key = await desk.postCard(channel, card(ticket));
      await tickets.change(id, { expect: { noDeskCard: true }, set: { deskCard: key } });
    });
  }

  /** Redraws the card, moving it when the department's desk is another channel now. */
  async function refreshCard(id: string, movedBy?: string): Promise<void> {
    if (!desk) return;
    await underCardLock(id, async () => {
      const ticket = await tickets.get(id);
      if (!ticket) return;
      if (ticket.deskCard === undefined) {
        const channel = deskChannelFor(ticket.department);
        if (!channel || ticket.status === 'closed') return;
        const key = await desk.postCard(channel, card(ticket));
        await tickets.change(id, { set: { deskCard: key } });
        return;
      }
      const channel = deskChannelFor(ticket.department);
      const current = desk.channelOf(ticket.deskCard);
      if (channel && channel !== current) {
        const key = await desk.postCard(channel, card(ticket));
        await tickets.change(id, { set: { deskCard: key } });
        await desk
          .retireCard(
            ticket.deskCard,
            `工单 ${ticket.id} 已${movedBy ? `由${movedBy}` : ''}转交至${ticket.department ?? ''}`,
          )
          .catch((error: unknown) =>
            log(`tickets: retiring card of ${id} failed: ${describe(error)}`),
          );
        return;
      }
      await desk.updateCard(ticket.deskCard, card(ticket));
    });
  }

  /** A desk failure must not undo or hide a recorded change: it is logged, the sweep retries. */
  async function safely(what: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      log(`tickets: ${what} failed: ${describe(error)}`);
    }
  }

  async function postNotice(channel: string | undefined, text: string, cardKey?: string) {
    if (!desk || !channel) return;
    await safely('posting a notice', () => desk.postNotice(channel, text, cardKey));
  }

  /**
   * Tells the customer the latest result once: under a per-ticket lock, and only if no notice is
   * recorded for this resolution yet, so a retry after a crash (the sweep) or a second instance
   * never tells twice.
   */
  async function tellResultOnce(id: string): Promise<void> {
    const release = await deps.states.lock(`ticket-notice:${id}`, NOTICE_LOCK_TTL_MS);
    try {
      const ticket = await tickets.get(id);
      if (!ticket || ticket.status !== 'resolved' || !needsResultNotice(ticket)) return;
      const notice = {
        ...(await deps.notice.tellResult(ticket)),
        resolvedAt: lastResolvedAt(ticket)!,
      };
      const updated = await tickets.change(id, { set: { resultNotice: notice } });
      if (notice.outcome === 'phone_call_needed' && updated.deskCard) {
        await postNotice(
          deskChannelFor(updated.department),
          `工单 ${id}：${notice.reason ?? '渠道无法送达'}，请电话告知客户处理结果（点「查看联系方式」获取号码），并在「记录处理」中登记。`,
          updated.deskCard,
        );
      }
    } finally {
      await release().catch(() => undefined);
    }
  }

  /**
   * One action through the state machine. What it owes others (telling the customer, the card)
   * follows; with `background` (Slack, which wants its answer within 3 seconds) it runs after the
   * return, and the sweep finishes it should this instance stop first.
   */
  async function act(
    id: string,
    action: StaffAction,
    options: { background?: boolean } = {},
  ): Promise<ActOutcome> {
    const outcome = await actOnTicket(tickets, id, action);
    if (!outcome.ok) return outcome;
    log(`tickets: ${id} ${action.action} by ${action.by}`);
    const followUp = async (): Promise<void> => {
      if (action.action === 'resolve') {
        await safely(`telling the result of ${id}`, () => tellResultOnce(id));
      }
      await safely(`updating the card of ${id}`, () =>
        refreshCard(id, action.action === 'transfer' ? action.by : undefined),
      );
    };
    if (options.background) {
      void followUp();
      return outcome;
    }
    await followUp();
    const fresh = (await tickets.get(id)) ?? outcome.ticket;
    return { ...outcome, ticket: fresh };
  }

  /** The customer's verdict from the feedback dialog; 不满意 reopens and tells the supervisor. */
  async function feedback(
    id: string,
    rating: TicketRating,
    comment: string | undefined,
  ): Promise<ActOutcome> {
    const at = clock().toISOString();
    const outcome = await actOnTicket(tickets, id, {
      action: 'feedback',
      rating,
      ...(comment ? { comment } : {}),
      at,
    });
    if (!outcome.ok) return outcome;
    if (rating === '不满意') {
      const t = outcome.ticket;
      const text =
        `工单 ${t.id}（${t.category ?? '未分类'}，${t.department ?? '未分配'}）：客户对处理结果不满意，工单已重新打开。` +
        `\n原处理结果：${maskPersonalData(t.result ?? '')}` +
        (comment ? `\n客户意见：${maskPersonalData(comment)}` : '');
      await postNotice(deps.channels.supervisor, text);
      await postNotice(deskChannelFor(t.department), text, t.deskCard);
    }
    await safely(`updating the card of ${id}`, () => refreshCard(id));
    return outcome;
  }

  async function revealContacts(
    id: string,
    by: string,
    where: string,
  ): Promise<{ ok: true; contacts: RevealedContacts } | { ok: false; message: string }> {
    // Recorded before anything is shown: no record, no number.
    const outcome = await actOnTicket(tickets, id, { action: 'reveal', by, where });
    if (!outcome.ok) return { ok: false, message: outcome.message };
    await deps.audit.record({
      at: clock().toISOString(),
      by,
      action: 'ticket_contacts',
      via: where,
      ticketIds: [id],
    });
    const c = outcome.ticket.complainant;
    return {
      ok: true,
      contacts: {
        ...(c.name ? { name: c.name } : {}),
        ...(c.phone ? { phone: c.phone } : {}),
        ...(c.account ? { account: c.account } : {}),
      },
    };
  }

  const deskActions: TicketDeskActions = {
    act: (id, action) => act(id, action, { background: true }),
    revealContacts,
    get: (id) => tickets.get(id),
    departments: () => deps.settings().departments,
  };

  return {
    act,
    feedback,
    revealContacts,
    announce: (id: string) => safely(`posting the card of ${id}`, () => announce(id)),
    tellResultOnce: (id: string) => safely(`telling the result of ${id}`, () => tellResultOnce(id)),
    refreshCard: (id: string) => safely(`updating the card of ${id}`, () => refreshCard(id)),
    deskChannelFor,
    postNotice,
    deskActions,
    /** Whether cards are drawn at all (a desk is configured). */
    hasDesk: desk !== null,
  };
}

function describe(error: unknown): string {
  return maskPersonalData(error instanceof Error ? error.message : String(error));
}
