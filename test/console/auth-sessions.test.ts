// Console sessions behind one contract, in memory and on Redis: open, use within the limits, end
// when idle too long, past the absolute limit or at sign-out. On Redis every instance sees the same
// sessions: signed in on one, a supervisor is known to the others, and sign-out ends it everywhere.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import {
  CSRF_HEADER,
  MemoryConsoleSessions,
  RedisConsoleSessions,
  SESSION_COOKIE,
  cookieValue,
  type ConsoleSessionSettings,
  type ConsoleSessionStore,
} from '../../src/console/auth.ts';
import { registerConsole } from '../../src/console/index.ts';
import { StoreUnavailableError } from '../../src/store/errors.ts';
import type { Redis } from '../../src/store/index.ts';
import { RedisSandbox } from '../store/support.ts';

const MINUTE = 60_000;
const SETTINGS: ConsoleSessionSettings = { idleMs: 30 * MINUTE, absoluteMs: 8 * 60 * MINUTE };
const TOKEN = 'sessions-test-token-0123456789';

class Clock {
  at = Date.parse('2026-11-28T02:00:00.000Z');
  now = () => this.at;
}

const sandbox = new RedisSandbox(inject('redisUrl'));
let redis: Redis | null = null;
const command = async (args: string[]) => {
  redis ??= await sandbox.connect();
  return redis.sendCommand(args);
};
afterAll(() => sandbox.cleanup());

type Make = (clock: Clock) => ConsoleSessionStore;
const stores: [string, Make][] = [
  ['memory', (clock) => new MemoryConsoleSessions(SETTINGS, clock.now)],
  ['redis', (clock) => new RedisConsoleSessions(command, sandbox.prefix, SETTINGS, clock.now)],
];

describe.each(stores)('console sessions (%s)', (_name, make) => {
  it('finds an open session by its cookie, not by anything else', async () => {
    const clock = new Clock();
    const store = make(clock);
    const { cookie, session } = await store.open('王主管');
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrfToken).not.toBe(cookie);
    const found = await store.use(cookie);
    expect(found).toMatchObject({ staffName: '王主管', csrfToken: session.csrfToken });
    expect(await store.use(session.csrfToken)).toBeNull();
    expect(await store.use(cookie.slice(0, -1) + (cookie.endsWith('A') ? 'B' : 'A'))).toBeNull();
  });

  it('ends a session idle too long; use keeps it alive', async () => {
    const clock = new Clock();
    const store = make(clock);
    const { cookie } = await store.open('a');
    clock.at += 29 * MINUTE;
    expect(await store.use(cookie)).not.toBeNull();
    clock.at += 29 * MINUTE;
    expect(await store.use(cookie)).not.toBeNull();
    clock.at += 30 * MINUTE;
    expect(await store.use(cookie)).toBeNull();
    // Once ended it stays ended, even if the clock were to agree again.
    clock.at -= 30 * MINUTE;
    expect(await store.use(cookie)).toBeNull();
  });

  it('ends any session at its absolute limit', async () => {
    const clock = new Clock();
    const store = make(clock);
    const { cookie } = await store.open('a');
    for (let i = 0; i < 23; i++) {
      clock.at += 20 * MINUTE;
      expect(await store.use(cookie), `use ${i}`).not.toBeNull();
    }
    clock.at += 20 * MINUTE;
    expect(await store.use(cookie)).toBeNull();
  });

  it('ends a session at sign-out, and only that one', async () => {
    const clock = new Clock();
    const store = make(clock);
    const mine = await store.open('a');
    const theirs = await store.open('b');
    await store.end(mine.cookie);
    expect(await store.use(mine.cookie)).toBeNull();
    expect(await store.use(theirs.cookie)).toMatchObject({ staffName: 'b' });
  });
});

describe('console sessions on Redis across instances', () => {
  const servers: FastifyInstance[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  async function instance(clock: Clock) {
    const server = Fastify();
    servers.push(server);
    await registerConsole(server, {
      adminToken: TOKEN,
      session: SETTINGS,
      clock: () => new Date(clock.now()),
      sessions: (settings, now) => new RedisConsoleSessions(command, sandbox.prefix, settings, now),
      apis: [],
    });
    await server.ready();
    return server;
  }

  it('signs in on one instance, is known on the other, and signs out everywhere', async () => {
    const clock = new Clock();
    const a = await instance(clock);
    const b = await instance(clock);
    const res = await a.inject({
      method: 'POST',
      url: '/console/sign-in',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ token: TOKEN, name: '王主管' }),
    });
    expect(res.statusCode).toBe(200);
    const value = cookieValue(String(res.headers['set-cookie']).split(';')[0], SESSION_COOKIE);
    const cookie = `${SESSION_COOKIE}=${value}`;
    const csrf = (res.json() as { csrfToken: string }).csrfToken;
    const onB = await b.inject({ url: '/console/session', headers: { cookie } });
    expect(onB.statusCode).toBe(200);
    expect(onB.json()).toMatchObject({ staffName: '王主管', csrfToken: csrf });
    const out = await b.inject({
      method: 'POST',
      url: '/console/sign-out',
      headers: { cookie, [CSRF_HEADER]: csrf },
    });
    expect(out.statusCode).toBe(204);
    expect((await a.inject({ url: '/console/session', headers: { cookie } })).statusCode).toBe(401);
  });

  it('answers 503 while the session store does not answer, never lets the request through', async () => {
    const server = Fastify();
    servers.push(server);
    const down = async () => {
      throw new StoreUnavailableError('Redis is unavailable');
    };
    await registerConsole(server, {
      adminToken: TOKEN,
      sessions: (settings, now) => new RedisConsoleSessions(down, 'x:', settings, now),
      apis: [
        (authorize) => async (s) => {
          s.get('/console/api/probe', { preHandler: authorize }, async () => ({ read: true }));
        },
      ],
    });
    await server.ready();
    const probe = await server.inject({
      url: '/console/api/probe',
      headers: { cookie: `${SESSION_COOKIE}=whatever` },
    });
    expect(probe.statusCode).toBe(503);
    expect(probe.json()).toMatchObject({ error: { code: 'sessions_unavailable' } });
    const signIn = await server.inject({
      method: 'POST',
      url: '/console/sign-in',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ token: TOKEN, name: 'a' }),
    });
    expect(signIn.statusCode).toBe(503);
    expect(signIn.headers['set-cookie']).toBeUndefined();
  });
});
