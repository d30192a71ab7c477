import { describe, expect, it } from 'vitest';
import { CircuitBreaker, ConcurrencyLimit } from '../../src/llm/resilience.ts';

describe('CircuitBreaker', () => {
  it('opens after consecutive failures, tries once after the cooldown, closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failures: 3, cooldownMs: 1000, now: () => now });
    breaker.failure();
    breaker.failure();
    breaker.success(); // not consecutive any more
    breaker.failure();
    breaker.failure();
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    now = 1000;
    expect(breaker.state).toBe('half_open');
    expect(breaker.allow()).toBe(true);
    // One trial at a time.
    expect(breaker.allow()).toBe(false);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBe(true);
  });

  it('re-opens at once when the trial request fails', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failures: 2, cooldownMs: 500, now: () => now });
    breaker.failure();
    breaker.failure();
    now = 600;
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    now = 1000;
    expect(breaker.allow()).toBe(false);
    now = 1100;
    expect(breaker.allow()).toBe(true);
  });
});

describe('ConcurrencyLimit', () => {
  it('hands out at most max slots and takes each back once', () => {
    const limit = new ConcurrencyLimit(2);
    const a = limit.tryAcquire();
    const b = limit.tryAcquire();
    expect(limit.tryAcquire()).toBeNull();
    a!();
    a!();
    expect(limit.active).toBe(1);
    expect(limit.tryAcquire()).not.toBeNull();
    b!();
  });
});
