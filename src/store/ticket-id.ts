// Ticket ids customers can read out on the phone: TS20261123-0001 (complaint), CB...(callback).
import type { TicketKind } from './types.ts';

const PREFIX: Record<TicketKind, string> = { complaint: 'TS', callback: 'CB' };

// China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact.
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;

const TICKET_ID = /^(TS|CB)(\d{8})-(\d{4,})$/;

export function ticketIdPrefix(kind: TicketKind): string {
  return PREFIX[kind];
}

/** The calendar day in Asia/Shanghai as YYYYMMDD. */
export function shanghaiDate(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('shanghaiDate: invalid Date');
  const local = new Date(at.getTime() + SHANGHAI_OFFSET_MS);
  const y = String(local.getUTCFullYear()).padStart(4, '0');
  const m = String(local.getUTCMonth() + 1).padStart(2, '0');
  const d = String(local.getUTCDate()).padStart(2, '0');
  return `${y}${m}${d}`;
}

/** The counter scope of an id: one sequence per kind per Shanghai day, e.g. `TS20261123`. */
export function ticketDayKey(kind: TicketKind, at: Date): string {
  return `${PREFIX[kind]}${shanghaiDate(at)}`;
}

/** `seq` is 1-based; it widens past 9999 rather than wrapping so ids never repeat. */
export function formatTicketId(kind: TicketKind, at: Date, seq: number): string {
  if (!Number.isInteger(seq) || seq < 1)
    throw new RangeError(`ticket sequence must be >= 1: ${seq}`);
  return `${ticketDayKey(kind, at)}-${String(seq).padStart(4, '0')}`;
}

export interface ParsedTicketId {
  kind: TicketKind;
  /** YYYYMMDD in Asia/Shanghai. */
  date: string;
  seq: number;
  /** `TS20261123`: the counter scope this id was drawn from. */
  dayKey: string;
}

export function parseTicketId(id: string): ParsedTicketId | null {
  const match = TICKET_ID.exec(id);
  if (!match) return null;
  const [, prefix, date, seq] = match as unknown as [string, string, string, string];
  return {
    kind: prefix === 'TS' ? 'complaint' : 'callback',
    date,
    seq: Number(seq),
    dayKey: `${prefix}${date}`,
  };
}
