// The console's overview, computed from the per-day counters of a date range (a few dozen hash
// reads, whatever the number of conversations behind them).
import { FIELD, WAIT_BUCKETS_MS } from './counters.ts';
import { daysBetween } from './redis.ts';
import type { DayCounters, StatisticsStore } from './types.ts';

export interface Overview {
  range: { from: string; to: string };
  conversationsByDay: { day: string; channel: string; count: number }[];
  containment: { conversations: number; withoutHuman: number; share: number | null };
  fallbackRate: number | null;
  handoffRate: number | null;
  handoffWait: { medianMs: number | null; p90Ms: number | null; abandoned: number };
  satisfaction: {
    distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
    trend: { day: string; average: number; count: number }[];
  };
  complaints: {
    byCategory: Record<string, number>;
    byDepartment: Record<string, number>;
    byStatus: Record<string, number>;
  };
  answeredInTimeShare: number | null;
  topTopics: { topic: string; count: number }[];
  topQuestions: { id: string; count: number }[];
  notUnderstoodTrend: { day: string; share: number }[];
  alerts: { category: string; recent: number; baseline: number; message: string }[];
}

export const TOP_LIST_SIZE = 10;
/** Early warning: the last 7 days against the weekly level of the 28 days before them. */
export const ALERT_RECENT_DAYS = 7;
export const ALERT_BASELINE_DAYS = 28;
export const ALERT_MIN_RECENT = 3;

export function complaintAlert(recent: number, baseline: number): boolean {
  return recent >= ALERT_MIN_RECENT && recent >= 2 * baseline + 2;
}

const share = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Sums of the counters over the given days, optionally only the fields with a prefix. */
function sum(days: DayCounters[], prefix = ''): Map<string, number> {
  const out = new Map<string, number>();
  for (const counters of days)
    for (const [field, n] of Object.entries(counters))
      if (field.startsWith(prefix)) out.set(field, (out.get(field) ?? 0) + n);
  return out;
}

function byPrefix(totals: Map<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [field, n] of totals)
    if (field.startsWith(prefix) && n !== 0) out[field.slice(prefix.length)] = n;
  return out;
}

function top(totals: Map<string, number>, prefix: string): [string, number][] {
  return Object.entries(byPrefix(totals, prefix))
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, TOP_LIST_SIZE);
}

/** The wait below which `quantile` of the waits fall, to the upper bound of its bucket. */
function waitQuantile(histogram: number[], quantile: number): number | null {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil(quantile * total);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] ?? 0;
    // The open last bucket is reported at its lower bound: "at least this long".
    if (seen >= rank) return WAIT_BUCKETS_MS[i] ?? WAIT_BUCKETS_MS.at(-1) ?? null;
  }
  return null;
}

export async function computeOverview(
  statistics: StatisticsStore,
  range: { from: string; to: string },
  today: string,
): Promise<Overview> {
  const alertFrom = addDays(range.to, -(ALERT_RECENT_DAYS + ALERT_BASELINE_DAYS - 1));
  const read = await statistics.read(alertFrom < range.from ? alertFrom : range.from, range.to);
  const inRange = daysBetween(range.from, range.to).flatMap((day) => {
    const counters = read.get(day);
    return counters ? [[day, counters] as const] : [];
  });
  const totals = sum(inRange.map(([, c]) => c));
  const total = (field: string) => totals.get(field) ?? 0;

  const conversationsByDay = inRange.flatMap(([day, counters]) =>
    Object.entries(counters)
      .filter(([field, n]) => field.startsWith('conv:') && n > 0)
      .map(([field, count]) => ({ day, channel: field.slice('conv:'.length), count }))
      .sort((a, b) => (a.channel < b.channel ? -1 : 1)),
  );
  const conversations = conversationsByDay.reduce((a, r) => a + r.count, 0);
  const withoutHuman = Math.max(0, conversations - total(FIELD.human));

  const histogram = WAIT_BUCKETS_MS.map((_, i) => total(FIELD.wait(i)));
  histogram.push(total(FIELD.wait(WAIT_BUCKETS_MS.length)));

  const distribution = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  for (const score of [1, 2, 3, 4, 5] as const)
    distribution[`${score}`] = total(FIELD.survey(score));
  const trend = inRange.flatMap(([day, counters]) => {
    let count = 0;
    let points = 0;
    for (let score = 1; score <= 5; score++) {
      const n = counters[FIELD.survey(score)] ?? 0;
      count += n;
      points += n * score;
    }
    return count > 0 ? [{ day, average: Math.round((points / count) * 100) / 100, count }] : [];
  });

  const inTime = total(FIELD.dueInTime);
  const pastDue = [...totals]
    .filter(([field]) => field.startsWith('due:open:') && field.slice('due:open:'.length) < today)
    .reduce((a, [, n]) => a + n, 0);
  const decided = inTime + total(FIELD.dueLate) + pastDue;

  const recentFrom = addDays(range.to, -(ALERT_RECENT_DAYS - 1));
  const windowDays = (from: string, to: string) =>
    daysBetween(from, to).flatMap((day) => (read.get(day) ? [read.get(day) as DayCounters] : []));
  const recent = byPrefix(sum(windowDays(recentFrom, range.to), 'cat:'), 'cat:');
  const before = byPrefix(sum(windowDays(alertFrom, addDays(recentFrom, -1)), 'cat:'), 'cat:');
  const alerts = Object.entries(recent)
    .map(([category, n]) => ({ category, recent: n, baseline: (before[category] ?? 0) / 4 }))
    .filter((a) => complaintAlert(a.recent, a.baseline))
    .sort((a, b) => b.recent - a.recent)
    .map((a) => ({
      ...a,
      message: `「${a.category}」类投诉近7天${a.recent}件，此前四周平均每周${a.baseline}件，明显上升，请关注。`,
    }));

  return {
    range,
    conversationsByDay,
    containment: { conversations, withoutHuman, share: share(withoutHuman, conversations) },
    fallbackRate: share(total(FIELD.fallback), total(FIELD.turns)),
    handoffRate: share(total(FIELD.handoffs), conversations),
    handoffWait: {
      medianMs: waitQuantile(histogram, 0.5),
      p90Ms: waitQuantile(histogram, 0.9),
      abandoned: Math.max(0, total(FIELD.leftQueue) - total(FIELD.taken)),
    },
    satisfaction: { distribution, trend },
    complaints: {
      byCategory: byPrefix(totals, 'cat:'),
      byDepartment: byPrefix(totals, 'dept:'),
      byStatus: byPrefix(totals, 'status:'),
    },
    answeredInTimeShare: share(inTime, decided),
    topTopics: top(totals, 'topic:').map(([topic, count]) => ({ topic, count })),
    topQuestions: top(totals, 'question:').map(([id, count]) => ({ id, count })),
    notUnderstoodTrend: inRange.flatMap(([day, c]) => {
      const turns = c[FIELD.turns] ?? 0;
      const missed = (c[FIELD.fallback] ?? 0) + (c[FIELD.lowConfidence] ?? 0);
      return turns > 0 ? [{ day, share: share(missed, turns) ?? 0 }] : [];
    }),
    alerts,
  };
}
