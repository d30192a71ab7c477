// The console's statistics and conversation index: which stores to use, and the pieces the app
// wires in (recorder, turn observer, queue and ticket observers).
import type { Redis, RedisAvailability } from '../../store/redis-connection.ts';
import type { Warn } from '../../store/durable-file.ts';
import { openFileConsoleStores } from './file.ts';
import { MemoryConversationIndex, MemoryStatisticsStore } from './memory.ts';
import { redisConsoleStores } from './redis.ts';
import type { ConsoleStores } from './types.ts';

export function memoryConsoleStores(): ConsoleStores {
  return {
    statistics: new MemoryStatisticsStore(),
    conversations: new MemoryConversationIndex(),
    close: async () => {},
  };
}

/** Redis when the app's stores are on Redis, else the journaled files under the data dir. */
export async function openConsoleStores(
  config:
    | { kind: 'redis'; redis: Redis; keyPrefix: string; availability?: RedisAvailability }
    | { kind: 'embedded'; dataDir: string; warn?: Warn },
): Promise<ConsoleStores> {
  if (config.kind === 'redis') {
    return redisConsoleStores(config.redis, {
      keyPrefix: config.keyPrefix,
      ...(config.availability ? { availability: config.availability } : {}),
    });
  }
  return openFileConsoleStores({
    dataDir: config.dataDir,
    ...(config.warn ? { warn: config.warn } : {}),
  });
}

export { createStatisticsRecorder, searchWords } from './recorder.ts';
export type { StatisticsPort, StatisticsRecorder } from './recorder.ts';
export { statisticsTurnObserver } from './observer.ts';
export { observedHandoffQueue, observedTicketStore } from './observed.ts';
export { computeOverview, type Overview } from './overview.ts';
export type * from './types.ts';
