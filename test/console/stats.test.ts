import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { memoryConsoleStores } from '../../src/console/stats/index.ts';
import { openFileConsoleStores } from '../../src/console/stats/file.ts';
import { redisConsoleStores } from '../../src/console/stats/redis.ts';
import type { ConsoleStores } from '../../src/console/stats/types.ts';
import { RedisSandbox } from '../store/support.ts';
import { describeConsoleStoresContract } from './stats.contract.ts';
import { describeOverviewFigures } from './stats-overview.ts';

const memory = async () => {
  const stores = memoryConsoleStores();
  return { open: async () => stores, cleanup: async () => {} };
};

const file = async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'csbot-console-'));
  let current: ConsoleStores | null = null;
  return {
    // A new handle is a restart: the previous one has closed (flushed) its journal.
    open: async () => (current = await openFileConsoleStores({ dataDir })),
    cleanup: async () => {
      await current?.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};

const redis = async () => {
  const sandbox = new RedisSandbox(inject('redisUrl'));
  return {
    open: async () => redisConsoleStores(await sandbox.connect(), { keyPrefix: sandbox.prefix }),
    cleanup: () => sandbox.cleanup(),
  };
};

describeConsoleStoresContract('memory', memory);
describeConsoleStoresContract('file', file);
describeConsoleStoresContract('redis', redis);
describeOverviewFigures('memory', memory);
describeOverviewFigures('file', file);
describeOverviewFigures('redis', redis);
