// Keeps a slow or failing model from costing customers time: a circuit breaker that stops asking
// after repeated failures, and a bound on requests in flight that refuses instead of queueing.

/**
 * closed: requests pass. After `failures` consecutive failures it opens for `cooldownMs`, then lets
 * one trial request through (half-open): its success closes the circuit, its failure re-opens it.
 */
export class CircuitBreaker {
  private consecutive = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(
    private readonly options: { failures: number; cooldownMs: number; now?: () => number },
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  get state(): 'closed' | 'open' | 'half_open' {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.options.cooldownMs ? 'half_open' : 'open';
  }

  /** Whether a request may go now; in half-open state only one at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.consecutive = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  failure(): void {
    this.consecutive += 1;
    if (this.trialInFlight || this.consecutive >= this.options.failures) this.openedAt = this.now();
    this.trialInFlight = false;
  }
}

/** At most `max` holders at once; `tryAcquire` never waits. */
export class ConcurrencyLimit {
  private inFlight = 0;

  constructor(private readonly max: number) {}

  get active(): number {
    return this.inFlight;
  }

  /** A release function, or null when the limit is reached. */
  tryAcquire(): (() => void) | null {
    if (this.inFlight >= this.max) return null;
    this.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
    };
  }
}
