// The statistics and the conversation index in memory: for tests and `csbot chat`, and the
// working set the file store keeps on top of its journal. Values round-trip through JSON so a
// summary that Redis or a file could not hold fails here too.
import type {
  ConversationIndex,
  ConversationPage,
  ConversationQuery,
  ConversationSummary,
  DayCounters,
  StatisticsStore,
} from './types.ts';

export class MemoryStatisticsStore implements StatisticsStore {
  private readonly days = new Map<string, DayCounters>();
  private readonly items = new Map<string, { day: string; fields: string[] }>();

  async add(day: string, amounts: DayCounters): Promise<void> {
    this.apply(day, amounts);
  }

  async contribute(item: string, day: string, fields: readonly string[]): Promise<void> {
    this.replaceContribution(item, day, fields);
  }

  async read(from: string, to: string): Promise<Map<string, DayCounters>> {
    const out = new Map<string, DayCounters>();
    for (const [day, counters] of this.days) {
      if (day >= from && day <= to && Object.keys(counters).length > 0)
        out.set(day, { ...counters });
    }
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** Synchronous core, shared with the file store's journal replay. */
  apply(day: string, amounts: DayCounters): void {
    const counters = this.days.get(day) ?? {};
    for (const [field, amount] of Object.entries(amounts)) {
      if (!Number.isFinite(amount) || amount === 0) continue;
      const next = (counters[field] ?? 0) + amount;
      if (next === 0) delete counters[field];
      else counters[field] = next;
    }
    this.days.set(day, counters);
  }

  replaceContribution(item: string, day: string, fields: readonly string[]): void {
    const before = this.items.get(item);
    if (before) this.apply(before.day, Object.fromEntries(before.fields.map((f) => [f, -1])));
    if (fields.length === 0) {
      this.items.delete(item);
      return;
    }
    this.apply(day, countEach(fields));
    this.items.set(item, { day, fields: [...fields] });
  }

  /** An item whose contribution the day totals already hold (a compacted journal). */
  restoreContribution(item: string, day: string, fields: readonly string[]): void {
    this.items.set(item, { day, fields: [...fields] });
  }

  allDays(): IterableIterator<[string, DayCounters]> {
    return this.days.entries();
  }

  allItems(): IterableIterator<[string, { day: string; fields: string[] }]> {
    return this.items.entries();
  }
}

export function countEach(fields: readonly string[]): DayCounters {
  const out: DayCounters = {};
  for (const f of fields) out[f] = (out[f] ?? 0) + 1;
  return out;
}

export class MemoryConversationIndex implements ConversationIndex {
  private readonly summaries = new Map<string, ConversationSummary>();

  async get(ref: string): Promise<ConversationSummary | null> {
    const summary = this.summaries.get(ref);
    return summary === undefined ? null : copy(summary);
  }

  async put(summary: ConversationSummary): Promise<void> {
    this.store(summary);
  }

  store(summary: ConversationSummary): void {
    // Re-inserting moves the conversation to the end: the map stays ordered by latest message
    // as long as updates arrive in time order, which keeps the newest-first scan cheap.
    this.summaries.delete(summary.ref);
    this.summaries.set(summary.ref, copy(summary));
  }

  async search(query: ConversationQuery): Promise<ConversationPage> {
    const page = searchSummaries(this.summaries.values(), query);
    return { ...page, items: page.items.map(copy) };
  }

  all(): IterableIterator<ConversationSummary> {
    return this.summaries.values();
  }
}

/** The search rules, shared by the stores that filter in process. */
export function searchSummaries(
  summaries: Iterable<ConversationSummary>,
  query: ConversationQuery,
): ConversationPage {
  const words = query.words ?? [];
  // Times are all toISOString() output, so string order is time order (no parsing per item).
  const from = query.fromMs !== undefined ? new Date(query.fromMs).toISOString() : null;
  const to = query.toMs !== undefined ? new Date(query.toMs).toISOString() : null;
  const matching = [...summaries].filter((s) => {
    if (from !== null && s.lastAt < from) return false;
    if (to !== null && s.lastAt > to) return false;
    if (query.channel !== undefined && s.channel !== query.channel) return false;
    if (query.topic !== undefined && !s.topics.includes(query.topic)) return false;
    if (query.ticket !== undefined && !s.ticketIds.includes(query.ticket)) return false;
    return words.every((w) => s.words.includes(w));
  });
  matching.sort(newestFirst);
  const items = matching.slice(query.offset, query.offset + query.limit);
  const end = query.offset + items.length;
  return { items, next: end < matching.length ? end : null };
}

export function newestFirst(a: ConversationSummary, b: ConversationSummary): number {
  if (a.lastAt !== b.lastAt) return a.lastAt < b.lastAt ? 1 : -1;
  // Ties in the same order as Redis's reversed sorted set: the larger reference first.
  return a.ref < b.ref ? 1 : a.ref > b.ref ? -1 : 0;
}

const copy = (summary: ConversationSummary): ConversationSummary =>
  JSON.parse(JSON.stringify(summary)) as ConversationSummary;
