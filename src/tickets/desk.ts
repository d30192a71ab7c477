// The department desk seam: where ticket cards are shown and staff act on them. Slack is one desk
// (src/desks/slack/ticket-desk.ts); tests may use a recording fake. Everything handed to a desk is
// masked already; only `revealContacts` returns full numbers, to the one member who asked.
import type { ComplaintTicket } from '../store/types.ts';
import type { ActOutcome } from './ticket-actions.ts';
import type { StaffAction } from './ticket-machine.ts';

/** A ticket as a department desk shows it: masked, with what can be done next. */
export interface TicketCard {
  /** Masked copy of the ticket. */
  ticket: ComplaintTicket;
  statusText: string;
  /** "2026-12-14（还剩3个工作日）" or "2026-12-14（已超期2个工作日）". */
  dueText: string;
  overdue: boolean;
  /** How the result reached the customer, when resolved ("需电话告知客户：…" when it could not). */
  noticeText?: string;
  /** Buttons to show, in order. */
  actions: ('accept' | 'note' | 'resolve' | 'transfer' | 'reveal')[];
}

export interface TicketDesk {
  /** Posts a new card in a channel; returns the desk's key of that card. */
  postCard(channel: string, card: TicketCard): Promise<string>;
  /** Redraws a card in place. */
  updateCard(cardKey: string, card: TicketCard): Promise<void>;
  /** The ticket moved to another desk: the old card becomes a note without buttons. */
  retireCard(cardKey: string, text: string): Promise<void>;
  /** The channel a card is in. */
  channelOf(cardKey: string): string;
  /** A line in a channel, in the card's thread when `cardKey` is given (reminders, notices). */
  postNotice(channel: string, text: string, cardKey?: string): Promise<void>;
}

/** The full contacts of a ticket, for the member who asked to see them. */
export interface RevealedContacts {
  name?: string;
  phone?: string;
  account?: string;
}

/** What a desk may ask of the ticket service when staff act; bound after the service exists. */
export interface TicketDeskActions {
  act(ticketId: string, action: StaffAction): Promise<ActOutcome>;
  revealContacts(
    ticketId: string,
    by: string,
    where: string,
  ): Promise<{ ok: true; contacts: RevealedContacts } | { ok: false; message: string }>;
  get(ticketId: string): Promise<ComplaintTicket | null>;
  departments(): string[];
}

/** Desk actions whose implementation is bound later (the desk is built before the service). */
export function lateTicketDeskActions(): TicketDeskActions & { bind(to: TicketDeskActions): void } {
  let target: TicketDeskActions | null = null;
  const need = (): TicketDeskActions => {
    if (!target) throw new Error('ticket desk actions used before the ticket service was bound');
    return target;
  };
  return {
    bind(to) {
      target = to;
    },
    act: (id, action) => need().act(id, action),
    revealContacts: (id, by, where) => need().revealContacts(id, by, where),
    get: (id) => need().get(id),
    departments: () => need().departments(),
  };
}
