// Keeps transcript lines while Redis is unavailable and replays them, in order, when it answers
// again: a customer who wrote during an outage is told the system is busy, and what they wrote is
// still in the record. Spooled lines are fsynced to a local file (when a folder is given), so a
// crash during the outage does not lose them either; each carries `data.spoolId`, which the Redis
// store uses to write it at most once however often a replay is retried.
//   <dir>/transcript-spool.jsonl   {"add":{"id","entry"}} and {"done":[ids]} records
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  appendDurably,
  defaultWarn,
  ensureWritableDir,
  readJsonl,
  replaceDurably,
  type Warn,
} from './durable-file.ts';
import { StoreUnavailableError } from './errors.ts';
import { KeyedSerialQueues } from './keyed-queues.ts';
import { afterSeqOf, prepareTranscriptBatch, requireConversationId, withSeq } from './records.ts';
import type { NewTranscriptEntry, TranscriptEntry, TranscriptStore } from './types.ts';

export interface TranscriptSpoolOptions {
  /** Folder of the spool file; without one the spool lives in memory (outlives an outage, not a crash). */
  dir?: string;
  /** Most lines held; beyond it a line cannot be kept and its append fails. Default 10,000. */
  maxLines?: number;
  /** Most bytes of line text held. Default 16 MB. */
  maxBytes?: number;
  /** Calls back when the backing store is reachable again; returns an unsubscribe function. */
  whenAvailable?: (listener: () => void) => () => void;
  /** How often to retry a replay while lines are waiting. Default 5 s. */
  retryEveryMs?: number;
  warn?: Warn;
}

interface SpooledLine {
  id: string;
  entry: NewTranscriptEntry;
  bytes: number;
}

const SPOOL_FILE = 'transcript-spool.jsonl';

function isOutage(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'STORE_UNAVAILABLE';
}

export class SpoolingTranscriptStore implements TranscriptStore {
  private readonly pending = new Map<string, SpooledLine[]>();
  private readonly queues = new KeyedSerialQueues();
  private readonly path: string | null;
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly warn: Warn;
  private lines = 0;
  private bytes = 0;
  private fileExists = false;
  private needsNewline = false;
  private replaying: Promise<number> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly retryEveryMs: number;
  private unsubscribe: (() => void) | null = null;

  private constructor(
    private readonly inner: TranscriptStore,
    options: TranscriptSpoolOptions,
  ) {
    this.path = options.dir ? join(options.dir, SPOOL_FILE) : null;
    this.maxLines = options.maxLines ?? 10_000;
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    this.retryEveryMs = options.retryEveryMs ?? 5000;
    this.warn = options.warn ?? defaultWarn;
    this.unsubscribe = options.whenAvailable?.(() => void this.replay()) ?? null;
  }

  /** Wraps `inner`, reading back lines a previous process spooled but never replayed. */
  static async open(
    inner: TranscriptStore,
    options: TranscriptSpoolOptions = {},
  ): Promise<SpoolingTranscriptStore> {
    const store = new SpoolingTranscriptStore(inner, options);
    if (options.dir) {
      await ensureWritableDir(options.dir);
      await store.load();
    }
    if (store.lines > 0) {
      store.warn(
        `${store.lines} transcript line(s) from before a restart wait in the outage spool`,
      );
      store.scheduleRetry();
    }
    return store;
  }

  /** How many lines wait to be written to the transcript. */
  get pendingLines(): number {
    return this.lines;
  }

  async append(entry: NewTranscriptEntry): Promise<TranscriptEntry> {
    const [stored] = await this.appendMany([entry]);
    return stored as TranscriptEntry;
  }

  /**
   * Writes through to the store; when it is unavailable the lines are spooled instead and come
   * back with seq 0 (they are numbered when replayed). Lines of a conversation with spooled lines
   * wait behind them, so the transcript keeps the order things were said.
   */
  async appendMany(entries: NewTranscriptEntry[]): Promise<TranscriptEntry[]> {
    const prepared = prepareTranscriptBatch(entries);
    if (prepared.length === 0) return [];
    return this.exclusive(prepared[0]!.conversationId, async (conversationId) => {
      if (this.pending.has(conversationId)) await this.drain(conversationId).catch(() => 0);
      if (!this.pending.has(conversationId)) {
        try {
          return await this.inner.appendMany(prepared);
        } catch (error) {
          if (!isOutage(error)) throw error;
        }
      }
      return this.spool(conversationId, prepared);
    });
  }

  /** Replays this conversation's spooled lines first, so a reader never sees a gap closing later. */
  async list(conversationId: string, options?: { afterSeq?: number }): Promise<TranscriptEntry[]> {
    afterSeqOf(options);
    return this.exclusive(requireConversationId(conversationId), async (id) => {
      if (this.pending.has(id)) await this.drain(id).catch(() => 0);
      return this.inner.list(id, options);
    });
  }

  /** Writes every spooled line to the store, conversation by conversation; stops at an outage. */
  replay(): Promise<number> {
    if (this.replaying) return this.replaying;
    this.replaying = (async () => {
      let written = 0;
      try {
        for (const conversationId of [...this.pending.keys()]) {
          written += await this.exclusive(conversationId, (id) => this.drain(id));
        }
      } catch (error) {
        if (!isOutage(error)) this.warn(`replaying the outage spool failed: ${String(error)}`);
      } finally {
        this.replaying = null;
      }
      if (written > 0) this.warn(`replayed ${written} spooled transcript line(s)`);
      if (this.lines > 0) this.scheduleRetry();
      return written;
    })();
    return this.replaying;
  }

  /** Stops retrying (spooled lines stay on disk for the next start). */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.replaying?.catch(() => 0);
    await this.queues.idle();
  }

  private async spool(
    conversationId: string,
    prepared: NewTranscriptEntry[],
  ): Promise<TranscriptEntry[]> {
    const lines = prepared.map((entry) => {
      const id = randomUUID();
      const spooled = { ...entry, data: { ...entry.data, spoolId: id } };
      return { id, entry: spooled, bytes: Buffer.byteLength(JSON.stringify(spooled)) };
    });
    const bytes = lines.reduce((sum, line) => sum + line.bytes, 0);
    if (this.lines + lines.length > this.maxLines || this.bytes + bytes > this.maxBytes) {
      throw new StoreUnavailableError(
        `transcript store unavailable and the outage spool is full (${this.lines} lines)`,
      );
    }
    await this.record(lines.map((line) => ({ add: { id: line.id, entry: line.entry } })));
    const queue = this.pending.get(conversationId) ?? [];
    if (queue.length === 0) this.pending.set(conversationId, queue);
    queue.push(...lines);
    if (this.lines === 0)
      this.warn('transcript store unavailable: keeping lines in the outage spool');
    this.lines += lines.length;
    this.bytes += bytes;
    this.scheduleRetry();
    return lines.map((line) => withSeq(line.entry, 0));
  }

  /** Writes one conversation's spooled lines (the caller holds its queue). */
  private async drain(conversationId: string): Promise<number> {
    const lines = this.pending.get(conversationId);
    if (!lines || lines.length === 0) return 0;
    await this.inner.appendMany(lines.map((line) => line.entry));
    await this.record([{ done: lines.map((line) => line.id) }]);
    this.pending.delete(conversationId);
    this.lines -= lines.length;
    this.bytes -= lines.reduce((sum, line) => sum + line.bytes, 0);
    if (this.lines === 0) await this.compact();
    return lines.length;
  }

  private async record(records: object[]): Promise<void> {
    if (!this.path) return;
    const text = `${this.needsNewline ? '\n' : ''}${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    await appendDurably(this.path, text, !this.fileExists);
    this.fileExists = true;
    this.needsNewline = false;
  }

  /** Nothing left to replay: the file starts empty again instead of growing with every outage. */
  private async compact(): Promise<void> {
    if (!this.path || !this.fileExists) return;
    await replaceDurably(this.path, '');
  }

  private async load(): Promise<void> {
    if (!this.path) return;
    const content = await readJsonl(this.path, this.warn);
    this.fileExists = content.exists;
    this.needsNewline = content.needsNewline;
    const byId = new Map<string, SpooledLine>();
    for (const { value } of content.records) {
      const record = value as { add?: { id?: unknown; entry?: unknown }; done?: unknown } | null;
      if (typeof record?.add?.id === 'string' && typeof record.add.entry === 'object') {
        const entry = record.add.entry as NewTranscriptEntry;
        byId.set(record.add.id, { id: record.add.id, entry, bytes: JSON.stringify(entry).length });
      } else if (Array.isArray(record?.done)) {
        for (const id of record.done) if (typeof id === 'string') byId.delete(id);
      }
    }
    for (const line of byId.values()) {
      const conversationId = line.entry?.conversationId;
      if (typeof conversationId !== 'string' || conversationId === '') continue;
      const queue = this.pending.get(conversationId) ?? [];
      if (queue.length === 0) this.pending.set(conversationId, queue);
      queue.push(line);
      this.lines += 1;
      this.bytes += line.bytes;
    }
    if (this.lines === 0) await this.compact();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.lines === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.replay();
    }, this.retryEveryMs);
    this.retryTimer.unref();
  }

  private exclusive<T>(conversationId: string, task: (id: string) => Promise<T>): Promise<T> {
    return this.queues.run(conversationId, () => task(conversationId));
  }
}
