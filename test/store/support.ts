// Shared helpers of the store tests: a clock the test moves, sample records, and harnesses that
// open one backend through several handles (another instance, or the same data after a restart).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeRedis, connectRedis, type Redis } from '../../src/store/redis-connection.ts';
import type {
  ConversationState,
  NewComplaintTicket,
  NewTranscriptEntry,
} from '../../src/store/types.ts';

export class TestClock {
  private current: number;

  constructor(iso = '2026-11-23T02:00:00.000Z') {
    this.current = Date.parse(iso);
  }

  readonly now = (): Date => new Date(this.current);

  advance(ms: number): void {
    this.current += ms;
  }

  iso(): string {
    return new Date(this.current).toISOString();
  }
}

export interface Harness<S> {
  /**
   * Another handle on the same data. When `concurrentHandles` is false (file stores: one process
   * owns a directory) a new handle stands for a restart and the older handles are not used again.
   */
  open(): Promise<S>;
  concurrentHandles: boolean;
  cleanup(): Promise<void>;
}

export type MakeHarness<S> = (context: {
  clock: TestClock;
  /** For the expiry tests: the store forgets a conversation not saved for this long. */
  stateTtlMs?: number;
}) => Promise<Harness<S>>;

export function sampleState(
  conversationId: string,
  overrides: Partial<ConversationState> = {},
): ConversationState {
  return {
    conversationId,
    channel: 'web',
    userId: 'visitor-1',
    channelRef: { socket: 'abc' },
    dialog: { dialogId: 'complaint', nodeId: 'ask_phone', slots: { category: '收费' } },
    handoff: null,
    memory: { fallbacks: 0, intentsSeen: ['greeting'] },
    createdAt: '2026-11-23T02:00:00.000Z',
    updatedAt: '2026-11-23T02:00:00.000Z',
    ...overrides,
  };
}

export function sampleEntry(
  conversationId: string,
  text: string,
  overrides: Partial<NewTranscriptEntry> = {},
): NewTranscriptEntry {
  return {
    conversationId,
    at: '2026-11-23T02:00:00.000Z',
    channel: 'web',
    direction: 'customer',
    kind: 'message',
    text,
    ...overrides,
  };
}

export function sampleTicket(
  conversationId: string,
  overrides: Partial<NewComplaintTicket> = {},
): NewComplaintTicket {
  return {
    kind: 'complaint',
    conversationId,
    channel: 'web',
    createdAt: '2026-11-23T02:00:00.000Z',
    complainant: { name: '张先生', phone: '13800138000', account: '310000123456' },
    occurredAt: { text: '昨天下午', iso: '2026-11-22' },
    category: '收费',
    department: '运营管理部',
    description: '佣金比约定的高',
    desiredOutcome: '退还多收的佣金',
    replyDueBy: '2026-12-14',
    ...overrides,
  };
}

export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'csbot-store-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Connections under one unique key prefix; cleanup deletes the prefix's keys and quits them all. */
export class RedisSandbox {
  readonly prefix = `csbot-test:${randomUUID()}:`;
  private readonly connections: Redis[] = [];

  constructor(private readonly url: string) {}

  async connect(): Promise<Redis> {
    const redis = await connectRedis(this.url, { connectionName: 'csbot-store-test' });
    this.connections.push(redis);
    return redis;
  }

  async keys(): Promise<string[]> {
    const redis = this.connections[0] ?? (await this.connect());
    const found: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 500 })) {
      found.push(...batch.map(String));
    }
    return found;
  }

  async cleanup(): Promise<void> {
    const keys = await this.keys();
    if (keys.length > 0) await this.connections[0]?.del(keys);
    await Promise.all(this.connections.map((redis) => closeRedis(redis)));
    this.connections.length = 0;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settled within `ms`; used to show that something is still waiting. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return settled;
}
