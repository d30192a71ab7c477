// Redis stores for several bot instances sharing conversations. Every write that must not race is
// one Lua script (compare-and-set, seq + push, create + index), so it is atomic across instances
// and safe on a shared connection. Each write script also carries the moment its caller stops
// waiting for it and refuses to run later (a paused Redis that wakes up must not save a turn or
// create a ticket the customer was already told had failed). Keys (all under the prefix, default
// 'csbot:'):
//   state:<cid>                 hash { v: version, s: state JSON }, expires after the state TTL
//   lock:<cid>                  random token, PX ttl
//   transcript:<cid>            list of entry JSON, index = seq - 1
//   transcript-seq:<cid>        INCR counter
//   transcript-spooled:<id>     seq of a line replayed from a local outage spool (7 days)
//   ticket:<id>                 hash { v: version, t: ticket JSON }
//   tickets                     sorted set of ids by creation order
//   tickets:conversation:<cid>  sorted set of that conversation's ticket ids
//   tickets:order               INCR counter for the creation order
//   ticket-seq:<TS|CB><date>    INCR daily id counter
import { createHash, randomBytes } from 'node:crypto';
import { ErrorReply } from 'redis';
import { LockTimeoutError, StoreUnavailableError, TicketNotFoundError } from './errors.ts';
import { decodeJson, encodeJson } from './json.ts';
import { defaultLockWaitMs, requireTtl, type Clock } from './memory.ts';
import {
  afterSeqOf,
  DEFAULT_STATE_TTL_MS,
  listLimitOf,
  prepareState,
  prepareTranscriptBatch,
  requireConversationId,
  spoolIdOf,
} from './records.ts';
import { RedisAvailability, withReplyTimeout, type Redis } from './redis-connection.ts';
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
  TranscriptListOptions,
  TranscriptStore,
  VersionedState,
} from './types.ts';

export type { Redis } from './redis-connection.ts';

export const DEFAULT_KEY_PREFIX = 'csbot:';

// ---------------------------------------------------------------------------------------------
// Lua scripts

/** What a write script answers when it ran after its caller had stopped waiting. */
const TOO_LATE = -99;

/** Every write script starts here: ARGV[1] is the last moment (Redis clock, epoch ms) to run. */
const DEADLINE_CHECK = `
local clock = redis.call('TIME')
if tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000) > tonumber(ARGV[1]) then
  return ${TOO_LATE}
end
`;

class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    const options = { keys, arguments: args.map(String) };
    try {
      return await redis.evalSha(this.sha, options);
    } catch (error) {
      // First use on this server (or after SCRIPT FLUSH): send the source once.
      if (!(error instanceof ErrorReply) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, options);
    }
  }
}

/** KEYS[1] hash; ARGV: deadline, expected version ('' = must not exist), value, ttl ms (0 = none). */
const compareAndSet = new LuaScript(`${DEADLINE_CHECK}
local current = redis.call('HGET', KEYS[1], 'v')
if ARGV[2] == '' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
local version = (tonumber(current) or 0) + 1
redis.call('HSET', KEYS[1], 'v', version, 's', ARGV[3])
if tonumber(ARGV[4]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return version
`);

/** KEYS[1] lock; ARGV: deadline, token, ttl ms. 1 when taken. */
const acquireLock = new LuaScript(`${DEADLINE_CHECK}
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3]) then return 1 end
return 0
`);

const releaseLock = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);

/**
 * A batch of one conversation's lines, all or none. KEYS: list, counter, then the marker of each
 * line replayed from a spool; ARGV: deadline, line count, then per line "1"/"0" (has a marker) and
 * its JSON without the opening brace. Returns the seqs (a marked line already stored keeps its own).
 */
const appendEntries = new LuaScript(`${DEADLINE_CHECK}
local marker = 3
local seqs = {}
for i = 1, tonumber(ARGV[2]) do
  local marked = ARGV[1 + 2 * i] == '1'
  local seq = nil
  if marked then seq = tonumber(redis.call('GET', KEYS[marker])) end
  if not seq then
    seq = redis.call('INCR', KEYS[2])
    redis.call('RPUSH', KEYS[1], '{"seq":' .. seq .. ',' .. ARGV[2 + 2 * i])
    if marked then redis.call('SET', KEYS[marker], seq, 'EX', 604800) end
  end
  if marked then marker = marker + 1 end
  seqs[i] = seq
end
return seqs
`);

/** KEYS: ticket hash, index, order counter, conversation index; ARGV: deadline, ticket JSON, id. 0 if the id is taken. */
const createTicket = new LuaScript(`${DEADLINE_CHECK}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local order = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'v', 1, 't', ARGV[2])
redis.call('ZADD', KEYS[2], order, ARGV[3])
redis.call('ZADD', KEYS[4], order, ARGV[3])
return 1
`);

/** KEYS[1] ticket hash; ARGV: deadline, expected version, ticket JSON. -1 missing, 0 conflict, 1 ok. */
const updateTicket = new LuaScript(`${DEADLINE_CHECK}
local current = redis.call('HGET', KEYS[1], 'v')
if not current then return -1 end
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'v', tonumber(current) + 1, 't', ARGV[3])
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
  /** A conversation state not saved for this long expires. Default 7 days. */
  stateTtlMs?: number;
  /** Shared by the stores of one connection; one is made when missing. */
  availability?: RedisAvailability;
  /** How long an operation waits for Redis when no availability is given. Default 1000. */
  commandTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Redis connection, the outage circuit and the write deadline, shared by the three stores. */
export class RedisAccess {
  readonly availability: RedisAvailability;
  readonly prefix: string;
  private readonly writeWindowMs: number;

  constructor(redis: Redis, options: RedisStoreOptions) {
    this.availability =
      options.availability ??
      new RedisAvailability(redis, {
        ...(options.commandTimeoutMs ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
      });
    this.prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    // A quarter of the timeout is left for the answer to travel back before the caller gives up.
    this.writeWindowMs = Math.floor(0.75 * this.availability.timeoutMs);
  }

  run<T>(operation: (redis: Redis) => Promise<T>): Promise<T> {
    return this.availability.run(operation);
  }

  /** Runs a write script with its deadline; a refusal for lateness is an outage, not a result. */
  async write(script: LuaScript, keys: string[], args: (string | number)[]): Promise<number> {
    return Number(await this.writeRaw(script, keys, args));
  }

  /** write() for scripts that answer more than a number. */
  async writeRaw(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.run(async (redis) => {
      const deadline = Math.floor(this.availability.serverNow() + this.writeWindowMs);
      const answer = await script.run(redis, keys, [deadline, ...args]);
      if (answer === TOO_LATE) {
        throw new StoreUnavailableError('Redis ran a write after its caller had given up; refused');
      }
      return answer;
    });
  }
}

function accessOf(redis: Redis | RedisAccess, options: RedisStoreOptions): RedisAccess {
  return redis instanceof RedisAccess ? redis : new RedisAccess(redis, options);
}

export class RedisStateStore implements ConversationStateStore {
  private readonly access: RedisAccess;
  private readonly lockWaitMs: (ttlMs: number) => number;
  private readonly ttlMs: number;

  constructor(redis: Redis | RedisAccess, options: RedisStoreOptions = {}) {
    this.access = accessOf(redis, options);
    this.lockWaitMs = options.lockWaitMs ?? defaultLockWaitMs;
    this.ttlMs = Math.max(1, Math.round(options.stateTtlMs ?? DEFAULT_STATE_TTL_MS));
  }

  async load(conversationId: string): Promise<VersionedState | null> {
    const key = `${this.access.prefix}state:${requireConversationId(conversationId)}`;
    const [version, json] = await this.access.run((redis) => redis.hmGet(key, ['v', 's']));
    if (version == null || json == null) return null;
    return { state: decodeJson<ConversationState>(String(json)), version: Number(version) };
  }

  async save(state: ConversationState, expectedVersion: number | null): Promise<SaveResult> {
    const json = JSON.stringify(prepareState(state));
    const key = `${this.access.prefix}state:${state.conversationId}`;
    const expected = expectedVersion === null ? '' : String(expectedVersion);
    const version = await this.access.write(compareAndSet, [key], [expected, json, this.ttlMs]);
    return version > 0 ? { ok: true, version } : { ok: false, reason: 'conflict' };
  }

  async lock(conversationId: string, ttlMs: number): Promise<() => Promise<void>> {
    const key = `${this.access.prefix}lock:${requireConversationId(conversationId)}`;
    const ttl = requireTtl(ttlMs);
    const token = randomBytes(16).toString('hex');
    const waitMs = this.lockWaitMs(ttl);
    const deadline = Date.now() + waitMs;
    const pollMs = Math.min(50, Math.max(5, Math.floor(ttl / 10)));
    for (;;) {
      if ((await this.access.write(acquireLock, [key], [token, ttl])) === 1) break;
      if (Date.now() >= deadline) throw new LockTimeoutError(conversationId, waitMs);
      await sleep(pollMs + Math.floor(Math.random() * pollMs));
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      // Deletes only our own token: after expiry another turn may hold the lock.
      await this.access.run((redis) => releaseLock.run(redis, [key], [token]));
    };
  }
}

export class RedisTranscriptStore implements TranscriptStore {
  private readonly access: RedisAccess;

  constructor(redis: Redis | RedisAccess, options: RedisStoreOptions = {}) {
    this.access = accessOf(redis, options);
  }

  async append(entry: NewTranscriptEntry): Promise<TranscriptEntry> {
    const [stored] = await this.appendMany([entry]);
    return stored as TranscriptEntry;
  }

  async appendMany(entries: NewTranscriptEntry[]): Promise<TranscriptEntry[]> {
    const prepared = prepareTranscriptBatch(entries);
    if (prepared.length === 0) return [];
    const prefix = this.access.prefix;
    const id = prepared[0]!.conversationId;
    const keys = [`${prefix}transcript:${id}`, `${prefix}transcript-seq:${id}`];
    const args: string[] = [String(prepared.length)];
    const bodies = prepared.map((entry) => {
      const body = JSON.stringify(entry).slice(1);
      const spoolId = spoolIdOf(entry);
      if (spoolId) keys.push(`${prefix}transcript-spooled:${spoolId}`);
      args.push(spoolId ? '1' : '0', body);
      return body;
    });
    // One script for the batch: a turn's lines are stored together or not at all, so a batch
    // that fails can be spooled whole without doubling a line that did get in.
    const seqs = await this.access.writeRaw(appendEntries, keys, args);
    if (!Array.isArray(seqs) || seqs.length !== bodies.length) {
      throw new StoreUnavailableError('Redis did not number the transcript lines');
    }
    return bodies.map((body, i) =>
      decodeJson<TranscriptEntry>(`{"seq":${Number(seqs[i])},${body}`),
    );
  }

  async list(conversationId: string, options?: TranscriptListOptions): Promise<TranscriptEntry[]> {
    const key = `${this.access.prefix}transcript:${requireConversationId(conversationId)}`;
    const after = afterSeqOf(options);
    const lines = await this.access.run((redis) =>
      redis.lRange(key, after, after + listLimitOf(options) - 1),
    );
    return lines
      .map((line) => decodeJson<TranscriptEntry>(String(line)))
      .filter((e) => e.seq > after);
  }
}

const TICKET_ID_COUNTER_TTL_S = 7 * 24 * 3600;
const MAX_UPDATE_ATTEMPTS = 50;

export class RedisTicketStore implements TicketStore {
  private readonly access: RedisAccess;
  private readonly clock: Clock;

  constructor(redis: Redis | RedisAccess, options: RedisStoreOptions = {}) {
    this.access = accessOf(redis, options);
    this.clock = options.clock ?? (() => new Date());
  }

  async create(ticket: NewComplaintTicket, by: string): Promise<ComplaintTicket> {
    validateNewTicket(ticket, by);
    const now = this.clock();
    const prefix = this.access.prefix;
    const counter = `${prefix}ticket-seq:${ticketDayKey(ticket.kind, now)}`;
    for (;;) {
      const results = await this.access.run((redis) =>
        redis.multi().incr(counter).expire(counter, TICKET_ID_COUNTER_TTL_S).exec(),
      );
      const seq = Number(results?.[0]);
      if (!Number.isInteger(seq) || seq < 1)
        throw new StoreUnavailableError('ticket counter failed');
      const created = buildTicket(formatTicketId(ticket.kind, now, seq), ticket, by, now);
      const json = JSON.stringify(created);
      const keys = [
        this.ticketKey(created.id),
        `${prefix}tickets`,
        `${prefix}tickets:order`,
        `${prefix}tickets:conversation:${created.conversationId}`,
      ];
      // 0 means the id already exists (counter lost): draw the next number, never reuse an id.
      if ((await this.access.write(createTicket, keys, [json, created.id])) === 1) {
        return decodeJson<ComplaintTicket>(json);
      }
    }
  }

  async get(id: string): Promise<ComplaintTicket | null> {
    const json = await this.access.run((redis) => redis.hGet(this.ticketKey(id), 't'));
    return json == null ? null : decodeJson<ComplaintTicket>(String(json));
  }

  async list(filter?: TicketFilter): Promise<ComplaintTicket[]> {
    const prefix = this.access.prefix;
    const index =
      filter?.conversationId !== undefined
        ? `${prefix}tickets:conversation:${filter.conversationId}`
        : `${prefix}tickets`;
    const replies = await this.access.run(async (redis) => {
      const ids = await redis.zRange(index, 0, -1);
      if (ids.length === 0) return [];
      const pipeline = redis.multi();
      for (const id of ids) pipeline.hGet(this.ticketKey(String(id)), 't');
      return pipeline.execAsPipeline();
    });
    const tickets: ComplaintTicket[] = [];
    for (const json of replies) {
      if (json instanceof Error) throw json;
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
    return `${this.access.prefix}ticket:${id}`;
  }

  // Optimistic read-modify-write: concurrent changes from other instances are retried, not lost.
  private async apply(id: string, event: TicketEvent): Promise<ComplaintTicket> {
    const key = this.ticketKey(id);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt += 1) {
      const [version, json] = await this.access.run((redis) => redis.hmGet(key, ['v', 't']));
      if (version == null || json == null) throw new TicketNotFoundError(id);
      const current = decodeJson<ComplaintTicket>(String(json));
      const next = encodeJson(applyTicketEvent(current, event), 'ticket');
      const outcome = await this.access.write(updateTicket, [key], [String(version), next]);
      if (outcome === 1) return decodeJson<ComplaintTicket>(next);
      if (outcome === -1) throw new TicketNotFoundError(id);
    }
    throw new StoreUnavailableError(`ticket ${id} kept changing; update given up`);
  }
}

/** Healthy while Redis answers PING within `timeoutMs`; down at once while the circuit is open. */
export function redisHealth(availability: RedisAvailability, timeoutMs = 1000): StoreHealth {
  return {
    async ping() {
      try {
        const answer = await availability.run((redis) =>
          withReplyTimeout(redis.sendCommand<string>(['PING']), timeoutMs),
        );
        return answer === 'PONG';
      } catch {
        return false;
      }
    },
  };
}

export interface RedisStores {
  states: RedisStateStore;
  transcripts: RedisTranscriptStore;
  tickets: RedisTicketStore;
  health: StoreHealth;
  availability: RedisAvailability;
}

/** All three stores over one connection (scripts keep them safe to share) and one outage circuit. */
export function createRedisStores(redis: Redis, options: RedisStoreOptions = {}): RedisStores {
  const access = new RedisAccess(redis, options);
  return {
    states: new RedisStateStore(access, options),
    transcripts: new RedisTranscriptStore(access, options),
    tickets: new RedisTicketStore(access, options),
    health: redisHealth(access.availability),
    availability: access.availability,
  };
}
