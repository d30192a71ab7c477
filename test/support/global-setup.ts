// Gives the suite its own redis-server on a free port (unless REDIS_URL is set), so no test
// depends on data left in a shared Redis. Tests read the URL with inject('redisUrl').
import type { TestProject } from 'vitest/node';
import { startPrivateRedis } from './redis-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return async () => {};
  }
  const redis = await startPrivateRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
