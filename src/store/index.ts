// Builds the stores the app runs on: Redis when a URL is configured (several instances), else the
// embedded default (state in memory, transcripts and tickets in JSONL files under dataDir).
import { FileTicketStore, FileTranscriptStore, fileStoreHealth, type Warn } from './file.ts';
import {
  MemoryStateStore,
  MemoryTicketStore,
  MemoryTranscriptStore,
  alwaysHealthy,
  type Clock,
} from './memory.ts';
import { DEFAULT_KEY_PREFIX, closeRedis, connectRedis, createRedisStores } from './redis.ts';
import type { ConversationStateStore, StoreHealth, TicketStore, TranscriptStore } from './types.ts';

export interface Stores {
  states: ConversationStateStore;
  transcripts: TranscriptStore;
  tickets: TicketStore;
  health: StoreHealth;
  /** Waits for pending writes and closes connections; the stores must not be used afterwards. */
  close(): Promise<void>;
  kind: 'embedded' | 'redis';
}

export interface StoresConfig {
  /** REDIS_URL: switches every store to Redis. */
  redisUrl?: string;
  /** Where the embedded stores keep their files. Default ./data. */
  dataDir?: string;
  /** Prefix of every Redis key. Default 'csbot:'. */
  keyPrefix?: string;
  /** Time source for ticket ids and status times. */
  clock?: Clock;
  /** Where skipped corrupt file lines and Redis connection errors are reported. */
  warn?: Warn;
}

export const DEFAULT_DATA_DIR = './data';

export async function createStores(config: StoresConfig = {}): Promise<Stores> {
  const clock = config.clock ?? (() => new Date());
  if (config.redisUrl) {
    const redis = await connectRedis(config.redisUrl, {
      connectionName: 'csbot-store',
      ...(config.warn
        ? { onError: (error: Error) => config.warn?.(`redis: ${error.message}`) }
        : {}),
    });
    const stores = createRedisStores(redis, {
      keyPrefix: config.keyPrefix ?? DEFAULT_KEY_PREFIX,
      clock,
    });
    return { ...stores, kind: 'redis', close: () => closeRedis(redis) };
  }
  const dataDir = config.dataDir ?? DEFAULT_DATA_DIR;
  const fileOptions = { dataDir, clock, ...(config.warn ? { warn: config.warn } : {}) };
  const [transcripts, tickets] = await Promise.all([
    FileTranscriptStore.open(fileOptions),
    FileTicketStore.open(fileOptions),
  ]);
  return {
    states: new MemoryStateStore(),
    transcripts,
    tickets,
    health: fileStoreHealth(dataDir),
    kind: 'embedded',
    close: async () => {
      await Promise.all([transcripts.flush(), tickets.flush()]);
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

export {
  createRedisConnection,
  connectRedis,
  closeRedis,
  redactRedisUrl,
  DEFAULT_KEY_PREFIX,
} from './redis.ts';
export type { Redis, RedisConnectionOptions } from './redis.ts';
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
