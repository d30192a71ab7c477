// Drops a channel's retry of a message already received (the web API's messageId, WeChat's MsgId,
// a Bot Framework activity id): the retry gets the first attempt's replies and runs no second
// turn, on whichever instance it lands, because the receipt lives in the shared store.
import type { ConversationGateway } from './gateway.ts';
import type { InboundMessage, OutboundMessage } from './message.ts';
import type { IdempotencyStore } from '../store/idempotency.ts';

export interface RetryOptions {
  /** How long a message id is remembered. Default 15 min, beyond every channel's retry window. */
  rememberMs?: number;
  /** How long a retry waits for the first attempt's replies before answering without them. */
  waitMs?: number;
  /** A first attempt silent this long is taken to have died with its instance: the retry runs. */
  staleMs?: number;
  pollMs?: number;
  now?: () => number;
  /** Where a store failure is reported; the message is then handled as new (never lost). */
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

type Receipt =
  | { state: 'pending'; at: number }
  | { state: 'done'; replies: OutboundMessage[] }
  | { state: 'failed' };

const DEFAULTS = { rememberMs: 15 * 60_000, waitMs: 8000, staleMs: 30_000, pollMs: 100 };

export function dropRetries(
  gateway: ConversationGateway,
  receipts: IdempotencyStore,
  options: RetryOptions = {},
): ConversationGateway {
  const { rememberMs, waitMs, staleMs, pollMs } = { ...DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  // Claims of one conversation are made in arrival order, so a retry check never reorders turns.
  const admissions = new Map<string, Promise<unknown>>();

  function admitInOrder<T>(conversationId: string, task: () => Promise<T>): Promise<T> {
    const previous = admissions.get(conversationId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    admissions.set(conversationId, settled);
    void settled.then(() => {
      if (admissions.get(conversationId) === settled) admissions.delete(conversationId);
    });
    return next;
  }

  async function run(key: string, message: InboundMessage): Promise<OutboundMessage[]> {
    try {
      const replies = await gateway.handleInbound(message);
      await remember(key, { state: 'done', replies });
      return replies;
    } catch (error) {
      await remember(key, { state: 'failed' });
      throw error;
    }
  }

  async function remember(key: string, receipt: Receipt): Promise<void> {
    try {
      await receipts.settle(key, JSON.stringify(receipt), rememberMs);
    } catch (error) {
      options.warn?.('remembering a message id failed', { error: String(error) });
    }
  }

  async function claim(key: string): Promise<Receipt | null> {
    try {
      const pending: Receipt = { state: 'pending', at: now() };
      const result = await receipts.claim(key, JSON.stringify(pending), rememberMs);
      return result.claimed ? null : parseReceipt(result.value);
    } catch (error) {
      // Better a rare double answer than a lost message while the store is unreachable.
      options.warn?.('checking a message id failed; handled as new', { error: String(error) });
      return null;
    }
  }

  /** The first attempt's replies once they are known, or null when it stays silent. */
  async function firstAttempt(key: string, seen: Receipt): Promise<Receipt | null> {
    let receipt: Receipt | null = seen;
    const deadline = now() + waitMs;
    while (receipt?.state === 'pending' && now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      const again = await receipts.peek(key);
      receipt = again === null ? null : parseReceipt(again);
    }
    return receipt;
  }

  return {
    async handleInbound(message: InboundMessage): Promise<OutboundMessage[]> {
      const id = message.channelMessageId;
      if (id === undefined || id === '') return gateway.handleInbound(message);
      const key = `msg:${message.conversationId}:${id}`;
      const started = admitInOrder(message.conversationId, async () => {
        const seen = await claim(key);
        return seen === null ? { run: true as const } : { run: false as const, seen };
      });
      const admission = await started;
      if (admission.run) return run(key, message);
      let receipt = admission.seen;
      if (receipt.state === 'pending') receipt = (await firstAttempt(key, receipt)) ?? receipt;
      if (receipt.state === 'done') return receipt.replies;
      if (receipt.state === 'failed' || now() - receipt.at >= staleMs) {
        // The first attempt failed or its instance died before answering: this one answers.
        await remember(key, { state: 'pending', at: now() });
        return run(key, message);
      }
      // Still being answered elsewhere: its replies reach the transcript and the customer's tab.
      return [];
    },
    ...(gateway.recordRefused ? { recordRefused: gateway.recordRefused.bind(gateway) } : {}),
  };
}

function parseReceipt(value: string): Receipt {
  try {
    const parsed = JSON.parse(value) as Receipt;
    if (
      parsed &&
      (parsed.state === 'done' || parsed.state === 'pending' || parsed.state === 'failed')
    )
      return parsed;
  } catch {
    // An unreadable receipt is treated as a failed first attempt below.
  }
  return { state: 'failed' };
}
