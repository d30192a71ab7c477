// One report of what the bot missed over a span of Shanghai days: the groups and the trend. The
// console's API and `csbot review` print the same report from the same store.
import { shanghaiDay, startOfShanghaiDay } from '../core/workdays.ts';
import {
  groupMissed,
  missedTrend,
  type GroupingContext,
  type GroupingOptions,
  type MissedGroup,
  type TrendPoint,
} from './missed-groups.ts';
import { daysBetween, type MissedStore } from './missed-store.ts';

export interface MissedReport {
  /** First and last Shanghai day covered, inclusive (YYYY-MM-DD). */
  from: string;
  to: string;
  /** Missed messages in the span, of both kinds. */
  total: number;
  notUnderstood: number;
  lowConfidence: number;
  /** Messages the bot read in the span. */
  read: number;
  groups: MissedGroup[];
  trend: TrendPoint[];
}

const DAY_MS = 86_400_000;

/** The span ending today that `--since 7d` / `24h` means, as Shanghai days. */
export function spanSince(
  since: string,
  now: Date,
): { ok: true; from: string; to: string } | { ok: false; message: string } {
  const m = /^(\d{1,3})(d|h)$/.exec(since.trim());
  if (!m) return { ok: false, message: `--since takes a span like 24h, 7d or 30d, not "${since}"` };
  const amount = Number(m[1]);
  const ms = amount * (m[2] === 'd' ? DAY_MS : 3_600_000);
  if (amount < 1 || ms > 366 * DAY_MS)
    return { ok: false, message: '--since must be between 1h and 366d' };
  // 7d is today and the six days before; 24h reaches back into yesterday.
  const back = m[2] === 'd' ? ms - DAY_MS : ms;
  return { ok: true, from: shanghaiDay(new Date(now.getTime() - back)), to: shanghaiDay(now) };
}

export async function missedReport(
  store: MissedStore,
  span: { from: string; to: string },
  context: GroupingContext,
  options: GroupingOptions = {},
): Promise<MissedReport> {
  const days = daysBetween(span.from, span.to);
  const messages = await store.list({
    from: startOfShanghaiDay(span.from).toISOString(),
    to: new Date(startOfShanghaiDay(span.to).getTime() + DAY_MS).toISOString(),
  });
  const tallies = await store.tallies(days[0]!, days[days.length - 1]!);
  const trend = missedTrend(tallies);
  return {
    from: span.from,
    to: span.to,
    total: messages.length,
    notUnderstood: messages.filter((m) => m.kind === 'not_understood').length,
    lowConfidence: messages.filter((m) => m.kind === 'low_confidence').length,
    read: tallies.reduce((n, t) => n + t.read, 0),
    groups: groupMissed(messages, context, options),
    trend,
  };
}
