// Turns environment variables into the app's settings, with one clear error per bad value.
// Only main.ts calls this; tests build AppConfig directly.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { parseEnv } from 'node:util';
import type { AppConfig } from './app.ts';
import type { TokenBucketOptions } from './channels/edge-policy.ts';
import type { FirmSettings } from './content/types.ts';
import { handoffSettingsFromEnv } from './handoff/settings.ts';

export type Env = Record<string, string | undefined>;

/**
 * The environment with the settings of a `.env` file (as README says: copy .env.example to .env)
 * under it: a variable set in the real environment wins. No file, no change.
 */
export function withEnvFile(env: Env, path: string): Env {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  const fromFile = parseEnv(text);
  const merged: Env = { ...env };
  for (const [name, value] of Object.entries(fromFile)) {
    if (merged[name] === undefined) merged[name] = value;
  }
  return merged;
}

export interface ServerSettings {
  port: number;
  host: string;
  dataDir: string;
  redisUrl?: string;
  redisKeyPrefix: string;
  contentDir: string;
  firmPath?: string;
  /** Reload content when files under intents/, dialogs/, knowledge/, config/ change (CONTENT_WATCH). */
  contentWatch: boolean;
  logLevel: string;
}

export function serverSettingsFromEnv(env: Env, cwd: string): ServerSettings {
  const port = wholeNumber('PORT', env.PORT, 3978);
  if (port > 65535) throw new Error(`PORT must be at most 65535, got ${port}`);
  const redisUrl = env.REDIS_URL?.trim();
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new Error('REDIS_URL must start with redis:// or rediss://');
  }
  return {
    port,
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir: env.DATA_DIR?.trim() || `${cwd}/data`,
    ...(redisUrl ? { redisUrl } : {}),
    redisKeyPrefix: env.REDIS_KEY_PREFIX?.trim() || 'csbot:',
    contentDir: env.CONTENT_DIR?.trim() || cwd,
    ...(env.FIRM_CONFIG?.trim() ? { firmPath: env.FIRM_CONFIG.trim() } : {}),
    contentWatch: !/^(false|0|off|no)$/i.test(env.CONTENT_WATCH?.trim() ?? ''),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
  };
}

export function appConfigFromEnv(env: Env, firm: FirmSettings): AppConfig {
  const perIp = wholeNumber('RATE_LIMIT_PER_IP', env.RATE_LIMIT_PER_IP, 300);
  const perSocket = wholeNumber('RATE_LIMIT_PER_SOCKET', env.RATE_LIMIT_PER_SOCKET, 120);
  const maxMessageLength = wholeNumber('MAX_MESSAGE_LENGTH', env.MAX_MESSAGE_LENGTH, 500);
  return {
    ...(env.ADMIN_TOKEN?.trim() ? { adminToken: env.ADMIN_TOKEN.trim() } : {}),
    maxMessageLength,
    ipRateLimit: perMinute(perIp),
    socketRateLimit: perMinute(perSocket),
    batching: {
      quietMs: wholeNumber('MESSAGE_BATCH_QUIET_MS', env.MESSAGE_BATCH_QUIET_MS, 1000),
      maxWaitMs: wholeNumber('MESSAGE_BATCH_MAX_WAIT_MS', env.MESSAGE_BATCH_MAX_WAIT_MS, 3000),
      maxMessages: 10,
      maxChars: maxMessageLength,
    },
    transcriptMaxLines: wholeNumber('TRANSCRIPT_MAX_LINES', env.TRANSCRIPT_MAX_LINES, 5000),
    trustProxy: trustProxyFromEnv(env.TRUST_PROXY),
    http: {
      headersTimeoutMs:
        1000 * wholeNumber('HTTP_HEADERS_TIMEOUT_SECONDS', env.HTTP_HEADERS_TIMEOUT_SECONDS, 10, 1),
      requestTimeoutMs:
        1000 * wholeNumber('HTTP_REQUEST_TIMEOUT_SECONDS', env.HTTP_REQUEST_TIMEOUT_SECONDS, 30, 1),
    },
    handoff: handoffSettingsFromEnv(env, {
      hotline: firm.hotline ?? '',
      agentServiceHours: firm.agentServiceHours ?? '',
    }),
    redisKeyPrefix: env.REDIS_KEY_PREFIX?.trim() || 'csbot:',
    instanceId: env.INSTANCE_ID?.trim() || `${hostname()}-${process.pid}`,
    ...(env.ADMIN_REVEAL_TOKEN?.trim() ? { adminRevealToken: env.ADMIN_REVEAL_TOKEN.trim() } : {}),
    adminGuard: {
      perMinute: wholeNumber('ADMIN_RATE_LIMIT_PER_MINUTE', env.ADMIN_RATE_LIMIT_PER_MINUTE, 120),
      maxFailures: Math.max(
        1,
        wholeNumber('ADMIN_LOCKOUT_AFTER_FAILURES', env.ADMIN_LOCKOUT_AFTER_FAILURES, 5),
      ),
      windowMs: 15 * 60_000,
      lockoutMs: wholeNumber('ADMIN_LOCKOUT_MINUTES', env.ADMIN_LOCKOUT_MINUTES, 15) * 60_000,
    },
    console: {
      session: {
        idleMs:
          wholeNumber('CONSOLE_SESSION_IDLE_MINUTES', env.CONSOLE_SESSION_IDLE_MINUTES, 30, 1) *
          60_000,
        absoluteMs:
          wholeNumber('CONSOLE_SESSION_MAX_HOURS', env.CONSOLE_SESSION_MAX_HOURS, 12, 1) *
          60 *
          60_000,
      },
    },
    tickets: {
      ...(env.SLACK_COMPLAINTS_CHANNEL_ID?.trim()
        ? { complaintsChannelId: env.SLACK_COMPLAINTS_CHANNEL_ID.trim() }
        : {}),
      ...(env.SLACK_SUPERVISOR_CHANNEL_ID?.trim()
        ? { supervisorChannelId: env.SLACK_SUPERVISOR_CHANNEL_ID.trim() }
        : {}),
      sweepEveryMs: wholeNumber('TICKET_SWEEP_SECONDS', env.TICKET_SWEEP_SECONDS, 60) * 1000,
    },
  };
}

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Which X-Forwarded-For hops to believe. Off by default: the client's own address is then the one
 * the rate limits count. A number trusts that many proxies in front of the bot; a list trusts
 * only those addresses (IPs, CIDRs, or loopback / linklocal / uniquelocal).
 */
export function trustProxyFromEnv(value: string | undefined): false | number | string[] {
  const text = value?.trim() ?? '';
  if (text === '' || text === 'false' || text === '0') return false;
  if (/^\d+$/.test(text)) return Number(text);
  if (text === 'true') {
    throw new Error(
      "TRUST_PROXY=true would believe any client's X-Forwarded-For (and let it pass the per-IP limit): give the number of proxies in front of the bot (e.g. 1) or their addresses",
    );
  }
  const entries = text.split(',').map((e) => e.trim());
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const validBits =
      bits === undefined ||
      (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32) && extra === undefined);
    if (!PROXY_KEYWORDS.has(entry) && !(family !== 0 && validBits)) {
      throw new Error(
        `TRUST_PROXY must be empty, a number of proxies, or a comma-separated list of proxy addresses (IP, CIDR, loopback, linklocal, uniquelocal); "${entry}" is none of these`,
      );
    }
  }
  return entries;
}

/** "N per minute" as a token bucket that allows a short burst; 0 turns the limit off. */
function perMinute(n: number): TokenBucketOptions | false {
  if (n === 0) return false;
  return { capacity: Math.max(3, Math.ceil(n / 4)), refillPerSecond: n / 60 };
}

function wholeNumber(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${name} must be a whole number >= ${min}, got "${value}"`);
  return n;
}
