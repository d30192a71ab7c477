// Prometheus metrics for /metrics. One registry per app instance so tests can build several apps.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface BotMetrics {
  registry: Registry;
  messages: Counter<'channel' | 'direction'>;
  intents: Counter<'intent'>;
  fallbacks: Counter<'step'>;
  handoffs: Counter<'reason'>;
  tickets: Counter<'kind'>;
  turnSeconds: Histogram<'channel'>;
  turnErrors: Counter<'channel'>;
  refused: Counter<'channel' | 'reason'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): BotMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry, prefix: 'csbot_' });
  const registers = [registry];
  return {
    registry,
    messages: new Counter({
      name: 'csbot_messages_total',
      help: 'Messages handled, by channel and direction (in = from customers, out = replies)',
      labelNames: ['channel', 'direction'],
      registers,
    }),
    intents: new Counter({
      name: 'csbot_intents_total',
      help: 'Customer messages by recognised intent',
      labelNames: ['intent'],
      registers,
    }),
    fallbacks: new Counter({
      name: 'csbot_fallbacks_total',
      help: 'Turns where the classifier was unsure, by fallback ladder step',
      labelNames: ['step'],
      registers,
    }),
    handoffs: new Counter({
      name: 'csbot_handoffs_total',
      help: 'Handoffs to human agents, by reason',
      labelNames: ['reason'],
      registers,
    }),
    tickets: new Counter({
      name: 'csbot_tickets_total',
      help: 'Tickets created, by kind (complaint, callback)',
      labelNames: ['kind'],
      registers,
    }),
    turnSeconds: new Histogram({
      name: 'csbot_turn_duration_seconds',
      help: 'Time to process one customer message, from receipt to replies',
      labelNames: ['channel'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    refused: new Counter({
      name: 'csbot_refused_messages_total',
      help: 'Messages answered at the channel edge without a turn, by reason (rate_limited, too_long)',
      labelNames: ['channel', 'reason'],
      registers,
    }),
    turnErrors: new Counter({
      name: 'csbot_turn_errors_total',
      help: 'Turns that failed and were answered with an apology',
      labelNames: ['channel'],
      registers,
    }),
  };
}
