// Connections to Redis (node-redis) that survive an outage: every command has a timeout, the client
// reconnects by itself with a capped back-off, commands issued while it is offline fail at once
// instead of piling up, and RedisAvailability turns "Redis is gone" into fast StoreUnavailableErrors
// (a circuit breaker) until a probe sees it answer again.
import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
  createClient,
  type RedisClientType,
} from 'redis';
import { StoreUnavailableError } from './errors.ts';

/** The node-redis client every Redis-backed part of the bot uses. */
export type Redis = RedisClientType;

export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_QUEUED_COMMANDS = 2000;
const RECONNECT_MIN_DELAY_MS = 100;
const RECONNECT_MAX_DELAY_MS = 3000;

export interface RedisConnectionOptions {
  /** Shown in CLIENT LIST, to tell the bot's connections apart. */
  connectionName?: string;
  /** How long connectRedis waits for the first connection. Default 5000. */
  connectTimeoutMs?: number;
  /** A command without an answer for this long fails (and Redis counts as unavailable). Default 1000. */
  commandTimeoutMs?: number;
  /** Most commands waiting for an answer on this connection; more fail at once. Default 2000. */
  maxQueuedCommands?: number;
  /** Connection errors after start (reconnects happen by themselves). Default: one warning per new error. */
  onError?: (error: Error) => void;
}

/** The URL with any password replaced, for logs and error messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

function warnOncePerMessage(url: string): (error: Error) => void {
  let last = '';
  return (error) => {
    if (error.message === last) return;
    last = error.message;
    console.warn(`[store] redis ${redactRedisUrl(url)}: ${error.message}`);
  };
}

/** Exponential back-off from 100 ms, capped at 3 s, with jitter; never gives up (Redis comes back). */
export function reconnectDelayMs(retries: number): number {
  const base = Math.min(
    RECONNECT_MIN_DELAY_MS * 2 ** Math.min(retries, 10),
    RECONNECT_MAX_DELAY_MS,
  );
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/**
 * A Redis client for `url` that does not connect until connect() (or connectRedis). It always has
 * an error listener: an EventEmitter 'error' without one would kill the process.
 */
export function createRedisConnection(url: string, options: RedisConnectionOptions = {}): Redis {
  const client: Redis = createClient({
    url,
    ...(options.connectionName ? { name: options.connectionName } : {}),
    socket: {
      connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries) => reconnectDelayMs(retries),
    },
    // While reconnecting, commands fail at once rather than wait in a queue of unknown length.
    disableOfflineQueue: true,
    commandsQueueMaxLength: options.maxQueuedCommands ?? DEFAULT_MAX_QUEUED_COMMANDS,
    commandOptions: { timeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS },
  });
  client.on('error', options.onError ?? warnOncePerMessage(url));
  return client;
}

/** Connects and resolves once Redis answers; rejects with StoreUnavailableError (URL redacted). */
export async function connectRedis(
  url: string,
  options: RedisConnectionOptions = {},
): Promise<Redis> {
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let lastError: Error | undefined;
  const report = options.onError ?? warnOncePerMessage(url);
  const client = createRedisConnection(url, {
    ...options,
    onError: (error) => {
      lastError = error;
      report(error);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    await client.ping();
  } catch (error) {
    client.destroy();
    const reason = lastError?.message ?? (error as Error).message;
    throw new StoreUnavailableError(
      `cannot connect to Redis at ${redactRedisUrl(url)}: ${reason}`,
      { cause: lastError ?? error },
    );
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** Closes politely, falling back to a hard disconnect if the server is gone. */
export async function closeRedis(client: Redis): Promise<void> {
  if (!client.isOpen) {
    client.destroy();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.close(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('close timed out')), 1000);
      }),
    ]);
  } catch {
    client.destroy();
  } finally {
    clearTimeout(timer);
  }
}

/** No answer from Redis in time (node-redis's own timeout stops counting once a command is sent). */
export class RedisReplyTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer from Redis within ${ms} ms`);
    this.name = 'RedisReplyTimeoutError';
  }
}

/**
 * The operation's outcome, or RedisReplyTimeoutError once Redis has had `ms` to answer. A paused
 * server keeps the connection open and never answers, so only a timer of our own notices; the late
 * outcome of the abandoned command is swallowed (it must not surface as an unhandled rejection).
 *
 * Time this process spends busy (start-up work, a long turn, a GC pause) is not Redis's: node-redis
 * writes queued commands in a setImmediate, so the clock starts in one queued after it, once the
 * command is on the wire; and timers run before the event loop reads its sockets, so an expired
 * timer waits one more setImmediate, letting an answer that arrived while we were busy be read.
 */
export function withReplyTimeout<T>(operation: Promise<T>, ms: number): Promise<T> {
  let started: NodeJS.Immediate | undefined;
  let timer: NodeJS.Timeout | undefined;
  let expiring: NodeJS.Immediate | undefined;
  const expired = new Promise<never>((_, reject) => {
    started = setImmediate(() => {
      timer = setTimeout(() => {
        expiring = setImmediate(() => reject(new RedisReplyTimeoutError(ms)));
      }, ms);
    });
  });
  operation.catch(() => undefined);
  return Promise.race([operation, expired]).finally(() => {
    clearImmediate(started);
    clearTimeout(timer);
    clearImmediate(expiring);
  });
}

/** Errors that mean "no answer from Redis" (as opposed to Redis answering with an error). */
export function isConnectionFailure(error: unknown): boolean {
  return (
    error instanceof RedisReplyTimeoutError ||
    error instanceof TimeoutError ||
    error instanceof ClientOfflineError ||
    error instanceof ClientClosedError ||
    error instanceof SocketClosedUnexpectedlyError ||
    error instanceof ConnectionTimeoutError ||
    error instanceof SocketTimeoutError ||
    error instanceof DisconnectsClientError ||
    error instanceof ReconnectStrategyError ||
    error instanceof StoreUnavailableError ||
    // node-redis signals a full command queue with a plain Error and no class of its own.
    (error instanceof Error && error.message === 'The queue is full')
  );
}

export interface RedisAvailabilityOptions {
  /** An operation without an answer for this long fails and opens the circuit. Default 1000. */
  commandTimeoutMs?: number;
  /** How often to try Redis while it is down. Default 500 ms. */
  probeEveryMs?: number;
}

type AvailabilityListener = (up: boolean) => void;

/**
 * Whether Redis answers, as seen by one client. After a command gets no answer every further
 * command fails at once with StoreUnavailableError (so a customer hears "busy" in well under 3 s
 * instead of each command waiting out its timeout) until a probe succeeds. It also keeps the
 * server's clock offset, so write scripts can refuse to run after their caller gave up on them.
 */
export class RedisAvailability {
  private up: boolean;
  private offsetMs = 0;
  private probeTimer: NodeJS.Timeout | null = null;
  private probing = false;
  private closed = false;
  private readonly listeners = new Set<AvailabilityListener>();
  private readonly probeEveryMs: number;
  /** How long one operation may wait for Redis. */
  readonly timeoutMs: number;
  private readonly onReady = () => void this.probe();
  private readonly onLost = () => this.markDown();

  constructor(
    readonly client: Redis,
    options: RedisAvailabilityOptions = {},
  ) {
    this.probeEveryMs = options.probeEveryMs ?? 500;
    this.timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.up = client.isReady;
    client.on('ready', this.onReady);
    client.on('end', this.onLost);
    client.on('reconnecting', this.onLost);
    if (this.up) void this.probe();
    else this.scheduleProbe();
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Redis's clock now, in epoch ms (local clock plus the measured offset). */
  serverNow(): number {
    return Date.now() + this.offsetMs;
  }

  /** Called with true when Redis answers again, false when it stops answering. */
  onChange(listener: AvailabilityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs one store operation. Fails at once while Redis is down; a connection failure inside marks
   * it down and comes out as StoreUnavailableError. Redis error replies pass through unchanged.
   */
  async run<T>(operation: (client: Redis) => Promise<T>): Promise<T> {
    if (!this.up || !this.client.isReady) {
      this.markDown();
      throw new StoreUnavailableError('Redis is unavailable');
    }
    try {
      return await withReplyTimeout(operation(this.client), this.timeoutMs);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      if (!isConnectionFailure(error)) throw error;
      this.markDown();
      throw new StoreUnavailableError(`Redis did not answer: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  markDown(): void {
    if (this.closed) return;
    if (this.up) {
      this.up = false;
      this.emit(false);
    }
    this.scheduleProbe();
  }

  /** Stops probing and listening; the client itself is closed by its owner. */
  close(): void {
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.client.off('ready', this.onReady);
    this.client.off('end', this.onLost);
    this.client.off('reconnecting', this.onLost);
    this.listeners.clear();
  }

  private scheduleProbe(): void {
    if (this.closed || this.probeTimer) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      void this.probe();
    }, this.probeEveryMs);
    this.probeTimer.unref();
  }

  /** TIME answers both questions: is Redis there, and how far is its clock from ours. */
  private async probe(): Promise<void> {
    if (this.closed || this.probing) return;
    this.probing = true;
    try {
      if (!this.client.isReady) throw new ClientOfflineError();
      const sentAt = Date.now();
      const reply = await withReplyTimeout(
        this.client.sendCommand<[string, string]>(['TIME']),
        this.timeoutMs,
      );
      const receivedAt = Date.now();
      const serverMs = Number(reply[0]) * 1000 + Math.floor(Number(reply[1]) / 1000);
      // The offset is off by up to half the round trip. A long one means this process was busy,
      // and trusting it would shift every write's deadline by half the stall (refusing all writes
      // or accepting late ones): keep the estimate we have and measure again.
      if (receivedAt - sentAt > this.timeoutMs / 4) this.scheduleProbe();
      else if (Number.isFinite(serverMs)) this.offsetMs = serverMs - (sentAt + receivedAt) / 2;
      if (!this.up && !this.closed) {
        this.up = true;
        this.emit(true);
      }
    } catch {
      if (this.up) {
        this.up = false;
        this.emit(false);
      }
      this.scheduleProbe();
    } finally {
      this.probing = false;
    }
  }

  private emit(up: boolean): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(up);
      } catch (error) {
        console.error(`[store] redis availability listener failed: ${String(error)}`);
      }
    }
  }
}
