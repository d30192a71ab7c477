import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createRedisStores,
  RedisStateStore,
  RedisTicketStore,
  RedisTranscriptStore,
} from '../../src/store/redis.ts';
import {
  connectRedis,
  redactRedisUrl,
  withReplyTimeout,
  type Redis,
} from '../../src/store/redis-connection.ts';
import { describeStateStoreContract } from './state.contract.ts';
import { describeTicketStoreContract } from './ticket.contract.ts';
import { describeTranscriptStoreContract } from './transcript.contract.ts';
import { RedisSandbox, sampleEntry, sampleState, sampleTicket, TestClock } from './support.ts';

const redisUrl = inject('redisUrl');

// Each open() is a new connection under the test's own prefix: another bot instance.
describeStateStoreContract('redis', async ({ stateTtlMs }) => {
  const sandbox = new RedisSandbox(redisUrl);
  return {
    open: async () =>
      new RedisStateStore(await sandbox.connect(), {
        keyPrefix: sandbox.prefix,
        ...(stateTtlMs ? { stateTtlMs } : {}),
      }),
    concurrentHandles: true,
    cleanup: () => sandbox.cleanup(),
  };
});

describeTranscriptStoreContract('redis', async () => {
  const sandbox = new RedisSandbox(redisUrl);
  return {
    open: async () =>
      new RedisTranscriptStore(await sandbox.connect(), { keyPrefix: sandbox.prefix }),
    concurrentHandles: true,
    cleanup: () => sandbox.cleanup(),
  };
});

describeTicketStoreContract('redis', async ({ clock }) => {
  const sandbox = new RedisSandbox(redisUrl);
  return {
    open: async () =>
      new RedisTicketStore(await sandbox.connect(), {
        keyPrefix: sandbox.prefix,
        clock: clock.now,
      }),
    concurrentHandles: true,
    cleanup: () => sandbox.cleanup(),
  };
});

describe('redis stores', () => {
  const sandbox = new RedisSandbox(redisUrl);
  let redis: Redis;

  beforeAll(async () => {
    redis = await sandbox.connect();
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  it('keeps every key under its prefix, state as JSON beside its version', async () => {
    // A prefix of its own inside the sandbox: other tests' keys are not this test's to list.
    const prefix = `${sandbox.prefix}layout:`;
    const stores = createRedisStores(redis, {
      keyPrefix: prefix,
      clock: new TestClock().now,
    });
    await stores.states.save(sampleState('web:k'), null);
    const release = await stores.states.lock('web:k', 5000);
    await stores.transcripts.append(sampleEntry('web:k', 'hi'));
    await stores.tickets.create(sampleTicket('web:k'), 'bot');
    const keys = (await sandbox.keys())
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length))
      .sort();
    expect(keys).toEqual([
      'lock:web:k',
      'state:web:k',
      'ticket-seq:TS20261123',
      'ticket:TS20261123-0001',
      'tickets',
      'tickets:conversation:web:k',
      'tickets:order',
      'transcript-seq:web:k',
      'transcript:web:k',
    ]);
    expect(await redis.hGet(`${prefix}state:web:k`, 'v')).toBe('1');
    expect(JSON.parse((await redis.hGet(`${prefix}state:web:k`, 's'))!)).toEqual(
      sampleState('web:k'),
    );
    expect(await redis.pTTL(`${prefix}lock:web:k`)).toBeGreaterThan(0);
    await release();
    expect(await redis.exists(`${prefix}lock:web:k`)).toBe(0);
    expect(await redis.TTL(`${prefix}ticket-seq:TS20261123`)).toBeGreaterThan(0);
  });

  it('never reuses a ticket id even when the daily counter was lost', async () => {
    const prefix = `${sandbox.prefix}lost:`;
    const tickets = new RedisTicketStore(redis, { keyPrefix: prefix, clock: new TestClock().now });
    const first = await tickets.create(sampleTicket('web:a'), 'bot');
    await redis.del(`${prefix}ticket-seq:TS20261123`);
    const second = await tickets.create(sampleTicket('web:b'), 'bot');
    expect([first.id, second.id]).toEqual(['TS20261123-0001', 'TS20261123-0002']);
    expect(await tickets.get(first.id)).toMatchObject({ conversationId: 'web:a' });
  });

  it('reports health with PING', async () => {
    const stores = createRedisStores(redis, { keyPrefix: sandbox.prefix });
    expect(await stores.health.ping()).toBe(true);
  });

  it('fails to connect with a clear error that hides the password', async () => {
    const error = await connectRedis('redis://:s3cret@127.0.0.1:1', {
      connectTimeoutMs: 1000,
      onError: () => {},
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((error as Error).message).not.toContain('s3cret');
    expect(redactRedisUrl('redis://user:pw@host:6379/0')).toBe('redis://user:***@host:6379/0');
  });
});

/** Synchronous work that keeps the event loop from turning, like building the app at start-up. */
function busyFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const nextTurnOfEventLoop = () => new Promise((resolve) => setImmediate(resolve));

// Time the bot's own process spends busy is not Redis's: a healthy Redis must not be reported as
// unavailable because of it (issue #17: the second instance's start-up probe "timed out" while the
// app was being built, and a member's 受理 was refused with "Redis is unavailable").
describe('redis while the bot itself is busy', () => {
  const sandbox = new RedisSandbox(redisUrl);
  let redis: Redis;

  beforeAll(async () => {
    redis = await sandbox.connect();
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  it('counts from when the command is written, not from when it was queued', async () => {
    const pong = withReplyTimeout(redis.ping(), 100);
    busyFor(300);
    await expect(pong).resolves.toBe('PONG');
  });

  it('reads an answer that came while the process was busy before calling it a timeout', async () => {
    const pong = withReplyTimeout(redis.ping(), 100);
    // The command is on the wire and its timer running; the answer comes during the stall.
    await nextTurnOfEventLoop();
    busyFor(300);
    await expect(pong).resolves.toBe('PONG');
  });

  // The probe's TIME either waits out the stall unsent (Redis reads its clock after it) or is
  // answered during it; either way the round trip spans the stall and says nothing about clocks.
  it.each([
    ['still queued', false],
    ['on the wire', true],
  ])(
    'keeps Redis up and writes on time when start-up work outlasts the first probe (%s)',
    async (_, probeWritten) => {
      // In an app's order: a connection, the stores (whose probe is sent), then the app is built.
      const stores = createRedisStores(await sandbox.connect(), {
        keyPrefix: `${sandbox.prefix}busy-${probeWritten ? 'sent' : 'queued'}:`,
        commandTimeoutMs: 200,
      });
      const changes: boolean[] = [];
      stores.availability.onChange((up) => changes.push(up));
      if (probeWritten) await nextTurnOfEventLoop();
      busyFor(1000);
      // The first customers' turns once the app listens; the second one comes after the probe's
      // answer was read, so a clock offset taken across the stall would refuse it as too late.
      expect(await stores.states.save(sampleState('web:first'), null)).toMatchObject({ ok: true });
      await nextTurnOfEventLoop();
      expect(await stores.states.save(sampleState('web:second'), null)).toMatchObject({ ok: true });
      expect(changes).toEqual([]);
      expect(stores.availability.isUp).toBe(true);
      // This redis-server runs on our own clock: any offset is a measuring error.
      expect(Math.abs(stores.availability.serverNow() - Date.now())).toBeLessThan(50);
      stores.availability.close();
    },
  );
});
