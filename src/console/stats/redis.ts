// The statistics and the conversation index on Redis, shared by every instance.
//   <prefix>console:day:<YYYY-MM-DD>   hash of the day's counters (HINCRBY)
//   <prefix>console:items              hash item -> "day\nfield\nfield..." (a ticket's contribution)
//   <prefix>console:conv               hash ref -> summary JSON
//   <prefix>console:last               sorted set ref by latest message (epoch ms)
//   <prefix>console:{ch,topic,ticket,w}:<value>   sets of refs, one per search key
// A search intersects the sets with the sorted set on the server and reads one page of summaries.
// Batches go as plain pipelines, not MULTI: a batch cut short (a full command queue, a timeout)
// must not leave the shared connection inside a transaction.
import { randomUUID } from 'node:crypto';
import type { Redis, RedisAvailability } from '../../store/redis-connection.ts';
import type {
  ConsoleStores,
  ConversationIndex,
  ConversationPage,
  ConversationQuery,
  ConversationSummary,
  DayCounters,
  StatisticsStore,
} from './types.ts';

export interface RedisConsoleOptions {
  keyPrefix: string;
  /** The stores' outage circuit; without it commands go straight to the client. */
  availability?: RedisAvailability;
}

type Run = <T>(operation: (client: Redis) => Promise<T>) => Promise<T>;

function runner(redis: Redis, availability?: RedisAvailability): Run {
  return availability
    ? (operation) => availability.run(operation)
    : (operation) => operation(redis);
}

/** KEYS[1] items hash; ARGV: item, day-key prefix, new contribution ('' withdraws). */
const CONTRIBUTE = `
local function each(value, amount)
  local day = nil
  for part in string.gmatch(value, '[^\\n]+') do
    if not day then day = part else redis.call('HINCRBY', ARGV[2] .. day, part, amount) end
  end
end
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then each(old, -1) end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  each(ARGV[3], 1)
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
return 1
`;

/** Field names travel newline-separated through the script. */
const oneLine = (field: string): string => field.replace(/[\r\n]+/g, ' ');

export class RedisStatisticsStore implements StatisticsStore {
  private readonly run: Run;
  private readonly dayPrefix: string;
  private readonly itemsKey: string;

  constructor(redis: Redis, options: RedisConsoleOptions) {
    this.run = runner(redis, options.availability);
    this.dayPrefix = `${options.keyPrefix}console:day:`;
    this.itemsKey = `${options.keyPrefix}console:items`;
  }

  async add(day: string, amounts: DayCounters): Promise<void> {
    const entries = Object.entries(amounts).filter(([, n]) => Number.isFinite(n) && n !== 0);
    if (entries.length === 0) return;
    await this.run(async (redis) => {
      const multi = redis.multi();
      for (const [field, amount] of entries) multi.hIncrBy(this.dayPrefix + day, field, amount);
      await multi.execAsPipeline();
    });
  }

  async contribute(item: string, day: string, fields: readonly string[]): Promise<void> {
    const value = fields.length === 0 ? '' : [day, ...fields.map(oneLine)].join('\n');
    await this.run((redis) =>
      redis.eval(CONTRIBUTE, {
        keys: [this.itemsKey],
        arguments: [item, this.dayPrefix, value],
      }),
    );
  }

  async read(from: string, to: string): Promise<Map<string, DayCounters>> {
    const days = daysBetween(from, to);
    const replies = await this.run(async (redis) => {
      const multi = redis.multi();
      for (const day of days) multi.hGetAll(this.dayPrefix + day);
      return (await multi.execAsPipeline()) as unknown as Record<string, string>[];
    });
    const out = new Map<string, DayCounters>();
    days.forEach((day, i) => {
      const counters: DayCounters = {};
      for (const [field, value] of Object.entries(replies[i] ?? {})) {
        const n = Number(value);
        if (n !== 0 && Number.isFinite(n)) counters[field] = n;
      }
      if (Object.keys(counters).length > 0) out.set(day, counters);
    });
    return out;
  }
}

/** Calendar days from..to inclusive (YYYY-MM-DD, UTC arithmetic on the date itself). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); ; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (day > to || out.length > 3660) break;
    out.push(day);
  }
  return out;
}

export class RedisConversationIndex implements ConversationIndex {
  private readonly run: Run;
  private readonly prefix: string;

  constructor(redis: Redis, options: RedisConsoleOptions) {
    this.run = runner(redis, options.availability);
    this.prefix = `${options.keyPrefix}console:`;
  }

  private get summariesKey(): string {
    return `${this.prefix}conv`;
  }

  private get lastKey(): string {
    return `${this.prefix}last`;
  }

  private setKey(kind: 'ch' | 'topic' | 'ticket' | 'w', value: string): string {
    return `${this.prefix}${kind}:${value}`;
  }

  async get(ref: string): Promise<ConversationSummary | null> {
    const json = await this.run((redis) => redis.hGet(this.summariesKey, ref));
    return typeof json === 'string' ? (JSON.parse(json) as ConversationSummary) : null;
  }

  async put(summary: ConversationSummary, previous: ConversationSummary | null): Promise<void> {
    const added = (now: string[], before: string[] | undefined) =>
      now.filter((v) => !(before ?? []).includes(v));
    await this.run(async (redis) => {
      const multi = redis.multi();
      multi.hSet(this.summariesKey, summary.ref, JSON.stringify(summary));
      multi.zAdd(this.lastKey, { score: Date.parse(summary.lastAt), value: summary.ref });
      if (previous?.channel !== summary.channel)
        multi.sAdd(this.setKey('ch', summary.channel), summary.ref);
      for (const t of added(summary.topics, previous?.topics))
        multi.sAdd(this.setKey('topic', t), summary.ref);
      for (const t of added(summary.ticketIds, previous?.ticketIds))
        multi.sAdd(this.setKey('ticket', t), summary.ref);
      for (const w of added(summary.words, previous?.words))
        multi.sAdd(this.setKey('w', w), summary.ref);
      await multi.execAsPipeline();
    });
  }

  async search(query: ConversationQuery): Promise<ConversationPage> {
    const sets = [
      ...(query.channel !== undefined ? [this.setKey('ch', query.channel)] : []),
      ...(query.topic !== undefined ? [this.setKey('topic', query.topic)] : []),
      ...(query.ticket !== undefined ? [this.setKey('ticket', query.ticket)] : []),
      ...(query.words ?? []).map((w) => this.setKey('w', w)),
    ];
    const max = query.toMs !== undefined ? String(query.toMs) : '+inf';
    const min = query.fromMs !== undefined ? String(query.fromMs) : '-inf';
    const page = ['BYSCORE', 'REV', 'LIMIT', String(query.offset), String(query.limit + 1)];
    const refs = await this.run(async (redis) => {
      if (sets.length === 0) {
        return redis.sendCommand<string[]>(['ZRANGE', this.lastKey, max, min, ...page]);
      }
      // The sets carry no order: intersect them with the sorted set (their weight 0 keeps its
      // scores) into a short-lived key, page through it, drop it.
      const scratch = `${this.prefix}scratch:${randomUUID()}`;
      const replies = await redis
        .multi()
        .addCommand([
          'ZINTERSTORE',
          scratch,
          String(sets.length + 1),
          this.lastKey,
          ...sets,
          'WEIGHTS',
          '1',
          ...sets.map(() => '0'),
        ])
        .addCommand(['ZRANGE', scratch, max, min, ...page])
        .addCommand(['DEL', scratch])
        .execAsPipeline();
      return replies[1] as unknown as string[];
    });
    const more = refs.length > query.limit;
    const wanted = refs.slice(0, query.limit);
    if (wanted.length === 0) return { items: [], next: null };
    const jsons = await this.run((redis) => redis.hmGet(this.summariesKey, wanted));
    const items = jsons.flatMap((json) =>
      typeof json === 'string' ? [JSON.parse(json) as ConversationSummary] : [],
    );
    return { items, next: more ? query.offset + query.limit : null };
  }
}

export function redisConsoleStores(redis: Redis, options: RedisConsoleOptions): ConsoleStores {
  return {
    statistics: new RedisStatisticsStore(redis, options),
    conversations: new RedisConversationIndex(redis, options),
    // The connection belongs to the caller (the app's stores); nothing of ours is pending.
    close: async () => {},
  };
}
