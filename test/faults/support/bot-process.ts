// The bot as `npm start` runs it (src/main.ts in a process of its own), for fault tests that kill
// it with SIGKILL and start another on the same data.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../support/redis-server.ts';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const FAULTS_ADMIN_TOKEN = 'faults-admin-token-0123456789abcdef';

export interface BotProcess {
  url: string;
  pid: number;
  /** What the process wrote to stderr and stdout so far (JSON log lines). */
  output(): string;
  /** Resident memory in MB (from /proc). */
  rssMb(): number;
  /** Exit code or signal once it has ended, else null. */
  ended(): string | null;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface BotOptions {
  dataDir: string;
  redisUrl?: string;
  redisKeyPrefix?: string;
  /** Extra environment (rate limits...). */
  env?: Record<string, string>;
  /** How long to wait for /healthz (training the classifier takes seconds). */
  readyWithinMs?: number;
}

export async function startBot(options: BotOptions): Promise<BotProcess> {
  const port = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: options.dataDir,
    LOG_LEVEL: 'warn',
    ADMIN_TOKEN: FAULTS_ADMIN_TOKEN,
    RATE_LIMIT_PER_CONVERSATION: '0',
    RATE_LIMIT_PER_IP: '0',
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...(options.redisKeyPrefix ? { REDIS_KEY_PREFIX: options.redisKeyPrefix } : {}),
    ...options.env,
  };
  if (!options.redisUrl) delete env.REDIS_URL;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let endedAs: string | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      endedAs = signal ?? `exit ${code}`;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyWithinMs ?? 120_000);
  for (;;) {
    if (endedAs) throw new Error(`bot ended (${endedAs}) before it was ready:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bot not ready within ${options.readyWithinMs ?? 120_000} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid ?? -1,
    output: () => output,
    rssMb() {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
        return Math.round((kb / 1024) * 10) / 10;
      } catch {
        return Number.NaN;
      }
    },
    ended: () => endedAs,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (endedAs) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Every ticket the bot's admin API lists. */
export async function adminTickets(
  url: string,
): Promise<{ id: string; conversationId: string; kind: string }[]> {
  const response = await fetch(`${url}/api/admin/tickets`, {
    headers: { authorization: `Bearer ${FAULTS_ADMIN_TOKEN}` },
  });
  if (response.status !== 200) throw new Error(`admin tickets answered ${response.status}`);
  return (
    (await response.json()) as { tickets: { id: string; conversationId: string; kind: string }[] }
  ).tickets;
}
