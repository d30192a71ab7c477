// Tickets change only through these events, so every store (memory, file log, Redis) builds the
// same ticket from the same calls, and the file store can replay its log after a restart.
import { StoreInputError } from './errors.ts';
import { toJson } from './json.ts';
import type {
  ComplaintTicket,
  NewComplaintTicket,
  TicketKind,
  TicketStatus,
  TicketStatusChange,
} from './types.ts';

export type HandlingEntry = ComplaintTicket['handling'][number];
export type TicketFeedback = NonNullable<ComplaintTicket['feedback']>;

export type TicketEvent =
  | { type: 'created'; ticket: ComplaintTicket }
  | { type: 'status'; id: string; change: TicketStatusChange; result?: string }
  | { type: 'handling'; id: string; entry: HandlingEntry }
  | { type: 'feedback'; id: string; feedback: TicketFeedback };

export type TicketFilter = { status?: TicketStatus; conversationId?: string };

export type StatusChangeInput = Omit<TicketStatusChange, 'at'> & { at?: string; result?: string };
export type HandlingInput = { by: string; action: string; at?: string };
export type FeedbackInput = { score: number; comment?: string; at?: string };

const KINDS: readonly TicketKind[] = ['complaint', 'callback'];
export const TICKET_STATUSES: readonly TicketStatus[] = [
  'open',
  'in_progress',
  'resolved',
  'closed',
];

function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new StoreInputError(`${what} must be a non-empty string`);
  }
  return value;
}

function optionalTime(value: unknown, now: Date, what: string): string {
  if (value === undefined) return now.toISOString();
  return requireText(value, what);
}

/** Checks a new ticket before an id is drawn for it, so bad input never consumes a number. */
export function validateNewTicket(input: NewComplaintTicket, by: string): void {
  if (typeof input !== 'object' || input === null) throw new StoreInputError('ticket is required');
  if (!KINDS.includes(input.kind))
    throw new StoreInputError(`unknown ticket kind: ${String(input.kind)}`);
  requireText(input.conversationId, 'ticket.conversationId');
  requireText(input.channel, 'ticket.channel');
  requireText(input.createdAt, 'ticket.createdAt');
  if (typeof input.description !== 'string') {
    throw new StoreInputError('ticket.description must be a string');
  }
  requireText(by, 'created by');
  toJson(input, 'ticket');
}

/** The stored form of a new ticket: the caller's fields plus id, 'open' and its first history line. */
export function buildTicket(
  id: string,
  input: NewComplaintTicket,
  by: string,
  now: Date,
): ComplaintTicket {
  validateNewTicket(input, by);
  const ticket = {
    ...input,
    id,
    complainant: input.complainant ?? {},
    status: 'open',
    statusHistory: [{ status: 'open', at: now.toISOString(), by }],
    handling: [],
  };
  return toJson(ticket, 'ticket') as unknown as ComplaintTicket;
}

export function statusEvent(id: string, input: StatusChangeInput, now: Date): TicketEvent {
  if (!TICKET_STATUSES.includes(input.status)) {
    throw new StoreInputError(`unknown ticket status: ${String(input.status)}`);
  }
  const change: TicketStatusChange = {
    status: input.status,
    at: optionalTime(input.at, now, 'status.at'),
    by: requireText(input.by, 'status.by'),
  };
  if (input.note !== undefined) change.note = input.note;
  const event: TicketEvent = { type: 'status', id, change };
  if (input.result !== undefined) event.result = input.result;
  return toJson(event, 'status') as unknown as TicketEvent;
}

export function handlingEvent(id: string, input: HandlingInput, now: Date): TicketEvent {
  const entry: HandlingEntry = {
    at: optionalTime(input.at, now, 'handling.at'),
    by: requireText(input.by, 'handling.by'),
    action: requireText(input.action, 'handling.action'),
  };
  return { type: 'handling', id, entry };
}

export function feedbackEvent(id: string, input: FeedbackInput, now: Date): TicketEvent {
  if (typeof input.score !== 'number' || !Number.isFinite(input.score)) {
    throw new StoreInputError('feedback.score must be a finite number');
  }
  const feedback: TicketFeedback = {
    score: input.score,
    at: optionalTime(input.at, now, 'feedback.at'),
  };
  if (input.comment !== undefined) feedback.comment = input.comment;
  return toJson({ type: 'feedback', id, feedback }, 'feedback') as unknown as TicketEvent;
}

/** Applies a change event to a ticket, returning a new ticket (the input is not modified). */
export function applyTicketEvent(ticket: ComplaintTicket, event: TicketEvent): ComplaintTicket {
  switch (event.type) {
    case 'created':
      return event.ticket;
    case 'status': {
      const next: ComplaintTicket = {
        ...ticket,
        status: event.change.status,
        statusHistory: [...ticket.statusHistory, event.change],
      };
      if (event.result !== undefined) next.result = event.result;
      return next;
    }
    case 'handling':
      return { ...ticket, handling: [...ticket.handling, event.entry] };
    case 'feedback':
      return { ...ticket, feedback: event.feedback };
  }
}

export function matchesTicketFilter(ticket: ComplaintTicket, filter?: TicketFilter): boolean {
  if (filter?.status !== undefined && ticket.status !== filter.status) return false;
  if (filter?.conversationId !== undefined && ticket.conversationId !== filter.conversationId) {
    return false;
  }
  return true;
}
