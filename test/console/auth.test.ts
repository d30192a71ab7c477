// Sign-in to the service console: the token in constant time behind the admin lockout, a session
// cookie that scripts and other sites cannot use, idle and absolute expiry, the CSRF token on every
// change, sign-out, and no console at all without ADMIN_TOKEN.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { CSRF_HEADER, SESSION_COOKIE, cookieValue } from '../../src/console/auth.ts';
import { registerConsole, type ConsoleApiMount } from '../../src/console/index.ts';

const TOKEN = 'console-test-token-0123456789';
const MINUTE = 60_000;

class Clock {
  at = Date.parse('2026-11-28T02:00:00.000Z');
  now = () => new Date(this.at);
  advance(ms: number) {
    this.at += ms;
  }
}

/** An API plugin as E1's and E3's are: every route behind the session guard. */
const probe: ConsoleApiMount = (authorize) => async (server) => {
  server.get('/console/api/probe', { preHandler: authorize }, async () => ({ read: true }));
  server.post('/console/api/probe', { preHandler: authorize }, async () => ({ changed: true }));
  server.delete('/console/api/probe', { preHandler: authorize }, async () => ({ deleted: true }));
};

const servers: FastifyInstance[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function consoleServer(options: { token?: string; trustProxy?: boolean } = {}) {
  const clock = new Clock();
  const server = Fastify({ trustProxy: options.trustProxy ?? false });
  servers.push(server);
  const auth = await registerConsole(server, {
    ...(options.token === undefined
      ? { adminToken: TOKEN }
      : options.token
        ? { adminToken: options.token }
        : {}),
    session: { idleMs: 30 * MINUTE, absoluteMs: 8 * 60 * MINUTE },
    guard: { perMinute: 0, maxFailures: 3, windowMs: 15 * MINUTE, lockoutMs: 15 * MINUTE },
    clock: clock.now,
    apis: [probe],
  });
  await server.ready();
  return { server, clock, auth };
}

function signIn(server: FastifyInstance, token = TOKEN, extra: Record<string, string> = {}) {
  return server.inject({
    method: 'POST',
    url: '/console/sign-in',
    headers: { 'content-type': 'application/json', ...extra },
    payload: JSON.stringify({ token, name: '王主管' }),
  });
}

async function session(server: FastifyInstance) {
  const res = await signIn(server);
  expect(res.statusCode).toBe(200);
  const setCookie = String(res.headers['set-cookie']);
  const cookie = cookieValue(setCookie.split(';')[0], SESSION_COOKIE)!;
  expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const csrf = (res.json() as { csrfToken: string }).csrfToken;
  return { cookie: `${SESSION_COOKIE}=${cookie}`, csrf };
}

describe('console sign-in', () => {
  it('says the console is disabled without ADMIN_TOKEN, and opens nothing', async () => {
    const { server } = await consoleServer({ token: '' });
    const page = await server.inject({ method: 'GET', url: '/console' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('服务控制台未启用');
    expect(page.body).toContain('ADMIN_TOKEN');
    const attempt = await signIn(server, '');
    expect(attempt.statusCode).toBe(503);
    expect(attempt.headers['set-cookie']).toBeUndefined();
    expect(attempt.json()).toMatchObject({ error: { code: 'console_disabled' } });
    for (const url of ['/console/api/probe', '/console/api/overview', '/console/session']) {
      const res = await server.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(503);
    }
  });

  it('serves the page with a strict content policy and ECharts from the bot itself', async () => {
    const { server } = await consoleServer();
    const page = await server.inject({ method: 'GET', url: '/console' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('服务控制台');
    expect(page.body).toContain('/console/static/echarts.min.js');
    expect(page.body).not.toMatch(/https?:\/\//);
    const policy = String(page.headers['content-security-policy']);
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    const echarts = await server.inject({ method: 'GET', url: '/console/static/echarts.min.js' });
    expect(echarts.statusCode).toBe(200);
    expect(echarts.headers['content-type']).toContain('javascript');
    expect(echarts.body.length).toBeGreaterThan(500_000);
    const missing = await server.inject({ method: 'GET', url: '/console/static/..%2Fauth.ts' });
    expect(missing.statusCode).toBe(404);
  });

  it('refuses a wrong token without a session', async () => {
    const { server } = await consoleServer();
    const res = await signIn(server, TOKEN.slice(0, -1) + 'x');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'wrong_token' } });
    expect(res.headers['set-cookie']).toBeUndefined();
    const shorter = await signIn(server, 'short');
    expect(shorter.statusCode).toBe(401);
    const probeRes = await server.inject({ method: 'GET', url: '/console/api/probe' });
    expect(probeRes.statusCode).toBe(401);
  });

  it('asks for JSON and for a name to sign the ticket actions with', async () => {
    const { server } = await consoleServer();
    const form = await server.inject({
      method: 'POST',
      url: '/console/sign-in',
      headers: { 'content-type': 'text/plain' },
      payload: `token=${TOKEN}`,
    });
    expect(form.statusCode).toBe(415);
    const noName = await server.inject({
      method: 'POST',
      url: '/console/sign-in',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ token: TOKEN }),
    });
    expect(noName.statusCode).toBe(400);
    expect(noName.json()).toMatchObject({ error: { code: 'name_required' } });
    expect(noName.headers['set-cookie']).toBeUndefined();
  });

  it('locks an address out after repeated wrong tokens, even for the right one, until the lockout ends', async () => {
    const { server, clock } = await consoleServer();
    for (let i = 0; i < 3; i++) expect((await signIn(server, `wrong-${i}`)).statusCode).toBe(401);
    const locked = await signIn(server);
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ error: { code: 'locked_out' } });
    expect(Number(locked.headers['retry-after'])).toBe(15 * 60);
    expect(locked.headers['set-cookie']).toBeUndefined();
    clock.advance(15 * MINUTE);
    expect((await signIn(server)).statusCode).toBe(200);
  });

  it('sets an HttpOnly, SameSite=Strict cookie on /console, Secure only over https', async () => {
    const plain = await consoleServer();
    const res = await signIn(plain.server);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]+;`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/console');
    expect(cookie).toContain(`Max-Age=${8 * 60 * 60}`);
    expect(cookie).not.toContain('Secure');
    expect(res.headers['cache-control']).toBe('no-store');

    const proxied = await consoleServer({ trustProxy: true });
    const https = await signIn(proxied.server, TOKEN, { 'x-forwarded-proto': 'https' });
    expect(String(https.headers['set-cookie'])).toContain('; Secure');
  });

  it('ends a session left idle too long, and any session past its absolute limit', async () => {
    const { server, clock } = await consoleServer();
    const idle = await session(server);
    clock.advance(30 * MINUTE - 1);
    const kept = await server.inject({
      method: 'GET',
      url: '/console/session',
      headers: { cookie: idle.cookie },
    });
    expect(kept.statusCode).toBe(200);
    expect(kept.json()).toMatchObject({ staffName: '王主管', csrfToken: idle.csrf });
    clock.advance(30 * MINUTE);
    const gone = await server.inject({
      method: 'GET',
      url: '/console/api/probe',
      headers: { cookie: idle.cookie },
    });
    expect(gone.statusCode).toBe(401);
    expect(gone.json()).toMatchObject({ error: { code: 'signed_out' } });

    const busy = await session(server);
    // Used every 20 minutes, it still ends 8 hours after sign-in.
    for (let used = 0; used < 23; used++) {
      clock.advance(20 * MINUTE);
      const res = await server.inject({
        method: 'GET',
        url: '/console/api/probe',
        headers: { cookie: busy.cookie },
      });
      expect(res.statusCode).toBe(200);
    }
    clock.advance(20 * MINUTE);
    const after = await server.inject({
      method: 'GET',
      url: '/console/api/probe',
      headers: { cookie: busy.cookie },
    });
    expect(after.statusCode).toBe(401);
  });

  it('requires the session CSRF token in a header on every change, not on reads', async () => {
    const { server } = await consoleServer();
    const mine = await session(server);
    const other = await session(server);
    const read = await server.inject({
      method: 'GET',
      url: '/console/api/probe',
      headers: { cookie: mine.cookie },
    });
    expect(read.statusCode).toBe(200);
    for (const method of ['POST', 'DELETE'] as const) {
      const missing = await server.inject({
        method,
        url: '/console/api/probe',
        headers: { cookie: mine.cookie },
      });
      expect(missing.statusCode, method).toBe(403);
      expect(missing.json()).toMatchObject({ error: { code: 'csrf' } });
      const wrong = await server.inject({
        method,
        url: '/console/api/probe',
        headers: { cookie: mine.cookie, [CSRF_HEADER]: mine.csrf.slice(0, -2) + 'xx' },
      });
      expect(wrong.statusCode, method).toBe(403);
      // Another session's token is no good here: it is tied to the session.
      const foreign = await server.inject({
        method,
        url: '/console/api/probe',
        headers: { cookie: mine.cookie, [CSRF_HEADER]: other.csrf },
      });
      expect(foreign.statusCode, method).toBe(403);
      const right = await server.inject({
        method,
        url: '/console/api/probe',
        headers: { cookie: mine.cookie, [CSRF_HEADER]: mine.csrf },
      });
      expect(right.statusCode, method).toBe(200);
    }
    // A token alone, without the session cookie, is nothing.
    const noCookie = await server.inject({
      method: 'POST',
      url: '/console/api/probe',
      headers: { [CSRF_HEADER]: mine.csrf },
    });
    expect(noCookie.statusCode).toBe(401);
  });

  it('signs out: the session ends on the server and the cookie is cleared', async () => {
    const { server } = await consoleServer();
    const mine = await session(server);
    const forged = await server.inject({
      method: 'POST',
      url: '/console/sign-out',
      headers: { cookie: mine.cookie },
    });
    expect(forged.statusCode).toBe(403);
    const out = await server.inject({
      method: 'POST',
      url: '/console/sign-out',
      headers: { cookie: mine.cookie, [CSRF_HEADER]: mine.csrf },
    });
    expect(out.statusCode).toBe(204);
    const cleared = String(out.headers['set-cookie']);
    expect(cleared).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
    expect(cleared).toContain('Max-Age=0');
    expect(cleared).toContain('Path=/console');
    // The old cookie, replayed, opens nothing.
    const replay = await server.inject({
      method: 'GET',
      url: '/console/api/probe',
      headers: { cookie: mine.cookie },
    });
    expect(replay.statusCode).toBe(401);
  });

  it('starts a fresh session at each sign-in, ending one the browser already held', async () => {
    const { server } = await consoleServer();
    const planted = await session(server);
    const res = await signIn(server, TOKEN, { cookie: planted.cookie });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['set-cookie'])).not.toContain(planted.cookie);
    const old = await server.inject({
      method: 'GET',
      url: '/console/api/probe',
      headers: { cookie: planted.cookie },
    });
    expect(old.statusCode).toBe(401);
  });
});
