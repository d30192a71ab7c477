// Turns environment variables into the app's settings, with one clear error per bad value.
// Only main.ts calls this; tests build AppConfig directly.
import { hostname } from 'node:os';
import type { AppConfig } from './app.ts';
import type { TokenBucketOptions } from './channels/edge-policy.ts';
import type { FirmSettings } from './content/types.ts';
import { handoffSettingsFromEnv } from './handoff/settings.ts';

export type Env = Record<string, string | undefined>;

export interface ServerSettings {
  port: number;
  host: string;
  dataDir: string;
  redisUrl?: string;
  redisKeyPrefix: string;
  contentDir: string;
  firmPath?: string;
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
    logLevel: env.LOG_LEVEL?.trim() || 'info',
  };
}

export function appConfigFromEnv(env: Env, firm: FirmSettings): AppConfig {
  const perConversation = wholeNumber(
    'RATE_LIMIT_PER_CONVERSATION',
    env.RATE_LIMIT_PER_CONVERSATION,
    20,
  );
  const perIp = wholeNumber('RATE_LIMIT_PER_IP', env.RATE_LIMIT_PER_IP, 300);
  return {
    ...(env.ADMIN_TOKEN?.trim() ? { adminToken: env.ADMIN_TOKEN.trim() } : {}),
    maxMessageLength: wholeNumber('MAX_MESSAGE_LENGTH', env.MAX_MESSAGE_LENGTH, 500),
    conversationRateLimit: perMinute(perConversation),
    ipRateLimit: perMinute(perIp),
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

/** "N per minute" as a token bucket that allows a short burst; 0 turns the limit off. */
function perMinute(n: number): TokenBucketOptions | false {
  if (n === 0) return false;
  return { capacity: Math.max(3, Math.ceil(n / 4)), refillPerSecond: n / 60 };
}

function wholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a whole number >= 0, got "${value}"`);
  return n;
}
