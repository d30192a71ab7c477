// Redis stores for several bot instances sharing conversations. Every write that must not race is
// one Lua script (compare-and-set, seq + push, create + index), so it is atomic across instances
// and safe on a shared connection. Keys (all under the prefix, default 'csbot:'):
//   state:<cid>                 hash { v: version, s: state JSON }
//   lock:<cid>                  random token, PX ttl
//   transcript:<cid>            list of entry JSON, index = seq - 1
//   transcript-seq:<cid>        INCR counter
//   ticket:<id>                 hash { v: version, t: ticket JSON }
//   tickets                     sorted set of ids by creation order
//   tickets:conversation:<cid>  sorted set of that conversation's ticket ids
//   tickets:order               INCR counter for the creation order
//   ticket-seq:<TS|CB><date>    INCR daily id counter
import { createHash, randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { LockTimeoutError, StoreUnavailableError, TicketNotFoundError } from './errors.ts';
import { decodeJson, encodeJson } from './json.ts';
import { defaultLockWaitMs, requireTtl, type Clock } from './memory.ts';
import {
  afterSeqOf,
  prepareState,
  prepareTranscriptBatch,
  requireConversationId,
} from './records.ts';
import { formatTicketId, ticketDayKey } from './ticket-id.ts';
import {
  applyTicketEvent,
  buildTicket,
  changeEvent,
  feedbackEvent,
  handlingEvent,
  matchesTicketFilter,
  statusEvent,
  validateNewTicket,
  type FeedbackInput,
  type HandlingInput,
  type StatusChangeInput,
  type TicketEvent,
  type TicketFilter,
} from './ticket-log.ts';
import type {
  ComplaintTicket,
  ConversationState,
  ConversationStateStore,
  NewComplaintTicket,
  NewTranscriptEntry,
  SaveResult,
  StoreHealth,
  TicketChangeInput,
  TicketStore,
  TranscriptEntry,
  TranscriptStore,
  VersionedState,
} from './types.ts';

export type { Redis } from 'ioredis';

export const DEFAULT_KEY_PREFIX = 'csbot:';

// ---------------------------------------------------------------------------------------------
// Connections

export interface RedisConnectionOptions {
  /** Shown in CLIENT LIST, to tell the bot's connections apart. */
  connectionName?: string;
  /** How long connectRedis waits for the first connection. Default 5000. */
  connectTimeoutMs?: number;
  /** Connection errors after start (reconnects happen by themselves). Default: one warning per new error. */
  onError?: (error: Error) => void;
  /** Extra ioredis options (tests, TLS). */
  redis?: RedisOptions;
}

/** The URL with any password replaced, for logs and error messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

function warnOncePerMessage(url: string): (error: Error) => void {
  let last = '';
  return (error) => {
    if (error.message === last) return;
    last = error.message;
    console.warn(`[store] redis ${redactRedisUrl(url)}: ${error.message}`);
  };
}

/**
 * A Redis client for `url` that does not connect until used (or connectRedis is called). Other
 * layers (e.g. the handoff event bus, which needs its own subscriber connection) use this too.
 */
export function createRedisConnection(url: string, options: RedisConnectionOptions = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
    ...options.redis,
  });
  redis.on('error', options.onError ?? warnOncePerMessage(url));
  return redis;
}

/** Connects and resolves once Redis answers; rejects with StoreUnavailableError (URL redacted). */
export async function connectRedis(
  url: string,
  options: RedisConnectionOptions = {},
): Promise<Redis> {
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  let lastError: Error | undefined;
  const redis = createRedisConnection(url, {
    ...options,
    onError: (error) => {
      lastError = error;
      options.onError?.(error);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    const reason = lastError?.message ?? (error as Error).message;
    throw new StoreUnavailableError(
      `cannot connect to Redis at ${redactRedisUrl(url)}: ${reason}`,
      {
        cause: lastError ?? error,
      },
    );
  } finally {
    clearTimeout(timer);
  }
  // After start, keep reporting errors (reconnects are automatic) instead of only recording them.
  redis.removeAllListeners('error');
  redis.on('error', options.onError ?? warnOncePerMessage(url));
  return redis;
}

/** Closes politely, falling back to a hard disconnect if the server is gone. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([
      redis.quit(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('quit timed out')), 1000).unref(),
      ),
    ]);
  } catch {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Lua scripts

class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // First use on this server (or after SCRIPT FLUSH): send the source once.
      if (!(error as Error).message?.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** KEYS[1] hash; ARGV[1] expected version ('' = must not exist), ARGV[2] value. Returns new version or 0. */
const compareAndSet = new LuaScript(`
local current = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == '' then
  if current then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
local version = (tonumber(current) or 0) + 1
redis.call('HSET', KEYS[1], 'v', version, 's', ARGV[2])
return version
`);

const releaseLock = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);

/** KEYS[1] list, KEYS[2] counter; ARGV[1] entry JSON without its opening brace. */
const appendEntry = new LuaScript(`
local seq = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[1], '{"seq":' .. seq .. ',' .. ARGV[1])
return seq
`);

/** KEYS: ticket hash, index, order counter, conversation index; ARGV: ticket JSON, id. 0 if the id is taken. */
const createTicket = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local order = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'v', 1, 't', ARGV[1])
redis.call('ZADD', KEYS[2], order, ARGV[2])
redis.call('ZADD', KEYS[4], order, ARGV[2])
return 1
`);

/** KEYS[1] ticket hash; ARGV[1] expected version, ARGV[2] ticket JSON. -1 missing, 0 conflict, 1 ok. */
const updateTicket = new LuaScript(`
local current = redis.call('HGET', KEYS[1], 'v')
if not current then return -1 end
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tonumber(current) + 1, 't', ARGV[2])
return 1
`);

// ---------------------------------------------------------------------------------------------
// Stores

export interface RedisStoreOptions {
  /** Prefix of every key; tests give each suite its own. Default 'csbot:'. */
  keyPrefix?: string;
  clock?: Clock;
  /** How long lock() waits for the current holder before LockTimeoutError. */
  lockWaitMs?: (ttlMs: number) => number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class RedisStateStore implements ConversationStateStore {
  private readonly prefix: string;
  private readonly lockWaitMs: (ttlMs: number) => number;

  constructor(
    private readonly redis: Redis,
    options: RedisStoreOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.lockWaitMs = options.lockWaitMs ?? defaultLockWaitMs;
  }

  async load(conversationId: string): Promise<VersionedState | null> {
    const key = `${this.prefix}state:${requireConversationId(conversationId)}`;
    const [version, json] = await this.redis.hmget(key, 'v', 's');
    if (version == null || json == null) return null;
    return { state: decodeJson<ConversationState>(json), version: Number(version) };
  }

  async save(state: ConversationState, expectedVersion: number | null): Promise<SaveResult> {
    const json = JSON.stringify(prepareState(state));
    const key = `${this.prefix}state:${state.conversationId}`;
    const expected = expectedVersion === null ? '' : String(expectedVersion);
    const version = Number(await compareAndSet.run(this.redis, [key], [expected, json]));
    return version > 0 ? { ok: true, version } : { ok: false, reason: 'conflict' };
  }

  async lock(conversationId: string, ttlMs: number): Promise<() => Promise<void>> {
    const key = `${this.prefix}lock:${requireConversationId(conversationId)}`;
    const ttl = requireTtl(ttlMs);
    const token = randomBytes(16).toString('hex');
    const waitMs = this.lockWaitMs(ttl);
    const deadline = Date.now() + waitMs;
    const pollMs = Math.min(50, Math.max(5, Math.floor(ttl / 10)));
    for (;;) {
      if ((await this.redis.set(key, token, 'PX', ttl, 'NX')) === 'OK') break;
      if (Date.now() >= deadline) throw new LockTimeoutError(conversationId, waitMs);
      await sleep(pollMs + Math.floor(Math.random() * pollMs));
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      // Deletes only our own token: after expiry another turn may hold the lock.
      await releaseLock.run(this.redis, [key], [token]);
    };
  }
}

export class RedisTranscriptStore implements TranscriptStore {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: RedisStoreOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  }

  async append(entry: NewTranscriptEntry): Promise<TranscriptEntry> {
    const [stored] = await this.appendMany([entry]);
    return stored as TranscriptEntry;
  }

  async appendMany(entries: NewTranscriptEntry[]): Promise<TranscriptEntry[]> {
    const prepared = prepareTranscriptBatch(entries);
    // One after another: the script may be re-sent after NOSCRIPT, which would reorder a burst.
    const stored: TranscriptEntry[] = [];
    for (const entry of prepared) {
      const id = entry.conversationId;
      const body = JSON.stringify(entry).slice(1);
      const keys = [`${this.prefix}transcript:${id}`, `${this.prefix}transcript-seq:${id}`];
      const seq = Number(await appendEntry.run(this.redis, keys, [body]));
      stored.push(decodeJson<TranscriptEntry>(`{"seq":${seq},${body}`));
    }
    return stored;
  }

  async list(conversationId: string, options?: { afterSeq?: number }): Promise<TranscriptEntry[]> {
    const key = `${this.prefix}transcript:${requireConversationId(conversationId)}`;
    const after = afterSeqOf(options);
    const lines = await this.redis.lrange(key, after, -1);
    return lines.map((line) => decodeJson<TranscriptEntry>(line)).filter((e) => e.seq > after);
  }
}

const TICKET_ID_COUNTER_TTL_S = 7 * 24 * 3600;
const MAX_UPDATE_ATTEMPTS = 50;

export class RedisTicketStore implements TicketStore {
  private readonly prefix: string;
  private readonly clock: Clock;

  constructor(
    private readonly redis: Redis,
    options: RedisStoreOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.clock = options.clock ?? (() => new Date());
  }

  async create(ticket: NewComplaintTicket, by: string): Promise<ComplaintTicket> {
    validateNewTicket(ticket, by);
    const now = this.clock();
    const counter = `${this.prefix}ticket-seq:${ticketDayKey(ticket.kind, now)}`;
    for (;;) {
      const results = await this.redis
        .multi()
        .incr(counter)
        .expire(counter, TICKET_ID_COUNTER_TTL_S)
        .exec();
      const seq = Number(results?.[0]?.[1]);
      if (!Number.isInteger(seq) || seq < 1)
        throw new StoreUnavailableError('ticket counter failed');
      const created = buildTicket(formatTicketId(ticket.kind, now, seq), ticket, by, now);
      const json = JSON.stringify(created);
      const keys = [
        this.ticketKey(created.id),
        `${this.prefix}tickets`,
        `${this.prefix}tickets:order`,
        `${this.prefix}tickets:conversation:${created.conversationId}`,
      ];
      // 0 means the id already exists (counter lost): draw the next number, never reuse an id.
      if (Number(await createTicket.run(this.redis, keys, [json, created.id])) === 1) {
        return decodeJson<ComplaintTicket>(json);
      }
    }
  }

  async get(id: string): Promise<ComplaintTicket | null> {
    const json = await this.redis.hget(this.ticketKey(id), 't');
    return json == null ? null : decodeJson<ComplaintTicket>(json);
  }

  async list(filter?: TicketFilter): Promise<ComplaintTicket[]> {
    const index =
      filter?.conversationId !== undefined
        ? `${this.prefix}tickets:conversation:${filter.conversationId}`
        : `${this.prefix}tickets`;
    const ids = await this.redis.zrange(index, '0', '-1');
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.ticketKey(id), 't');
    const results = (await pipeline.exec()) ?? [];
    const tickets: ComplaintTicket[] = [];
    for (const [error, json] of results) {
      if (error) throw error;
      if (typeof json === 'string') tickets.push(decodeJson<ComplaintTicket>(json));
    }
    return tickets.filter((ticket) => matchesTicketFilter(ticket, filter));
  }

  async setStatus(id: string, change: StatusChangeInput): Promise<ComplaintTicket> {
    return this.apply(id, statusEvent(id, change, this.clock()));
  }

  async addHandling(id: string, entry: HandlingInput): Promise<ComplaintTicket> {
    return this.apply(id, handlingEvent(id, entry, this.clock()));
  }

  async setFeedback(id: string, feedback: FeedbackInput): Promise<ComplaintTicket> {
    return this.apply(id, feedbackEvent(id, feedback, this.clock()));
  }

  // The precondition is checked inside apply's compare-and-set loop (applyTicketEvent).
  async change(id: string, change: TicketChangeInput): Promise<ComplaintTicket> {
    return this.apply(id, changeEvent(id, change, this.clock()));
  }

  private ticketKey(id: string): string {
    return `${this.prefix}ticket:${id}`;
  }

  // Optimistic read-modify-write: concurrent changes from other instances are retried, not lost.
  private async apply(id: string, event: TicketEvent): Promise<ComplaintTicket> {
    const key = this.ticketKey(id);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt += 1) {
      const [version, json] = await this.redis.hmget(key, 'v', 't');
      if (version == null || json == null) throw new TicketNotFoundError(id);
      const next = encodeJson(applyTicketEvent(decodeJson<ComplaintTicket>(json), event), 'ticket');
      const outcome = Number(await updateTicket.run(this.redis, [key], [version, next]));
      if (outcome === 1) return decodeJson<ComplaintTicket>(next);
      if (outcome === -1) throw new TicketNotFoundError(id);
    }
    throw new StoreUnavailableError(`ticket ${id} kept changing; update given up`);
  }
}

/** Healthy while Redis answers PING within `timeoutMs`. */
export function redisHealth(redis: Redis, timeoutMs = 1000): StoreHealth {
  return {
    async ping() {
      let timer: NodeJS.Timeout | undefined;
      try {
        const answer = await Promise.race([
          redis.ping(),
          new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs))),
        ]);
        return answer === 'PONG';
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface RedisStores {
  states: RedisStateStore;
  transcripts: RedisTranscriptStore;
  tickets: RedisTicketStore;
  health: StoreHealth;
}

/** All three stores over one connection (scripts keep them safe to share). */
export function createRedisStores(redis: Redis, options: RedisStoreOptions = {}): RedisStores {
  return {
    states: new RedisStateStore(redis, options),
    transcripts: new RedisTranscriptStore(redis, options),
    tickets: new RedisTicketStore(redis, options),
    health: redisHealth(redis),
  };
}
