// The names of the per-day counters, and what a ticket counts for. One place, so the recorder
// that adds and the overview that reads can never disagree about a name.
import { answeredInTime } from '../../admin/ticket-report.ts';
import type { ChannelId } from '../../core/message.ts';
import { shanghaiDay } from '../../core/workdays.ts';
import type { ComplaintTicket } from '../../store/types.ts';

export const FIELD = {
  /** Conversations by the day of their first turn, per channel. */
  conversation: (channel: ChannelId | string) => `conv:${channel}`,
  /** Conversations (by their first day) that asked for a person at least once. */
  human: 'human',
  /** Customer turns the bot read. */
  turns: 'turns',
  /** Turns that fell to the fallback ladder. */
  fallback: 'fallback',
  /** Turns answered, but with a confidence below LOW_CONFIDENCE. */
  lowConfidence: 'lowconf',
  handoffs: 'handoffs',
  /** Handoffs an agent took from the queue (their waits are in the histogram). */
  taken: 'taken',
  /** Conversations that left the agent queue, taken or not. */
  leftQueue: 'left',
  wait: (bucket: number) => `wait:${bucket}`,
  survey: (score: number) => `survey:${score}`,
  topic: (intent: string) => `topic:${intent}`,
  question: (id: string) => `question:${id}`,
  complaint: 'complaint',
  category: (category: string) => `cat:${category}`,
  department: (department: string) => `dept:${department}`,
  status: (status: string) => `status:${status}`,
  dueInTime: 'due:in',
  dueLate: 'due:late',
  /** Not yet resolved; decides (late) once the due date has passed. */
  dueOpen: (dueDay: string) => `due:open:${dueDay}`,
} as const;

/** Answers with a confidence below this count as low-confidence (not understood) answers. */
export const LOW_CONFIDENCE = 0.65;

/**
 * Upper bounds (ms) of the handoff-wait histogram's buckets; the last bucket is open. Fixed
 * buckets keep the wait figures a few counters per day on any store.
 */
export const WAIT_BUCKETS_MS: readonly number[] = [
  10_000, 20_000, 30_000, 45_000, 60_000, 90_000, 120_000, 180_000, 240_000, 300_000, 420_000,
  600_000, 900_000, 1_200_000, 1_800_000, 2_700_000, 3_600_000, 7_200_000, 14_400_000,
];

export function waitBucket(waitMs: number): number {
  const i = WAIT_BUCKETS_MS.findIndex((bound) => waitMs <= bound);
  return i === -1 ? WAIT_BUCKETS_MS.length : i;
}

export const UNCATEGORISED = '未分类';
export const UNASSIGNED = '未分配';

/** What one ticket counts for, on the day it was registered; changes as the ticket moves. */
export function ticketContribution(ticket: ComplaintTicket): { day: string; fields: string[] } {
  const fields: string[] = [];
  if (ticket.kind === 'complaint') {
    fields.push(
      FIELD.complaint,
      FIELD.category(ticket.category ?? UNCATEGORISED),
      FIELD.department(ticket.department ?? UNASSIGNED),
      FIELD.status(ticket.status),
    );
  }
  if (ticket.replyDueBy) {
    // Decided by the first result; undecided ones are kept by due date and decide when it passes
    // (read with the clock at the epoch, the shared rule cannot yet call an open ticket late).
    const decided = answeredInTime(ticket, new Date(0));
    if (decided === true) fields.push(FIELD.dueInTime);
    else if (decided === false) fields.push(FIELD.dueLate);
    else fields.push(FIELD.dueOpen(ticket.replyDueBy));
  }
  return { day: shanghaiDay(new Date(ticket.createdAt)), fields };
}
