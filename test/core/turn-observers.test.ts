// Turn observers hear every event the metrics hear, in order, and one that throws breaks neither
// the turn nor the others.
import { describe, expect, it } from 'vitest';
import type { TurnMetrics } from '../../src/core/pipeline.ts';
import { withTurnObservers } from '../../src/core/turn-observers.ts';

describe('withTurnObservers', () => {
  it('passes each event to the metrics first, then to every observer that listens', () => {
    const heard: string[] = [];
    const metrics: TurnMetrics = {
      onTurn: (channel, intent) => heard.push(`metrics turn ${channel} ${intent}`),
      onFallback: (_channel, level) => heard.push(`metrics fallback ${level}`),
    };
    const console: TurnMetrics = {
      onTurn: (_channel, intent) => heard.push(`console turn ${intent}`),
      onSurvey: (_channel, score) => heard.push(`console survey ${score}`),
    };
    const combined = withTurnObservers(metrics, [console], () => {});
    combined.onTurn?.('web', 'faq.account_open', 12, 'web:c1');
    combined.onFallback?.('web', 2);
    combined.onSurvey?.('web', 5);
    expect(heard).toEqual([
      'metrics turn web faq.account_open',
      'console turn faq.account_open',
      'metrics fallback 2',
      'console survey 5',
    ]);
  });

  it('reports an observer that throws and still tells the others', () => {
    const warnings: string[] = [];
    const heard: number[] = [];
    const combined = withTurnObservers(
      { onFallback: (_c, level) => heard.push(level) },
      [
        {
          onFallback: () => {
            throw new Error('store down');
          },
        },
        { onFallback: (_c, level) => heard.push(level * 10) },
      ],
      (m) => warnings.push(m),
    );
    expect(() => combined.onFallback?.('web', 1)).not.toThrow();
    expect(heard).toEqual([1, 10]);
    expect(warnings).toEqual([expect.stringContaining('store down')]);
  });

  it('is the metrics themselves when nobody else listens', () => {
    const metrics: TurnMetrics = { onTurn: () => {} };
    expect(withTurnObservers(metrics, [], () => {})).toBe(metrics);
  });
});
