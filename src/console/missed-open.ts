// Opens the missed-message store where the bot keeps its other data: Redis when REDIS_URL is set,
// else files under DATA_DIR. The server writes; `csbot review` opens the same store to read.
import type { Warn } from '../store/durable-file.ts';
import type { RedisCommand } from '../store/idempotency.ts';
import { FileMissedStore, RedisMissedStore, type MissedStore } from './missed-store.ts';

export type MissedStoreLocation =
  | { kind: 'embedded'; dataDir: string; readOnly?: boolean }
  | { kind: 'redis'; command: RedisCommand; keyPrefix: string };

export async function openMissedStore(
  location: MissedStoreLocation,
  options: { warn?: Warn } = {},
): Promise<MissedStore> {
  if (location.kind === 'redis') return new RedisMissedStore(location.command, location.keyPrefix);
  return FileMissedStore.open({
    dataDir: location.dataDir,
    ...(location.readOnly ? { readOnly: true } : {}),
    ...(options.warn ? { warn: options.warn } : {}),
  });
}
