// Builds the stores the app runs on: Redis when a URL is configured (several instances), else the
// embedded default (state, transcripts and tickets in files under dataDir, durable across restarts).
import { join } from 'node:path';
import { FileStateStore } from './file-state.ts';
import { FileTicketStore, FileTranscriptStore, fileStoreHealth, type Warn } from './file.ts';
import {
  MemoryStateStore,
  MemoryTicketStore,
  MemoryTranscriptStore,
  alwaysHealthy,
  type Clock,
} from './memory.ts';
import { DEFAULT_KEY_PREFIX, createRedisStores } from './redis.ts';
import type { RedisAvailability } from './redis-connection.ts';
import { closeRedis, connectRedis } from './redis-connection.ts';
import { SpoolingTranscriptStore } from './spool.ts';
import type { ConversationStateStore, StoreHealth, TicketStore, TranscriptStore } from './types.ts';

export interface Stores {
  states: ConversationStateStore;
  transcripts: TranscriptStore;
  tickets: TicketStore;
  health: StoreHealth;
  /** Waits for pending writes and closes connections; the stores must not be used afterwards. */
  close(): Promise<void>;
  kind: 'embedded' | 'redis';
  /** On Redis: whether it answers (the outage circuit the stores share). */
  availability?: RedisAvailability;
}

export interface StoresConfig {
  /** REDIS_URL: switches every store to Redis. */
  redisUrl?: string;
  /**
   * Where the embedded stores keep their files (default ./data). With Redis, the folder of the
   * outage spool; without one given, the spool is kept in memory only.
   */
  dataDir?: string;
  /** Prefix of every Redis key. Default 'csbot:'. */
  keyPrefix?: string;
  /** Time source for ticket ids, status times and state expiry. */
  clock?: Clock;
  /** Where skipped corrupt file lines and Redis connection errors are reported. */
  warn?: Warn;
  /** A conversation state not saved for this long expires. Default 7 days. */
  stateTtlMs?: number;
  /** A Redis command without an answer for this long fails. Default 1000. */
  redisCommandTimeoutMs?: number;
}

export const DEFAULT_DATA_DIR = './data';

export async function createStores(config: StoresConfig = {}): Promise<Stores> {
  const clock = config.clock ?? (() => new Date());
  const ttl = config.stateTtlMs !== undefined ? { stateTtlMs: config.stateTtlMs } : {};
  const warn = config.warn ? { warn: config.warn } : {};
  if (config.redisUrl) {
    const commandTimeout =
      config.redisCommandTimeoutMs !== undefined
        ? { commandTimeoutMs: config.redisCommandTimeoutMs }
        : {};
    const redis = await connectRedis(config.redisUrl, {
      connectionName: 'csbot-store',
      ...commandTimeout,
      ...(config.warn
        ? { onError: (error: Error) => config.warn?.(`redis: ${error.message}`) }
        : {}),
    });
    const stores = createRedisStores(redis, {
      keyPrefix: config.keyPrefix ?? DEFAULT_KEY_PREFIX,
      clock,
      ...ttl,
      ...commandTimeout,
    });
    const { availability } = stores;
    const transcripts = await SpoolingTranscriptStore.open(stores.transcripts, {
      ...(config.dataDir ? { dir: join(config.dataDir, 'spool') } : {}),
      whenAvailable: (listener) => availability.onChange((up) => up && listener()),
      ...warn,
    });
    return {
      states: stores.states,
      transcripts,
      tickets: stores.tickets,
      health: stores.health,
      availability,
      kind: 'redis',
      close: async () => {
        await transcripts.close();
        availability.close();
        await closeRedis(redis);
      },
    };
  }
  const dataDir = config.dataDir ?? DEFAULT_DATA_DIR;
  const fileOptions = { dataDir, clock, ...warn };
  const [states, transcripts, tickets] = await Promise.all([
    FileStateStore.open({ ...fileOptions, ...ttl }),
    FileTranscriptStore.open(fileOptions),
    FileTicketStore.open(fileOptions),
  ]);
  return {
    states,
    transcripts,
    tickets,
    health: fileStoreHealth(dataDir),
    kind: 'embedded',
    close: async () => {
      await Promise.all([states.close(), transcripts.flush(), tickets.flush()]);
    },
  };
}

/** Everything in memory, nothing on disk: for tests of other layers and `csbot chat`. */
export function createMemoryStores(options: { clock?: Clock } = {}): Stores {
  return {
    states: new MemoryStateStore(),
    transcripts: new MemoryTranscriptStore(),
    tickets: new MemoryTicketStore(options.clock ? { clock: options.clock } : {}),
    health: alwaysHealthy,
    kind: 'embedded',
    close: async () => {},
  };
}

export { DEFAULT_KEY_PREFIX } from './redis.ts';
export {
  createRedisConnection,
  connectRedis,
  closeRedis,
  redactRedisUrl,
  RedisAvailability,
} from './redis-connection.ts';
export type { Redis, RedisConnectionOptions } from './redis-connection.ts';
export {
  LockTimeoutError,
  StoreInputError,
  StoreUnavailableError,
  StoreValueError,
  TicketConflictError,
  TicketNotFoundError,
} from './errors.ts';
export {
  departmentForCategory,
  createDepartmentRouter,
  DEFAULT_DEPARTMENTS,
} from './departments.ts';
export { formatTicketId, parseTicketId, shanghaiDate } from './ticket-id.ts';
export type { Clock } from './memory.ts';
export type * from './types.ts';
