// Tickets change only through these events, so every store (memory, file log, Redis) builds the
// same ticket from the same calls, and the file store can replay its log after a restart.
import { StoreInputError, TicketConflictError } from './errors.ts';
import { toJson } from './json.ts';
import type {
  ComplaintTicket,
  NewComplaintTicket,
  TicketChangeInput,
  TicketFields,
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
  | { type: 'feedback'; id: string; feedback: TicketFeedback }
  | {
      type: 'change';
      id: string;
      expect?: TicketChangeInput['expect'];
      change?: TicketStatusChange;
      result?: string;
      set?: TicketFields;
      handling?: HandlingEntry[];
    };

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

const FIELD_KEYS: readonly (keyof TicketFields)[] = [
  'department',
  'cause',
  'improvement',
  'deskCard',
  'resultNotice',
  'resultFeedback',
  'reminders',
];

export function changeEvent(id: string, input: TicketChangeInput, now: Date): TicketEvent {
  if (typeof input !== 'object' || input === null) throw new StoreInputError('change is required');
  const event: Extract<TicketEvent, { type: 'change' }> = { type: 'change', id };
  if (input.expect !== undefined) {
    for (const status of input.expect.status ?? []) {
      if (!TICKET_STATUSES.includes(status))
        throw new StoreInputError(`unknown ticket status: ${String(status)}`);
    }
    event.expect = input.expect;
  }
  if (input.status !== undefined) {
    const status = statusEvent(id, input.status, now) as Extract<TicketEvent, { type: 'status' }>;
    event.change = status.change;
  }
  if (input.result !== undefined) event.result = requireText(input.result, 'change.result');
  if (input.set !== undefined) {
    for (const key of Object.keys(input.set)) {
      if (!FIELD_KEYS.includes(key as keyof TicketFields))
        throw new StoreInputError(`change.set: ${key} cannot be changed`);
    }
    event.set = input.set;
  }
  if (input.handling !== undefined) {
    event.handling = input.handling.map((h) => {
      const e = handlingEvent(id, h, now) as Extract<TicketEvent, { type: 'handling' }>;
      return e.entry;
    });
  }
  return toJson(event, 'change') as unknown as TicketEvent;
}

/** Throws TicketConflictError when a change's precondition does not hold for this ticket. */
export function checkTicketExpectation(
  ticket: ComplaintTicket,
  expect: TicketChangeInput['expect'],
): void {
  if (!expect) return;
  if (expect.status && !expect.status.includes(ticket.status)) {
    throw new TicketConflictError(ticket.id, `status is ${ticket.status}`);
  }
  if (expect.department !== undefined && (ticket.department ?? '') !== expect.department) {
    throw new TicketConflictError(ticket.id, `department is ${ticket.department ?? '(none)'}`);
  }
  if (expect.noDeskCard && ticket.deskCard !== undefined) {
    throw new TicketConflictError(ticket.id, 'a desk card exists already');
  }
  if (expect.reminderNotSent && ticket.reminders?.[expect.reminderNotSent] !== undefined) {
    throw new TicketConflictError(ticket.id, `the ${expect.reminderNotSent} reminder was sent`);
  }
}

/**
 * Applies a change event to a ticket, returning a new ticket (the input is not modified). A
 * `change` event whose precondition fails throws TicketConflictError, unless `replaying` (a log
 * read back holds only changes that passed when they were written).
 */
export function applyTicketEvent(
  ticket: ComplaintTicket,
  event: TicketEvent,
  options: { replaying?: boolean } = {},
): ComplaintTicket {
  switch (event.type) {
    case 'change': {
      if (!options.replaying) checkTicketExpectation(ticket, event.expect);
      const next: ComplaintTicket = { ...ticket, ...(event.set ?? {}) };
      if (event.change) {
        next.status = event.change.status;
        next.statusHistory = [...ticket.statusHistory, event.change];
      }
      if (event.result !== undefined) next.result = event.result;
      if (event.handling && event.handling.length > 0)
        next.handling = [...ticket.handling, ...event.handling];
      return next;
    }
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
