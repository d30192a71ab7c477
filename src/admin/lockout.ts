// Rate limit and lockout for the admin API, per client address: a steady request budget, and after
// repeated wrong tokens the address is locked out for a while, even with the right token then, so
// a token cannot be guessed. Per instance and bounded in size.

export interface AdminGuardOptions {
  /** Requests per minute per address (a short burst allowed). 0 = no limit. */
  perMinute: number;
  /** Wrong tokens within `windowMs` that lock the address out. */
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
  /** Addresses remembered at most; the oldest are forgotten first. */
  maxClients?: number;
}

export const DEFAULT_ADMIN_GUARD: AdminGuardOptions = {
  perMinute: 120,
  maxFailures: 5,
  windowMs: 15 * 60_000,
  lockoutMs: 15 * 60_000,
};

interface Client {
  tokens: number;
  refilledAt: number;
  failures: number[];
  lockedUntil: number;
}

export type GuardVerdict =
  { ok: true } | { ok: false; reason: 'rate_limited' | 'locked_out'; retryAfterSeconds: number };

export class AdminGuard {
  private readonly clients = new Map<string, Client>();
  private readonly maxClients: number;

  constructor(
    private readonly options: AdminGuardOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.maxClients = options.maxClients ?? 10_000;
  }

  private client(address: string): Client {
    let client = this.clients.get(address);
    if (client) {
      // Re-insert: Map order is then least recently used first.
      this.clients.delete(address);
    } else {
      const capacity = Math.max(5, Math.ceil(this.options.perMinute / 4));
      client = { tokens: capacity, refilledAt: this.now(), failures: [], lockedUntil: 0 };
    }
    this.clients.set(address, client);
    while (this.clients.size > this.maxClients) {
      const oldest = this.clients.keys().next().value as string;
      this.clients.delete(oldest);
    }
    return client;
  }

  /** Called before the token is looked at. */
  admit(address: string): GuardVerdict {
    const now = this.now();
    const client = this.client(address);
    if (client.lockedUntil > now) {
      return {
        ok: false,
        reason: 'locked_out',
        retryAfterSeconds: Math.ceil((client.lockedUntil - now) / 1000),
      };
    }
    if (this.options.perMinute <= 0) return { ok: true };
    const capacity = Math.max(5, Math.ceil(this.options.perMinute / 4));
    const perMs = this.options.perMinute / 60_000;
    client.tokens = Math.min(capacity, client.tokens + (now - client.refilledAt) * perMs);
    client.refilledAt = now;
    if (client.tokens < 1) {
      return {
        ok: false,
        reason: 'rate_limited',
        retryAfterSeconds: Math.ceil((1 - client.tokens) / perMs / 1000),
      };
    }
    client.tokens -= 1;
    return { ok: true };
  }

  /** A wrong or missing token; returns true when this one locked the address out. */
  failed(address: string): boolean {
    const now = this.now();
    const client = this.client(address);
    client.failures = client.failures.filter((at) => now - at < this.options.windowMs);
    client.failures.push(now);
    if (client.failures.length >= this.options.maxFailures) {
      client.lockedUntil = now + this.options.lockoutMs;
      client.failures = [];
      return true;
    }
    return false;
  }

  succeeded(address: string): void {
    this.client(address).failures = [];
  }
}
