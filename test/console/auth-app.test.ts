// The console as the app mounts it: every API route of the console (overview, conversations,
// tickets, what the bot missed) sits behind the sign-in, every change behind the CSRF token, and
// an app without ADMIN_TOKEN has no console at all. The session limits come from the settings.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { CSRF_HEADER, SESSION_COOKIE, cookieValue } from '../../src/console/auth.ts';
import { appConfigFromEnv } from '../../src/config.ts';
import { createMemoryStores } from '../../src/store/index.ts';
import { ADMIN_TOKEN, appConfig, sharedContent } from '../app/harness.ts';
import { RedisSandbox } from '../store/support.ts';

const READS = [
  '/console/api/overview',
  '/console/api/conversations',
  '/console/api/conversations/web%3Aabc',
  '/console/api/tickets',
  '/console/api/tickets.csv',
  '/console/api/missed',
];

let withToken: App;
let withoutToken: App;

beforeAll(async () => {
  const { content, dialogs, nlu } = sharedContent();
  const deps = { content, dialogs, nlu, logger: false } as const;
  withToken = await createApp(appConfig(content), { ...deps, stores: createMemoryStores() });
  const { adminToken: _none, ...config } = appConfig(content);
  withoutToken = await createApp(config, { ...deps, stores: createMemoryStores() });
});

afterAll(async () => {
  await withToken?.close();
  await withoutToken?.close();
});

describe('the console in the app', () => {
  it('is disabled without ADMIN_TOKEN: the page and every API answer 503', async () => {
    const page = await withoutToken.server.inject('/console');
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('ADMIN_TOKEN');
    for (const url of READS) {
      expect((await withoutToken.server.inject(url)).statusCode, url).toBe(503);
    }
  });

  it('answers no API route without a session, and every one with it', async () => {
    for (const url of READS) {
      expect((await withToken.server.inject(url)).statusCode, url).toBe(401);
    }
    const signIn = await withToken.server.inject({
      method: 'POST',
      url: '/console/sign-in',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ token: ADMIN_TOKEN, name: '王主管' }),
    });
    expect(signIn.statusCode).toBe(200);
    const cookie = `${SESSION_COOKIE}=${cookieValue(String(signIn.headers['set-cookie']).split(';')[0], SESSION_COOKIE)}`;
    const csrf = (signIn.json() as { csrfToken: string }).csrfToken;
    for (const url of READS) {
      const res = await withToken.server.inject({ url, headers: { cookie } });
      // Past the guard: the route itself answers (an unknown conversation is 404).
      expect([200, 404], `${url} ${res.statusCode}`).toContain(res.statusCode);
    }
    const change = {
      method: 'POST' as const,
      url: '/console/api/tickets/TS20261128-0001/events',
      payload: { action: 'accept' },
    };
    const forged = await withToken.server.inject({ ...change, headers: { cookie } });
    expect(forged.statusCode).toBe(403);
    const sent = await withToken.server.inject({
      ...change,
      headers: { cookie, [CSRF_HEADER]: csrf },
    });
    // Past the guard, the ticket API looks the ticket up: none by that number.
    expect(sent.statusCode).toBe(404);
  });

  it('reads the session limits from CONSOLE_SESSION_IDLE_MINUTES and CONSOLE_SESSION_MAX_HOURS', () => {
    const { content } = sharedContent();
    expect(appConfigFromEnv({}, content.firm).console).toEqual({
      session: { idleMs: 30 * 60_000, absoluteMs: 12 * 60 * 60_000 },
    });
    const set = appConfigFromEnv(
      { CONSOLE_SESSION_IDLE_MINUTES: '10', CONSOLE_SESSION_MAX_HOURS: '2' },
      content.firm,
    );
    expect(set.console?.session).toEqual({ idleMs: 10 * 60_000, absoluteMs: 2 * 60 * 60_000 });
    expect(() => appConfigFromEnv({ CONSOLE_SESSION_IDLE_MINUTES: '0' }, content.firm)).toThrow(
      /CONSOLE_SESSION_IDLE_MINUTES/,
    );
  });

  it('keeps sessions on Redis when the app runs on Redis, so every instance knows them', async () => {
    const { content, dialogs, nlu } = sharedContent();
    const sandbox = new RedisSandbox(inject('redisUrl'));
    const redis = await sandbox.connect();
    const app = await createApp(
      { ...appConfig(content), redisKeyPrefix: sandbox.prefix },
      { content, dialogs, nlu, logger: false, stores: createMemoryStores(), redis },
    );
    try {
      const signIn = await app.server.inject({
        method: 'POST',
        url: '/console/sign-in',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ token: ADMIN_TOKEN, name: '王主管' }),
      });
      expect(signIn.statusCode).toBe(200);
      const keys = (await sandbox.keys()).filter((k) => k.includes('console-session:'));
      expect(keys).toHaveLength(1);
      // The key is the cookie's hash, never the cookie itself.
      const value = cookieValue(
        String(signIn.headers['set-cookie']).split(';')[0],
        SESSION_COOKIE,
      )!;
      expect(keys[0]).not.toContain(value);
    } finally {
      await app.close();
      await sandbox.cleanup();
    }
  });
});
