// Sign-in to the service console: ADMIN_TOKEN (compared in constant time, behind the admin API's
// rate limit and lockout) opens a server-side session held in an HttpOnly, SameSite=Strict cookie
// on /console. Sessions end after idle and absolute limits or at sign-out; every change (POST, PUT,
// PATCH, DELETE) must carry the session's synchronizer CSRF token in a header.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminGuard, DEFAULT_ADMIN_GUARD, type AdminGuardOptions } from '../admin/lockout.ts';

export const SESSION_COOKIE = 'csbot_console';
export const CSRF_HEADER = 'x-csrf-token';

export interface ConsoleSessionSettings {
  /** A session unused for this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, however busy. */
  absoluteMs: number;
  /** Sessions held at most; the oldest are ended first. */
  maxSessions?: number;
}

export const DEFAULT_CONSOLE_SESSION: ConsoleSessionSettings = {
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 60 * 60_000,
};

export interface ConsoleSession {
  readonly csrfToken: string;
  /** Who signed in, as they named themselves: recorded on the ticket actions they take. */
  readonly staffName: string;
  readonly createdAt: number;
  lastSeenAt: number;
}

/**
 * Sessions of this instance, in memory and keyed by a hash of the cookie value (a leaked dump of
 * the map opens no session). A restart signs everybody out, which a console can afford.
 */
export class ConsoleSessions {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly settings: ConsoleSessionSettings,
    private readonly now: () => number,
  ) {}

  /** Opens a session; returns the cookie value (shown only to the browser) and the session. */
  open(staffName: string): { cookie: string; session: ConsoleSession } {
    const cookie = randomBytes(32).toString('base64url');
    const at = this.now();
    const session: ConsoleSession = {
      csrfToken: randomBytes(32).toString('base64url'),
      staffName,
      createdAt: at,
      lastSeenAt: at,
    };
    this.sessions.set(keyOf(cookie), session);
    const max = this.settings.maxSessions ?? 1000;
    while (this.sessions.size > max) {
      this.sessions.delete(this.sessions.keys().next().value as string);
    }
    return { cookie, session };
  }

  /** The live session of this cookie value, marked as used now; null when none or expired. */
  use(cookie: string): ConsoleSession | null {
    const key = keyOf(cookie);
    const session = this.sessions.get(key);
    if (!session) return null;
    const at = this.now();
    if (
      at - session.lastSeenAt >= this.settings.idleMs ||
      at - session.createdAt >= this.settings.absoluteMs
    ) {
      this.sessions.delete(key);
      return null;
    }
    session.lastSeenAt = at;
    return session;
  }

  end(cookie: string): boolean {
    return this.sessions.delete(keyOf(cookie));
  }

  get size(): number {
    return this.sessions.size;
  }
}

function keyOf(cookie: string): string {
  return createHash('sha256').update(cookie).digest('base64url');
}

/** Equal strings in time that depends only on their lengths. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of one cookie from a Cookie header; undefined when absent. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface ConsoleAuthDeps {
  /** ADMIN_TOKEN; without it the console is disabled (503), never open. */
  adminToken?: string;
  session?: ConsoleSessionSettings;
  guard?: AdminGuardOptions;
  clock?: () => Date;
}

/** What a console API plugin puts before each of its routes. */
export type ConsoleAuthorize = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface ConsoleAuth {
  readonly enabled: boolean;
  /** preHandler: a live session, and on a change its CSRF token; answers 401/403/503 itself. */
  authorize: ConsoleAuthorize;
  /** The session authorize admitted for this request. */
  sessionOf(request: FastifyRequest): ConsoleSession | null;
  readonly sessions: ConsoleSessions;
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_NAME = 40;

function fail(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).header('cache-control', 'no-store').send({ error: { code, message } });
}

export const DISABLED_MESSAGE = '服务控制台未启用：请设置 ADMIN_TOKEN 后重启服务。';

/** Answers 503: no ADMIN_TOKEN means no console, never an open one. */
export function disabled(reply: FastifyReply) {
  return fail(reply, 503, 'console_disabled', DISABLED_MESSAGE);
}

/**
 * Registers /console/sign-in, /console/session and /console/sign-out, and returns the guard the
 * console's API routes put before themselves.
 */
export function registerConsoleAuth(server: FastifyInstance, deps: ConsoleAuthDeps): ConsoleAuth {
  const clock = deps.clock ?? (() => new Date());
  const now = () => clock().getTime();
  const settings = deps.session ?? DEFAULT_CONSOLE_SESSION;
  const sessions = new ConsoleSessions(settings, now);
  const guard = new AdminGuard(deps.guard ?? DEFAULT_ADMIN_GUARD, now);
  const admitted = new WeakMap<FastifyRequest, { cookie: string; session: ConsoleSession }>();
  const token = deps.adminToken;

  function cookieHeader(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
    const parts = [
      `${SESSION_COOKIE}=${value}`,
      'Path=/console',
      'HttpOnly',
      'SameSite=Strict',
      `Max-Age=${maxAgeSeconds}`,
    ];
    // fastify reads X-Forwarded-Proto only from proxies TRUST_PROXY believes.
    if (request.protocol === 'https') parts.push('Secure');
    return parts.join('; ');
  }

  function current(request: FastifyRequest): { cookie: string; session: ConsoleSession } | null {
    const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!cookie) return null;
    const session = sessions.use(cookie);
    return session ? { cookie, session } : null;
  }

  function csrfOk(request: FastifyRequest, session: ConsoleSession): boolean {
    const given = request.headers[CSRF_HEADER];
    return typeof given === 'string' && sameSecret(given, session.csrfToken);
  }

  const authorize: ConsoleAuthorize = async (request, reply) => {
    if (!token) {
      await disabled(reply);
      return;
    }
    const found = current(request);
    if (!found) {
      await fail(reply, 401, 'signed_out', '请先登录服务控制台（会话不存在或已过期）。');
      return;
    }
    if (CHANGES.has(request.method) && !csrfOk(request, found.session)) {
      await fail(reply, 403, 'csrf', '缺少或错误的 CSRF 令牌，请刷新页面后重试。');
      return;
    }
    admitted.set(request, found);
  };

  server.post('/console/sign-in', async (request, reply) => {
    if (!token) return disabled(reply);
    // A JSON body cannot be sent by a cross-site form without a CORS preflight we never answer,
    // so nobody can sign a victim's browser into a session of theirs.
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
      return fail(reply, 415, 'json_required', '请以 JSON 提交登录信息。');
    }
    const verdict = guard.admit(request.ip);
    if (!verdict.ok) {
      void reply.header('retry-after', String(verdict.retryAfterSeconds));
      return fail(
        reply,
        429,
        verdict.reason,
        verdict.reason === 'locked_out'
          ? `令牌错误次数过多，此地址已被暂时锁定，请 ${Math.ceil(verdict.retryAfterSeconds / 60)} 分钟后再试。`
          : '请求过于频繁，请稍后再试。',
      );
    }
    const body = (request.body ?? {}) as { token?: unknown; name?: unknown };
    const given = typeof body.token === 'string' ? body.token.trim() : '';
    if (!sameSecret(given, token)) {
      const locked = guard.failed(request.ip);
      return fail(
        reply,
        401,
        'wrong_token',
        locked ? '令牌错误次数过多，此地址已被暂时锁定。' : '令牌不正确。',
      );
    }
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    if (!name || name.length > MAX_NAME) {
      return fail(
        reply,
        400,
        'name_required',
        `请填写您的姓名（1 至 ${MAX_NAME} 个字），工单操作将记录在此名下。`,
      );
    }
    guard.succeeded(request.ip);
    // A fresh session on every sign-in: a cookie planted before cannot be carried into it.
    const old = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (old) sessions.end(old);
    const { cookie, session } = sessions.open(name);
    return reply
      .header('set-cookie', cookieHeader(request, cookie, Math.floor(settings.absoluteMs / 1000)))
      .header('cache-control', 'no-store')
      .send(sessionView(session));
  });

  function sessionView(session: ConsoleSession) {
    return {
      staffName: session.staffName,
      csrfToken: session.csrfToken,
      idleMinutes: Math.round(settings.idleMs / 60_000),
      expiresAt: new Date(session.createdAt + settings.absoluteMs).toISOString(),
    };
  }

  // The page asks who is signed in, and takes the CSRF token it sends with each change.
  server.get('/console/session', { preHandler: authorize }, async (request, reply) => {
    const found = admitted.get(request)!;
    return reply.header('cache-control', 'no-store').send(sessionView(found.session));
  });

  server.post('/console/sign-out', { preHandler: authorize }, async (request, reply) => {
    const found = admitted.get(request)!;
    sessions.end(found.cookie);
    return reply
      .header('set-cookie', cookieHeader(request, '', 0))
      .header('cache-control', 'no-store')
      .code(204)
      .send();
  });

  return {
    enabled: Boolean(token),
    authorize,
    sessionOf: (request) => admitted.get(request)?.session ?? null,
    sessions,
  };
}
