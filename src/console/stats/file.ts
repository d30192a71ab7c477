// The embedded default: the statistics and the conversation index live in memory and every
// change is journaled to a JSONL file before it resolves, replayed (and compacted) on start.
//   <dataDir>/console/statistics.jsonl     counter additions and ticket contributions
//   <dataDir>/console/conversations.jsonl  the latest summary of each conversation (last wins)
// Writes that arrive while a disk sync is in flight are written together by the next one, so
// a busy service costs one fsync per batch rather than one per turn. One process owns the folder.
import { join } from 'node:path';
import {
  appendDurably,
  defaultWarn,
  ensureWritableDir,
  readJsonl,
  replaceDurably,
  type Warn,
} from '../../store/durable-file.ts';
import { MemoryConversationIndex, MemoryStatisticsStore } from './memory.ts';
import type {
  ConsoleStores,
  ConversationIndex,
  ConversationPage,
  ConversationQuery,
  ConversationSummary,
  DayCounters,
  StatisticsStore,
} from './types.ts';

/** Appends lines durably, batching the lines that queue up during a sync into one write. */
class GroupCommitJournal {
  private waiting: { line: string; done: (error?: unknown) => void }[] = [];
  private writing: Promise<void> | null = null;

  constructor(
    private readonly path: string,
    private exists: boolean,
    private needsNewline: boolean,
  ) {}

  write(record: unknown): Promise<void> {
    const line = JSON.stringify(record);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ line, done: (error) => (error ? reject(error) : resolve()) });
      this.writing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      const text = `${this.needsNewline ? '\n' : ''}${batch.map((b) => b.line).join('\n')}\n`;
      try {
        await appendDurably(this.path, text, !this.exists);
        this.exists = true;
        this.needsNewline = false;
        for (const b of batch) b.done();
      } catch (error) {
        for (const b of batch) b.done(error);
      }
    }
    this.writing = null;
  }

  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }
}

type StatisticsRecord =
  | { d: string; a: DayCounters }
  | { i: string; d: string; f: string[] }
  /** Compaction snapshot: a day's totals, and an item's contribution already in those totals. */
  | { s: string; c: DayCounters }
  | { q: string; d: string; f: string[] };

export class FileStatisticsStore implements StatisticsStore {
  private constructor(
    private readonly memory: MemoryStatisticsStore,
    private readonly journal: GroupCommitJournal,
  ) {}

  static async open(options: { dataDir: string; warn?: Warn }): Promise<FileStatisticsStore> {
    const dir = join(options.dataDir, 'console');
    await ensureWritableDir(dir);
    const path = join(dir, 'statistics.jsonl');
    const content = await readJsonl(path, options.warn ?? defaultWarn);
    const memory = new MemoryStatisticsStore();
    for (const { value } of content.records) {
      const r = value as Partial<Record<'d' | 'i' | 's' | 'q', string>> & {
        a?: DayCounters;
        c?: DayCounters;
        f?: string[];
      };
      if (r.s !== undefined && r.c) memory.apply(r.s, r.c);
      else if (r.q !== undefined && r.d !== undefined && r.f)
        memory.restoreContribution(r.q, r.d, r.f);
      else if (r.i !== undefined && r.d !== undefined && r.f)
        memory.replaceContribution(r.i, r.d, r.f);
      else if (r.d !== undefined && r.a) memory.apply(r.d, r.a);
    }
    // The journal grows by a line per change; a restart folds it into one line per day and item.
    const snapshot: StatisticsRecord[] = [
      ...[...memory.allDays()].map(([s, c]) => ({ s, c })),
      ...[...memory.allItems()].map(([q, { day, fields }]) => ({ q, d: day, f: fields })),
    ];
    if (content.records.length > snapshot.length) {
      await replaceDurably(path, snapshot.map((r) => `${JSON.stringify(r)}\n`).join(''));
      return new FileStatisticsStore(memory, new GroupCommitJournal(path, true, false));
    }
    return new FileStatisticsStore(
      memory,
      new GroupCommitJournal(path, content.exists, content.needsNewline),
    );
  }

  async add(day: string, amounts: DayCounters): Promise<void> {
    this.memory.apply(day, amounts);
    await this.journal.write({ d: day, a: amounts } satisfies StatisticsRecord);
  }

  async contribute(item: string, day: string, fields: readonly string[]): Promise<void> {
    this.memory.replaceContribution(item, day, fields);
    await this.journal.write({ i: item, d: day, f: [...fields] } satisfies StatisticsRecord);
  }

  read(from: string, to: string): Promise<Map<string, DayCounters>> {
    return this.memory.read(from, to);
  }

  flush(): Promise<void> {
    return this.journal.idle();
  }
}

export class FileConversationIndex implements ConversationIndex {
  private constructor(
    private readonly memory: MemoryConversationIndex,
    private readonly journal: GroupCommitJournal,
  ) {}

  static async open(options: { dataDir: string; warn?: Warn }): Promise<FileConversationIndex> {
    const dir = join(options.dataDir, 'console');
    await ensureWritableDir(dir);
    const path = join(dir, 'conversations.jsonl');
    const content = await readJsonl(path, options.warn ?? defaultWarn);
    const memory = new MemoryConversationIndex();
    let live = 0;
    for (const { value } of content.records) {
      const summary = value as ConversationSummary;
      if (typeof summary?.ref === 'string' && typeof summary.lastAt === 'string') {
        memory.store(summary);
      }
    }
    for (const _ of memory.all()) live += 1;
    if (content.records.length > 2 * live) {
      const lines = [...memory.all()].map((s) => `${JSON.stringify(s)}\n`);
      await replaceDurably(path, lines.join(''));
      return new FileConversationIndex(memory, new GroupCommitJournal(path, true, false));
    }
    return new FileConversationIndex(
      memory,
      new GroupCommitJournal(path, content.exists, content.needsNewline),
    );
  }

  get(ref: string): Promise<ConversationSummary | null> {
    return this.memory.get(ref);
  }

  async put(summary: ConversationSummary): Promise<void> {
    this.memory.store(summary);
    await this.journal.write(summary);
  }

  search(query: ConversationQuery): Promise<ConversationPage> {
    return this.memory.search(query);
  }

  flush(): Promise<void> {
    return this.journal.idle();
  }
}

export async function openFileConsoleStores(options: {
  dataDir: string;
  warn?: Warn;
}): Promise<ConsoleStores> {
  const [statistics, conversations] = await Promise.all([
    FileStatisticsStore.open(options),
    FileConversationIndex.open(options),
  ]);
  return {
    statistics,
    conversations,
    close: async () => {
      await Promise.all([statistics.flush(), conversations.flush()]);
    },
  };
}
