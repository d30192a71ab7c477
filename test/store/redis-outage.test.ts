// The Redis stores against a private redis-server that is paused and killed under them.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  createRedisStores,
  RedisTranscriptStore,
  type RedisStores,
} from '../../src/store/redis.ts';
import { closeRedis, connectRedis, type Redis } from '../../src/store/redis-connection.ts';
import { startControllableRedis, type ControllableRedis } from '../support/redis-server.ts';
import { RedisSandbox, sampleEntry, sampleState } from './support.ts';

const COMMAND_TIMEOUT_MS = 500;

async function timed<T>(promise: Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await promise;
    return { ms: Date.now() - started, error: null };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

describe('Redis stores during an outage', () => {
  let server: ControllableRedis;
  let redis: Redis;
  let stores: RedisStores;

  beforeAll(async () => {
    server = await startControllableRedis();
  });

  afterAll(async () => {
    await server.stop();
  });

  afterEach(async () => {
    server.resume();
    stores?.availability.close();
    if (redis) await closeRedis(redis);
  });

  async function open(prefix: string): Promise<void> {
    redis = await connectRedis(server.url, {
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      onError: () => {},
    });
    stores = createRedisStores(redis, { keyPrefix: prefix, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    await vi.waitFor(() => expect(stores.availability.isUp).toBe(true));
  }

  it('fails fast while Redis is paused and works again once it answers', async () => {
    await open('pause:');
    await stores.states.save(sampleState('web:p'), null);
    server.pause();
    const first = await timed(stores.states.load('web:p'));
    expect(first.error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(first.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 500);
    // The circuit is open: no further command waits out its timeout.
    const second = await timed(stores.states.lock('web:p', 5000));
    expect(second.error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(second.ms).toBeLessThan(250);
    expect(await stores.health.ping()).toBe(false);
    server.resume();
    await vi.waitFor(async () => expect(await stores.health.ping()).toBe(true), { timeout: 5000 });
    expect((await stores.states.load('web:p'))?.version).toBe(1);
  });

  it('refuses a write Redis runs after its caller gave up on it', async () => {
    await open('late:');
    await stores.states.save(sampleState('web:late', { userId: 'before' }), null);
    // Counted on a connection of its own: how many scripts Redis has run, so the test can wait
    // for the late one to have run instead of sleeping and hoping it did.
    const probe = await connectRedis(server.url);
    const scriptsRun = async (): Promise<number> => {
      const stats = String(await probe.info('commandstats'));
      return [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    };
    const before = await scriptsRun();
    server.pause();
    const save = await timed(stores.states.save(sampleState('web:late', { userId: 'after' }), 1));
    expect(save.error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    // Redis wakes up and runs the queued script: it sees it is too late and changes nothing.
    server.resume();
    await vi.waitFor(async () => expect(await scriptsRun()).toBeGreaterThan(before), {
      timeout: 5000,
    });
    await closeRedis(probe);
    await vi.waitFor(() => expect(stores.availability.isUp).toBe(true), { timeout: 5000 });
    expect(await stores.states.load('web:late')).toMatchObject({
      version: 1,
      state: { userId: 'before' },
    });
  });

  it('reconnects by itself after the server is killed and restarted, data intact', async () => {
    await open('kill:');
    await stores.transcripts.append(sampleEntry('web:k', '我要投诉'));
    await server.kill();
    const down = await timed(stores.transcripts.list('web:k'));
    expect(down.error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(down.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 500);
    await server.restart();
    await vi.waitFor(() => expect(stores.availability.isUp).toBe(true), { timeout: 10_000 });
    expect((await stores.transcripts.list('web:k')).map((e) => e.text)).toEqual(['我要投诉']);
  });
});

describe('lines replayed from the outage spool', () => {
  const sandbox = new RedisSandbox(inject('redisUrl'));

  afterAll(() => sandbox.cleanup());

  it('are stored once however often a replay is retried', async () => {
    const transcripts = new RedisTranscriptStore(await sandbox.connect(), {
      keyPrefix: sandbox.prefix,
    });
    const spooled = sampleEntry('web:s', '停机时说的', { data: { spoolId: 'sp-1' } });
    const [first] = await transcripts.appendMany([spooled]);
    const [again] = await transcripts.appendMany([spooled]);
    await transcripts.append(sampleEntry('web:s', '之后'));
    expect(again?.seq).toBe(first?.seq);
    expect((await transcripts.list('web:s')).map((e) => [e.seq, e.text])).toEqual([
      [1, '停机时说的'],
      [2, '之后'],
    ]);
  });
});
