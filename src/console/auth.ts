// Sign-in to the service console: ADMIN_TOKEN (compared in constant time, behind the admin API's
// rate limit and lockout) opens a server-side session held in an HttpOnly, SameSite=Strict cookie
// on /console. Sessions end after idle and absolute limits or at sign-out; every change (POST, PUT,
// PATCH, DELETE) must carry the session's synchronizer CSRF token in a header.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminGuard, DEFAULT_ADMIN_GUARD, type AdminGuardOptions } from '../admin/lockout.ts';
import { StoreUnavailableError } from '../store/errors.ts';
import type { RedisCommand } from '../store/idempotency.ts';

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
 * Where console sessions live. The browser holds only the cookie value; stores key sessions by its
 * hash, so a leaked dump of the store opens no session.
 */
export interface ConsoleSessionStore {
  /** Opens a session; returns the cookie value (shown only to the browser) and the session. */
  open(staffName: string): Promise<{ cookie: string; session: ConsoleSession }>;
  /** The live session of this cookie value, marked as used now; null when none or expired. */
  use(cookie: string): Promise<ConsoleSession | null>;
  end(cookie: string): Promise<void>;
}

function newSession(staffName: string, at: number): { cookie: string; session: ConsoleSession } {
  return {
    cookie: randomBytes(32).toString('base64url'),
    session: {
      csrfToken: randomBytes(32).toString('base64url'),
      staffName,
      createdAt: at,
      lastSeenAt: at,
    },
  };
}

function expired(session: ConsoleSession, at: number, settings: ConsoleSessionSettings): boolean {
  return (
    at - session.lastSeenAt >= settings.idleMs || at - session.createdAt >= settings.absoluteMs
  );
}

/** Sessions of one instance, in its memory: a restart signs everybody out. */
export class MemoryConsoleSessions implements ConsoleSessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly settings: ConsoleSessionSettings,
    private readonly now: () => number,
  ) {}

  async open(staffName: string) {
    const opened = newSession(staffName, this.now());
    this.sessions.set(keyOf(opened.cookie), opened.session);
    const max = this.settings.maxSessions ?? 1000;
    while (this.sessions.size > max) {
      this.sessions.delete(this.sessions.keys().next().value as string);
    }
    return opened;
  }

  async use(cookie: string) {
    const key = keyOf(cookie);
    const session = this.sessions.get(key);
    if (!session) return null;
    const at = this.now();
    if (expired(session, at, this.settings)) {
      this.sessions.delete(key);
      return null;
    }
    session.lastSeenAt = at;
    return session;
  }

  async end(cookie: string) {
    this.sessions.delete(keyOf(cookie));
  }

  get size(): number {
    return this.sessions.size;
  }
}

/**
 * Sessions shared by every instance on one Redis, so a supervisor behind a load balancer stays
 * signed in whichever instance answers, and sign-out ends the session everywhere. The limits are
 * checked against the app's clock; the key's TTL only lets Redis forget ended sessions.
 */
export class RedisConsoleSessions implements ConsoleSessionStore {
  constructor(
    private readonly command: RedisCommand,
    private readonly keyPrefix: string,
    private readonly settings: ConsoleSessionSettings,
    private readonly now: () => number,
  ) {}

  private key(cookie: string): string {
    return `${this.keyPrefix}console-session:${keyOf(cookie)}`;
  }

  private async save(cookie: string, session: ConsoleSession, onlyIfPresent: boolean) {
    const left = this.settings.absoluteMs - (session.lastSeenAt - session.createdAt);
    const ttl = Math.max(1000, Math.min(this.settings.idleMs, left));
    await this.command([
      'SET',
      this.key(cookie),
      JSON.stringify(session),
      'PX',
      String(ttl),
      ...(onlyIfPresent ? ['XX'] : []),
    ]);
  }

  async open(staffName: string) {
    const opened = newSession(staffName, this.now());
    await this.save(opened.cookie, opened.session, false);
    return opened;
  }

  async use(cookie: string) {
    const held = await this.command(['GET', this.key(cookie)]);
    if (held === null || held === undefined) return null;
    const session = parseSession(Buffer.isBuffer(held) ? held.toString('utf8') : String(held));
    const at = this.now();
    if (!session || expired(session, at, this.settings)) {
      await this.end(cookie);
      return null;
    }
    session.lastSeenAt = at;
    // XX: a sign-out that ran meanwhile is not undone.
    await this.save(cookie, session, true);
    return session;
  }

  async end(cookie: string) {
    await this.command(['DEL', this.key(cookie)]);
  }
}

function parseSession(text: string): ConsoleSession | null {
  try {
    const v = JSON.parse(text) as Partial<ConsoleSession>;
    if (
      typeof v.csrfToken === 'string' &&
      typeof v.staffName === 'string' &&
      typeof v.createdAt === 'number' &&
      typeof v.lastSeenAt === 'number'
    ) {
      return {
        csrfToken: v.csrfToken,
        staffName: v.staffName,
        createdAt: v.createdAt,
        lastSeenAt: v.lastSeenAt,
      };
    }
  } catch {
    // Not ours or damaged: no session.
  }
  return null;
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
  /** Where sessions live; in this instance's memory without (see RedisConsoleSessions). */
  sessions?: (settings: ConsoleSessionSettings, now: () => number) => ConsoleSessionStore;
}

/** What a console API plugin puts before each of its routes. */
export type ConsoleAuthorize = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface ConsoleAuth {
  readonly enabled: boolean;
  /** preHandler: a live session, and on a change its CSRF token; answers 401/403/503 itself. */
  authorize: ConsoleAuthorize;
  /** The session authorize admitted for this request. */
  sessionOf(request: FastifyRequest): ConsoleSession | null;
  readonly sessions: ConsoleSessionStore;
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
  const sessions = deps.sessions?.(settings, now) ?? new MemoryConsoleSessions(settings, now);
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

  async function current(
    request: FastifyRequest,
  ): Promise<{ cookie: string; session: ConsoleSession } | null> {
    const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!cookie) return null;
    const session = await sessions.use(cookie);
    return session ? { cookie, session } : null;
  }

  function unavailable(reply: FastifyReply, error: unknown) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    void reply.header('retry-after', '5');
    return fail(reply, 503, 'sessions_unavailable', '会话存储暂时不可用，请稍后再试。');
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
    let found: { cookie: string; session: ConsoleSession } | null;
    try {
      found = await current(request);
    } catch (error) {
      await unavailable(reply, error);
      return;
    }
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
    let opened: { cookie: string; session: ConsoleSession };
    try {
      if (old) await sessions.end(old);
      opened = await sessions.open(name);
    } catch (error) {
      return unavailable(reply, error);
    }
    const { cookie, session } = opened;
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
    try {
      await sessions.end(found.cookie);
    } catch (error) {
      return unavailable(reply, error);
    }
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
