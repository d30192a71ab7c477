// Conversation state on disk for the embedded default, so a restart resumes a complaint in progress
// instead of silently forgetting it. One small append-only file per conversation, fsynced before
// save() resolves (like the transcript files); the last intact line is the state. A file that
// grows past a few saves' worth is rewritten atomically to its last line.
//   <dataDir>/states/<readable-name>-<hash>.jsonl   {"v":version,"at":savedAtMs,"s":state}
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BoundedMap } from './bounded-map.ts';
import {
  appendDurably,
  defaultWarn,
  ensureWritableDir,
  readJsonl,
  replaceDurably,
  type Warn,
} from './durable-file.ts';
import { decodeJson } from './json.ts';
import { KeyedSerialQueues } from './keyed-queues.ts';
import { KeyedLock, requireTtl, type Clock } from './memory.ts';
import { DEFAULT_STATE_TTL_MS, prepareState, requireConversationId } from './records.ts';
import { transcriptFileName } from './file.ts';
import type {
  ConversationState,
  ConversationStateStore,
  SaveResult,
  VersionedState,
} from './types.ts';

export interface FileStateStoreOptions {
  dataDir: string;
  clock?: Clock;
  warn?: Warn;
  /** A conversation not saved for this long is forgotten (its file deleted). Default 7 days. */
  stateTtlMs?: number;
  /** How many states stay cached in memory; others are re-read from disk. Default 1000. */
  cacheSize?: number;
  /** A cached state not used for this long leaves memory (not the disk). Default 10 minutes. */
  cacheIdleMs?: number;
  /** How often expired files are deleted. Default hourly; 0 = only at open. */
  sweepEveryMs?: number;
  lockWaitMs?: (ttlMs: number) => number;
}

interface Stored {
  version: number;
  /** The state JSON as written. */
  json: string;
  savedAt: number;
  /** Size of the file, to know when to compact it. */
  bytes: number;
  needsNewline: boolean;
}

/** Rewrite a conversation's file to its last line once it is larger than this. */
const COMPACT_AT_BYTES = 64 * 1024;

export class FileStateStore implements ConversationStateStore {
  private readonly dir: string;
  private readonly clock: Clock;
  private readonly warn: Warn;
  private readonly ttlMs: number;
  private readonly cache: BoundedMap<Stored | null>;
  private readonly queues = new KeyedSerialQueues();
  private readonly locks: KeyedLock;
  private sweepTimer: NodeJS.Timeout | null = null;

  private constructor(options: FileStateStoreOptions) {
    this.dir = join(options.dataDir, 'states');
    this.clock = options.clock ?? (() => new Date());
    this.warn = options.warn ?? defaultWarn;
    this.ttlMs = Math.max(1, options.stateTtlMs ?? DEFAULT_STATE_TTL_MS);
    const idleMs = options.cacheIdleMs ?? 10 * 60_000;
    this.cache = new BoundedMap({
      maxEntries: Math.max(1, options.cacheSize ?? 1000),
      idleMs,
      sweepEveryMs: Math.min(60_000, idleMs),
    });
    this.locks = new KeyedLock(options.lockWaitMs);
  }

  static async open(options: FileStateStoreOptions): Promise<FileStateStore> {
    const store = new FileStateStore(options);
    await ensureWritableDir(store.dir);
    await store.sweepExpired();
    const every = options.sweepEveryMs ?? 3600_000;
    if (every > 0) {
      store.sweepTimer = setInterval(() => void store.sweepExpired(), every);
      store.sweepTimer.unref();
    }
    return store;
  }

  async load(conversationId: string): Promise<VersionedState | null> {
    return this.exclusive(conversationId, async (id) => {
      const stored = await this.current(id);
      if (!stored) return null;
      return { state: decodeJson<ConversationState>(stored.json), version: stored.version };
    });
  }

  async save(state: ConversationState, expectedVersion: number | null): Promise<SaveResult> {
    const prepared = prepareState(state);
    return this.exclusive(prepared.conversationId, async (id) => {
      const current = await this.current(id);
      if ((current?.version ?? null) !== expectedVersion) return { ok: false, reason: 'conflict' };
      const version = (current?.version ?? 0) + 1;
      const json = JSON.stringify(prepared);
      const savedAt = this.clock().getTime();
      const line = `{"v":${version},"at":${savedAt},"s":${json}}\n`;
      const path = this.pathOf(id);
      const lineBytes = Buffer.byteLength(line);
      let bytes: number;
      if (current && current.bytes + lineBytes > COMPACT_AT_BYTES) {
        await replaceDurably(path, line);
        bytes = lineBytes;
      } else {
        const text = `${current?.needsNewline ? '\n' : ''}${line}`;
        await appendDurably(path, text, !current);
        bytes = (current?.bytes ?? 0) + Buffer.byteLength(text);
      }
      this.cache.set(id, { version, json, savedAt, bytes, needsNewline: false });
      return { ok: true, version };
    });
  }

  async lock(conversationId: string, ttlMs: number): Promise<() => Promise<void>> {
    return this.locks.acquire(requireConversationId(conversationId), requireTtl(ttlMs));
  }

  /** Resolves once every save already started has reached the disk; stops the sweeper. */
  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    await this.queues.idle();
  }

  /** Deletes the files of conversations nobody saved within the TTL (by modification time). */
  async sweepExpired(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    const cutoff = Date.now() - this.ttlMs;
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith('.jsonl')) continue;
      const path = join(this.dir, name);
      try {
        if ((await stat(path)).mtimeMs < cutoff) {
          await unlink(path);
          removed += 1;
        }
      } catch {
        // Gone already, or being replaced: the next sweep looks again.
      }
    }
    return removed;
  }

  private pathOf(conversationId: string): string {
    return join(this.dir, transcriptFileName(conversationId));
  }

  /** The stored state from the cache or the disk; an expired one is deleted and reads as none. */
  private async current(conversationId: string): Promise<Stored | null> {
    let stored = this.cache.get(conversationId);
    if (stored === undefined) {
      stored = await this.read(conversationId);
      this.cache.set(conversationId, stored);
    }
    if (stored && this.clock().getTime() - stored.savedAt >= this.ttlMs) {
      await unlink(this.pathOf(conversationId)).catch(() => undefined);
      this.cache.set(conversationId, null);
      return null;
    }
    return stored;
  }

  private async read(conversationId: string): Promise<Stored | null> {
    const path = this.pathOf(conversationId);
    const content = await readJsonl(path, this.warn);
    let last: Stored | null = null;
    for (const { value, line } of content.records) {
      const record = value as { v?: unknown; at?: unknown; s?: unknown } | null;
      const state = record?.s as Partial<ConversationState> | undefined;
      if (
        typeof record?.v !== 'number' ||
        typeof record.at !== 'number' ||
        typeof state !== 'object' ||
        state === null ||
        state.conversationId !== conversationId
      ) {
        this.warn(`${path}:${line}: skipped a line that is not a state of ${conversationId}`);
        continue;
      }
      last = {
        version: record.v,
        json: JSON.stringify(state),
        savedAt: record.at,
        bytes: content.bytes,
        needsNewline: content.needsNewline,
      };
    }
    if (!last && content.exists) {
      // A file with no intact line (crash during its first write): start it afresh.
      await unlink(path).catch(() => undefined);
    }
    return last;
  }

  // Per-conversation queue: a save's compare and write are one step, and reads never see half.
  private async exclusive<T>(
    conversationId: unknown,
    task: (conversationId: string) => Promise<T>,
  ): Promise<T> {
    const id = requireConversationId(conversationId);
    return this.queues.run(id, () => task(id));
  }
}
