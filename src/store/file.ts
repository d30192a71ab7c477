// Append-only JSONL files: the embedded default for transcripts and tickets, so a single-instance
// install keeps every recorded line and complaint across restarts without Redis.
//   <dataDir>/transcripts/<readable-name>-<hash>.jsonl   one line per transcript entry
//   <dataDir>/tickets.jsonl                              ticket events, replayed on start
// One process owns a data directory; several instances need the Redis stores.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  appendDurably,
  defaultWarn,
  ensureWritableDir,
  PRIVATE_FILE_MODE,
  readJsonl,
  tighten,
  type Warn,
} from './durable-file.ts';
import { decodeJson, encodeJson } from './json.ts';
import { BoundedMap } from './bounded-map.ts';
import { KeyedSerialQueues } from './keyed-queues.ts';
import { MemoryTicketStore, type Clock } from './memory.ts';
import {
  afterSeqOf,
  listLimitOf,
  prepareTranscriptBatch,
  requireConversationId,
  withSeq,
} from './records.ts';
import type {
  FeedbackInput,
  HandlingInput,
  StatusChangeInput,
  TicketEvent,
  TicketFilter,
} from './ticket-log.ts';
import type {
  ComplaintTicket,
  NewComplaintTicket,
  NewTranscriptEntry,
  StoreHealth,
  TicketChangeInput,
  TicketStore,
  TranscriptEntry,
  TranscriptListOptions,
  TranscriptStore,
} from './types.ts';

export type { Warn } from './durable-file.ts';

export interface FileStoreOptions {
  /** Directory holding the files; created when missing. */
  dataDir: string;
  clock?: Clock;
  /** Where skipped (corrupt or truncated) lines are reported. Defaults to console.warn. */
  warn?: Warn;
}

export interface FileTranscriptStoreOptions extends FileStoreOptions {
  /** How many conversations' transcripts stay cached in memory; others are re-read from disk. */
  cacheSize?: number;
  /** A cached transcript not used for this long is dropped (re-read from disk when needed). */
  cacheIdleMs?: number;
}

const DEFAULT_CACHE_IDLE_MS = 10 * 60_000;

/** Readable, collision-free file name for any conversation id (ids may hold '/', ':', '..'). */
export function transcriptFileName(conversationId: string): string {
  const readable = conversationId.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60);
  const hash = createHash('sha256').update(conversationId).digest('hex').slice(0, 16);
  return `${readable}-${hash}.jsonl`;
}

interface LoadedTranscript {
  /** Stored JSON lines in seq order. */
  lines: { seq: number; json: string }[];
  lastSeq: number;
  needsNewline: boolean;
  exists: boolean;
}

export class FileTranscriptStore implements TranscriptStore {
  private readonly cache: BoundedMap<LoadedTranscript>;
  private readonly queues = new KeyedSerialQueues();
  private readonly dir: string;
  private readonly warn: Warn;

  private constructor(options: FileTranscriptStoreOptions) {
    this.dir = join(options.dataDir, 'transcripts');
    this.warn = options.warn ?? defaultWarn;
    const idleMs = options.cacheIdleMs ?? DEFAULT_CACHE_IDLE_MS;
    this.cache = new BoundedMap({
      maxEntries: Math.max(1, options.cacheSize ?? 500),
      idleMs,
      sweepEveryMs: Math.min(60_000, idleMs),
    });
  }

  static async open(options: FileTranscriptStoreOptions): Promise<FileTranscriptStore> {
    const store = new FileTranscriptStore(options);
    await ensureWritableDir(store.dir);
    return store;
  }

  async append(entry: NewTranscriptEntry): Promise<TranscriptEntry> {
    const [stored] = await this.appendMany([entry]);
    return stored as TranscriptEntry;
  }

  async appendMany(entries: NewTranscriptEntry[]): Promise<TranscriptEntry[]> {
    const prepared = prepareTranscriptBatch(entries);
    if (prepared.length === 0) return [];
    return this.exclusive(prepared[0]?.conversationId, async (conversationId) => {
      const transcript = await this.loadTranscript(conversationId);
      const lines = prepared.map((entry, i) => {
        const seq = transcript.lastSeq + 1 + i;
        return { seq, json: JSON.stringify(withSeq(entry, seq)) };
      });
      const text = `${transcript.needsNewline ? '\n' : ''}${lines.map((l) => l.json).join('\n')}\n`;
      // One write and one fsync for the batch: the lines reach the disk together or not at all
      // as far as the caller knows (a torn tail is skipped with a warning on the next read).
      await appendDurably(this.pathOf(conversationId), text, !transcript.exists);
      transcript.lines.push(...lines);
      transcript.lastSeq += lines.length;
      transcript.needsNewline = false;
      transcript.exists = true;
      return lines.map((l) => decodeJson<TranscriptEntry>(l.json));
    });
  }

  async list(conversationId: string, options?: TranscriptListOptions): Promise<TranscriptEntry[]> {
    const after = afterSeqOf(options);
    const limit = listLimitOf(options);
    return this.exclusive(conversationId, async (id) => {
      const transcript = await this.loadTranscript(id);
      return transcript.lines
        .filter((line) => line.seq > after)
        .slice(0, limit)
        .map((line) => decodeJson<TranscriptEntry>(line.json));
    });
  }

  /** Resolves once every append already started has reached the disk. */
  async flush(): Promise<void> {
    await this.queues.idle();
  }

  private pathOf(conversationId: string): string {
    return join(this.dir, transcriptFileName(conversationId));
  }

  // Per-conversation queue: seq is assigned and written in order, and reads never see half a line.
  private async exclusive<T>(
    conversationId: unknown,
    task: (conversationId: string) => Promise<T>,
  ): Promise<T> {
    const id = requireConversationId(conversationId);
    return this.queues.run(id, () => task(id));
  }

  private async loadTranscript(conversationId: string): Promise<LoadedTranscript> {
    const cached = this.cache.get(conversationId);
    if (cached) return cached;
    const path = this.pathOf(conversationId);
    const content = await readJsonl(path, this.warn);
    const lines: LoadedTranscript['lines'] = [];
    let lastSeq = 0;
    for (const { value, line } of content.records) {
      const entry = value as Partial<TranscriptEntry> | null;
      if (
        typeof entry !== 'object' ||
        entry === null ||
        entry.conversationId !== conversationId ||
        typeof entry.seq !== 'number' ||
        entry.seq <= lastSeq
      ) {
        this.warn(
          `${path}:${line}: skipped a line that is not the next entry of ${conversationId}`,
        );
        continue;
      }
      lines.push({ seq: entry.seq, json: JSON.stringify(entry) });
      lastSeq = entry.seq;
    }
    const loaded = { lines, lastSeq, needsNewline: content.needsNewline, exists: content.exists };
    this.cache.set(conversationId, loaded);
    return loaded;
  }
}

/**
 * Tickets as an append-only event log (`tickets.jsonl`): the in-memory ticket store with every
 * change fsynced to the log before it takes effect, and the log replayed on open.
 */
export class FileTicketStore implements TicketStore {
  private readonly path: string;
  private readonly tickets: MemoryTicketStore;
  private needsNewline = false;
  private exists = false;

  private constructor(private readonly options: FileStoreOptions) {
    this.path = join(options.dataDir, 'tickets.jsonl');
    this.tickets = new MemoryTicketStore({
      ...(options.clock ? { clock: options.clock } : {}),
      journal: { record: (event) => this.append(event) },
    });
  }

  /** Opens the log and replays it; corrupt lines are skipped with a warning, never fatal. */
  static async open(options: FileStoreOptions): Promise<FileTicketStore> {
    const store = new FileTicketStore(options);
    await ensureWritableDir(options.dataDir);
    await tighten(store.path, PRIVATE_FILE_MODE);
    await store.replay();
    return store;
  }

  create(ticket: NewComplaintTicket, by: string): Promise<ComplaintTicket> {
    return this.tickets.create(ticket, by);
  }

  get(id: string): Promise<ComplaintTicket | null> {
    return this.tickets.get(id);
  }

  list(filter?: TicketFilter): Promise<ComplaintTicket[]> {
    return this.tickets.list(filter);
  }

  setStatus(id: string, change: StatusChangeInput): Promise<ComplaintTicket> {
    return this.tickets.setStatus(id, change);
  }

  addHandling(id: string, entry: HandlingInput): Promise<ComplaintTicket> {
    return this.tickets.addHandling(id, entry);
  }

  setFeedback(id: string, feedback: FeedbackInput): Promise<ComplaintTicket> {
    return this.tickets.setFeedback(id, feedback);
  }

  change(id: string, change: TicketChangeInput): Promise<ComplaintTicket> {
    return this.tickets.change(id, change);
  }

  /** Resolves once every write already started has reached the disk. */
  flush(): Promise<void> {
    return this.tickets.flush();
  }

  private async append(event: TicketEvent): Promise<void> {
    const json = encodeJson(event, 'event');
    await appendDurably(this.path, `${this.needsNewline ? '\n' : ''}${json}\n`, !this.exists);
    this.needsNewline = false;
    this.exists = true;
  }

  private async replay(): Promise<void> {
    const warn = this.options.warn ?? defaultWarn;
    const content = await readJsonl(this.path, warn);
    this.needsNewline = content.needsNewline;
    this.exists = content.exists;
    for (const { value, line } of content.records) {
      const problem = this.tickets.replay(value);
      if (problem) warn(`${this.path}:${line}: skipped event, ${problem}`);
    }
  }
}

/** Healthy while the data directory can be written. */
export function fileStoreHealth(dataDir: string): StoreHealth {
  return {
    async ping() {
      try {
        await access(dataDir, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
}
