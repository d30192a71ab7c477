// What the bot missed: customer messages that fell to the fallback ladder or were answered with
// low confidence, kept (masked) with the classifier's reading, plus a tally per day of how many
// messages the bot read, so the console can show the not-understood share. Bounded by count and
// age. One interface; memory, file (the embedded store) and Redis versions; one contract suite.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ChannelId } from '../core/message.ts';
import { shanghaiDay } from '../core/workdays.ts';
import {
  appendDurably,
  defaultWarn,
  ensureWritableDir,
  readJsonl,
  replaceDurably,
  type Warn,
} from '../store/durable-file.ts';
import { StoreInputError } from '../store/errors.ts';
import type { RedisCommand } from '../store/idempotency.ts';

export type MissKind = 'not_understood' | 'low_confidence';

export interface MissedMessage {
  /** Unique per record (two customers may send the same text in the same millisecond). */
  id: string;
  at: string;
  channel: ChannelId;
  /** The customer's text, masked with the compliance layer's one masking function. */
  text: string;
  kind: MissKind;
  /** The fallback ladder's step for not-understood messages: 1 rephrase, 2 suggestions, 3 human. */
  step?: number;
  /** The classifier's best reading (may be out_of_scope) and its confidence. */
  intent: string;
  confidence: number;
  /** The best reading among the firm's topics (the first in-domain one), or null. */
  topic: string | null;
  topicConfidence: number;
  /** The standard question the classifier leaned to, when it named one. */
  question?: string;
}

export type NewMissedMessage = Omit<MissedMessage, 'id'>;

/** One Shanghai calendar day: messages the bot read, and how many of them it missed. */
export interface DayTally {
  day: string;
  read: number;
  notUnderstood: number;
  lowConfidence: number;
}

export interface MissedRange {
  /** Inclusive instant (ISO). */
  from: string;
  /** Exclusive instant (ISO). */
  to: string;
}

export interface MissedStore {
  /** One customer message the bot read at `at`; `missed` when it was not understood or unsure. */
  record(at: Date, missed: NewMissedMessage | null): Promise<void>;
  /** Missed messages in the range, oldest first. */
  list(range: MissedRange): Promise<MissedMessage[]>;
  /** The tally of every day from `fromDay` to `toDay` (YYYY-MM-DD, inclusive), zeros included. */
  tallies(fromDay: string, toDay: string): Promise<DayTally[]>;
  /** Writes what is pending; the store must not be used afterwards. */
  close(): Promise<void>;
}

export interface MissedBounds {
  /** Most missed messages kept; the oldest go first. Default 50,000. */
  maxMessages: number;
  /** Messages and tallies older than this many days are dropped. Default 90. */
  maxAgeDays: number;
}

export const DEFAULT_MISSED_BOUNDS: MissedBounds = { maxMessages: 50_000, maxAgeDays: 90 };
/** Longest range of days one tallies() call answers (a year and a bit). */
export const MAX_TALLY_DAYS = 400;
const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function checkMissed(missed: NewMissedMessage): void {
  if (typeof missed.text !== 'string' || missed.text.length === 0)
    throw new StoreInputError('a missed message needs its text');
  if (Number.isNaN(Date.parse(missed.at))) throw new StoreInputError('missed.at must be ISO time');
  if (missed.kind !== 'not_understood' && missed.kind !== 'low_confidence')
    throw new StoreInputError('missed.kind must be not_understood or low_confidence');
}

/** Every day from one to the other, inclusive; refuses malformed or too long ranges. */
export function daysBetween(fromDay: string, toDay: string): string[] {
  if (!DAY.test(fromDay) || !DAY.test(toDay) || Number.isNaN(Date.parse(fromDay + 'T00:00:00Z')))
    throw new StoreInputError('days must be YYYY-MM-DD');
  const start = Date.parse(fromDay + 'T00:00:00Z');
  const end = Date.parse(toDay + 'T00:00:00Z');
  if (Number.isNaN(end) || end < start)
    throw new StoreInputError('toDay must not be before fromDay');
  if ((end - start) / DAY_MS >= MAX_TALLY_DAYS)
    throw new StoreInputError(`at most ${MAX_TALLY_DAYS} days at once`);
  const days: string[] = [];
  for (let t = start; t <= end; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

function emptyTally(day: string): DayTally {
  return { day, read: 0, notUnderstood: 0, lowConfidence: 0 };
}

function count(tally: DayTally, missed: NewMissedMessage | null): void {
  tally.read += 1;
  if (missed?.kind === 'not_understood') tally.notUnderstood += 1;
  if (missed?.kind === 'low_confidence') tally.lowConfidence += 1;
}

/** Everything in memory; records round-trip through JSON so nothing Redis could not keep slips in. */
export class MemoryMissedStore implements MissedStore {
  protected messages: MissedMessage[] = [];
  protected readonly days = new Map<string, DayTally>();
  protected readonly bounds: MissedBounds;

  constructor(
    bounds: Partial<MissedBounds> = {},
    protected readonly now: () => Date = () => new Date(),
  ) {
    this.bounds = { ...DEFAULT_MISSED_BOUNDS, ...bounds };
  }

  async record(at: Date, missed: NewMissedMessage | null): Promise<void> {
    this.keep(at, missed);
  }

  /** Counts and keeps one message; returns the stored record (file store journals it). */
  protected keep(at: Date, missed: NewMissedMessage | null): MissedMessage | null {
    if (missed) checkMissed(missed);
    const day = shanghaiDay(at);
    const tally = this.days.get(day) ?? emptyTally(day);
    count(tally, missed);
    this.days.set(day, tally);
    let stored: MissedMessage | null = null;
    if (missed) {
      stored = JSON.parse(JSON.stringify({ id: randomUUID(), ...missed })) as MissedMessage;
      this.messages.push(stored);
    }
    this.prune();
    return stored;
  }

  protected prune(): void {
    const oldest = this.now().getTime() - this.bounds.maxAgeDays * DAY_MS;
    const excess = this.messages.length - this.bounds.maxMessages;
    if (excess > 0) this.messages.splice(0, excess);
    while (this.messages.length > 0 && Date.parse(this.messages[0]!.at) < oldest)
      this.messages.shift();
    const oldestDay = shanghaiDay(new Date(oldest));
    for (const day of this.days.keys()) if (day < oldestDay) this.days.delete(day);
  }

  async list(range: MissedRange): Promise<MissedMessage[]> {
    const from = Date.parse(range.from);
    const to = Date.parse(range.to);
    if (Number.isNaN(from) || Number.isNaN(to)) throw new StoreInputError('range must be ISO time');
    return this.messages
      .filter((m) => {
        const t = Date.parse(m.at);
        return t >= from && t < to;
      })
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
      .map((m) => ({ ...m }));
  }

  async tallies(fromDay: string, toDay: string): Promise<DayTally[]> {
    return daysBetween(fromDay, toDay).map((day) => ({
      ...(this.days.get(day) ?? emptyTally(day)),
    }));
  }

  async close(): Promise<void> {}
}

export interface FileMissedOptions {
  dataDir: string;
  bounds?: Partial<MissedBounds>;
  now?: () => Date;
  warn?: Warn;
  /** `csbot review` reads next to a running server: it never writes or compacts. */
  readOnly?: boolean;
  /** How often the day tallies are written (ms). Default 5000. */
  flushEveryMs?: number;
}

const MESSAGES_FILE = 'missed.jsonl';
const TALLIES_FILE = 'missed-days.json';

/**
 * The embedded store: missed messages appended to a JSONL journal (rewritten when it holds twice
 * what the bounds keep), the day tallies in a small JSON file written every few seconds, so a
 * crash loses at most those seconds of counts and never a missed message.
 */
export class FileMissedStore extends MemoryMissedStore {
  private journalLines = 0;
  private needsNewline = false;
  private fileExists = false;
  private tallyDirty = false;
  private timer: NodeJS.Timeout | null = null;
  private writes: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly options: FileMissedOptions,
  ) {
    super(options.bounds, options.now);
  }

  static async open(options: FileMissedOptions): Promise<FileMissedStore> {
    const dir = join(options.dataDir, 'console');
    if (!options.readOnly) await ensureWritableDir(dir);
    const store = new FileMissedStore(dir, options);
    await store.load();
    return store;
  }

  private get warn(): Warn {
    return this.options.warn ?? defaultWarn;
  }

  private async load(): Promise<void> {
    const journal = await readJsonl(join(this.dir, MESSAGES_FILE), this.warn);
    this.fileExists = journal.exists;
    this.needsNewline = journal.needsNewline;
    this.journalLines = journal.records.length;
    for (const { value } of journal.records) {
      const m = value as MissedMessage;
      if (m && typeof m.text === 'string' && typeof m.at === 'string') this.messages.push(m);
    }
    this.messages.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const tallies = await readJsonl(join(this.dir, TALLIES_FILE), this.warn);
    for (const { value } of tallies.records) {
      for (const tally of Array.isArray(value) ? (value as DayTally[]) : []) {
        if (tally && typeof tally.day === 'string') this.days.set(tally.day, { ...tally });
      }
    }
    this.prune();
    if (!this.options.readOnly && this.journalLines > this.messages.length * 2 + 100)
      await this.compact();
  }

  override async record(at: Date, missed: NewMissedMessage | null): Promise<void> {
    if (this.options.readOnly) throw new StoreInputError('this missed-message store is read-only');
    if (this.closed) throw new StoreInputError('the missed-message store is closed');
    const stored = this.keep(at, missed);
    this.tallyDirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.enqueue(() => this.writeTallies()).catch((e: unknown) =>
        this.warn(`missed tallies not written: ${String(e)}`),
      );
    }, this.options.flushEveryMs ?? 5000);
    this.timer.unref();
    if (!stored) return;
    await this.enqueue(async () => {
      const prefix = this.needsNewline ? '\n' : '';
      await appendDurably(
        join(this.dir, MESSAGES_FILE),
        prefix + JSON.stringify(stored) + '\n',
        !this.fileExists,
      );
      this.fileExists = true;
      this.needsNewline = false;
      this.journalLines += 1;
      if (this.journalLines > this.bounds.maxMessages * 2) await this.compact();
    });
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    const next = this.writes.then(write);
    this.writes = next.catch(() => {});
    return next;
  }

  private async compact(): Promise<void> {
    const text = this.messages.map((m) => JSON.stringify(m) + '\n').join('');
    await replaceDurably(join(this.dir, MESSAGES_FILE), text);
    this.fileExists = true;
    this.needsNewline = false;
    this.journalLines = this.messages.length;
  }

  private async writeTallies(): Promise<void> {
    if (!this.tallyDirty) return;
    this.tallyDirty = false;
    const all = [...this.days.values()].sort((a, b) => a.day.localeCompare(b.day));
    await replaceDurably(join(this.dir, TALLIES_FILE), JSON.stringify(all) + '\n');
  }

  override async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.options.readOnly && !this.closed) await this.enqueue(() => this.writeTallies());
    this.closed = true;
    await this.writes;
  }
}

/**
 * Redis: the messages in one sorted set scored by time (trimmed by age and count on every add),
 * the tallies in one hash per day that expires after the age bound.
 */
export class RedisMissedStore implements MissedStore {
  private readonly bounds: MissedBounds;

  constructor(
    private readonly command: RedisCommand,
    private readonly keyPrefix: string,
    bounds: Partial<MissedBounds> = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.bounds = { ...DEFAULT_MISSED_BOUNDS, ...bounds };
  }

  private get messagesKey(): string {
    return `${this.keyPrefix}missed:messages`;
  }

  private dayKey(day: string): string {
    return `${this.keyPrefix}missed:day:${day}`;
  }

  async record(at: Date, missed: NewMissedMessage | null): Promise<void> {
    if (missed) checkMissed(missed);
    const dayKey = this.dayKey(shanghaiDay(at));
    const ttlSeconds = String((this.bounds.maxAgeDays + 1) * 86_400);
    await this.command(['HINCRBY', dayKey, 'read', '1']);
    if (missed) {
      const field = missed.kind === 'not_understood' ? 'notUnderstood' : 'lowConfidence';
      await this.command(['HINCRBY', dayKey, field, '1']);
    }
    await this.command(['EXPIRE', dayKey, ttlSeconds]);
    if (!missed) return;
    const stored: MissedMessage = { id: randomUUID(), ...missed };
    const key = this.messagesKey;
    await this.command(['ZADD', key, String(Date.parse(missed.at)), JSON.stringify(stored)]);
    const oldest = this.now().getTime() - this.bounds.maxAgeDays * DAY_MS;
    await this.command(['ZREMRANGEBYSCORE', key, '-inf', `(${oldest}`]);
    await this.command(['ZREMRANGEBYRANK', key, '0', String(-this.bounds.maxMessages - 1)]);
  }

  async list(range: MissedRange): Promise<MissedMessage[]> {
    const from = Date.parse(range.from);
    const to = Date.parse(range.to);
    if (Number.isNaN(from) || Number.isNaN(to)) throw new StoreInputError('range must be ISO time');
    const found = await this.command(['ZRANGEBYSCORE', this.messagesKey, String(from), `(${to}`]);
    if (!Array.isArray(found)) return [];
    return found.map((raw) => JSON.parse(String(raw)) as MissedMessage);
  }

  async tallies(fromDay: string, toDay: string): Promise<DayTally[]> {
    const days = daysBetween(fromDay, toDay);
    return Promise.all(
      days.map(async (day) => {
        const fields = await this.command([
          'HMGET',
          this.dayKey(day),
          'read',
          'notUnderstood',
          'lowConfidence',
        ]);
        const [read, notUnderstood, lowConfidence] = (Array.isArray(fields) ? fields : []).map(
          (v) => Number(v ?? 0) || 0,
        );
        return {
          day,
          read: read ?? 0,
          notUnderstood: notUnderstood ?? 0,
          lowConfidence: lowConfidence ?? 0,
        };
      }),
    );
  }

  async close(): Promise<void> {}
}
