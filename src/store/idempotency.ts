// "Has this already been received?" with a time limit: the first caller claims a key, later ones
// (a retried send, a replayed webhook) see what the first left there. A memory version for one
// instance and a Redis one shared by all; one contract suite runs against both.
import { StoreInputError } from './errors.ts';

export type ClaimResult = { claimed: true } | { claimed: false; value: string };

export interface IdempotencyStore {
  /** Takes `key` for `ttlMs` with `value`, unless someone holds it: then returns their value. */
  claim(key: string, value: string, ttlMs: number): Promise<ClaimResult>;
  /** Replaces the value under `key` (the holder reporting its result), kept `ttlMs` from now. */
  settle(key: string, value: string, ttlMs: number): Promise<void>;
  /** The value under `key`, or null when nobody holds it. */
  peek(key: string): Promise<string | null>;
}

function requireKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') {
    throw new StoreInputError('an idempotency key must be a non-empty string');
  }
  return key;
}

function requireValue(value: unknown): string {
  if (typeof value !== 'string') throw new StoreInputError('the claimed value must be a string');
  return value;
}

function requireTtl(ttlMs: unknown): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs < 1) {
    throw new StoreInputError('ttlMs must be a positive number of milliseconds');
  }
  return Math.ceil(ttlMs);
}

export interface MemoryIdempotencyOptions {
  /** Most keys kept; the oldest go first when a flood of new keys arrives. Default 100,000. */
  maxKeys?: number;
  now?: () => number;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: MemoryIdempotencyOptions = {}) {
    this.maxKeys = Math.max(1, options.maxKeys ?? 100_000);
    this.now = options.now ?? Date.now;
  }

  async claim(key: string, value: string, ttlMs: number): Promise<ClaimResult> {
    requireKey(key);
    requireValue(value);
    const ttl = requireTtl(ttlMs);
    const now = this.now();
    const held = this.entries.get(key);
    if (held && held.expiresAt > now) return { claimed: false, value: held.value };
    this.put(key, value, now + ttl);
    return { claimed: true };
  }

  async settle(key: string, value: string, ttlMs: number): Promise<void> {
    requireKey(key);
    requireValue(value);
    this.put(key, value, this.now() + requireTtl(ttlMs));
  }

  async peek(key: string): Promise<string | null> {
    const held = this.entries.get(requireKey(key));
    return held && held.expiresAt > this.now() ? held.value : null;
  }

  /** How many keys are held (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private put(key: string, value: string, expiresAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    if (this.entries.size <= this.maxKeys) return;
    const now = this.now();
    // Map order is insertion order: expired keys and then the oldest ones make room.
    for (const [oldKey, entry] of this.entries) {
      if (this.entries.size <= this.maxKeys) break;
      if (entry.expiresAt <= now || this.entries.size > this.maxKeys) this.entries.delete(oldKey);
    }
  }
}

/**
 * One Redis command as an argument list (`['SET', key, ...]`), so the store works with whichever
 * client the app connects with: ioredis `(args) => redis.call(...)`, node-redis
 * `(args) => client.sendCommand(args)`.
 */
export type RedisCommand = (args: string[]) => Promise<unknown>;

export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly command: RedisCommand,
    private readonly keyPrefix: string,
  ) {}

  async claim(key: string, value: string, ttlMs: number): Promise<ClaimResult> {
    const full = this.keyPrefix + 'once:' + requireKey(key);
    requireValue(value);
    const ttl = String(requireTtl(ttlMs));
    // One atomic command (Redis >= 7.0): sets when absent, else hands back what is there.
    const held = await this.command(['SET', full, value, 'PX', ttl, 'NX', 'GET']);
    if (held === null || held === undefined) return { claimed: true };
    if (typeof held === 'string') return { claimed: false, value: held };
    if (Buffer.isBuffer(held)) return { claimed: false, value: held.toString('utf8') };
    throw new Error('redis answered SET NX GET with something that is not a string');
  }

  async settle(key: string, value: string, ttlMs: number): Promise<void> {
    const full = this.keyPrefix + 'once:' + requireKey(key);
    requireValue(value);
    await this.command(['SET', full, value, 'PX', String(requireTtl(ttlMs))]);
  }

  async peek(key: string): Promise<string | null> {
    const held = await this.command(['GET', this.keyPrefix + 'once:' + requireKey(key)]);
    if (held === null || held === undefined) return null;
    return Buffer.isBuffer(held) ? held.toString('utf8') : String(held);
  }
}
