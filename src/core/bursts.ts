// Reads a customer's quick burst of messages (在吗 / 人呢 / 怎么不回 / 转人工) together as one turn,
// as a human agent would, instead of answering or dropping each. A message after a pause is
// answered at once; one that follows the previous message within the quiet window waits until
// the customer pauses (or the longest wait passes) and is read with the others. Nothing is
// dropped: every message is recorded in order (InboundMessage.parts), and only a flood far beyond
// what a person can type is refused, politely and on record.
import type { ConversationGateway, RefusalReason } from './gateway.ts';
import type { InboundMessage, InboundPart, OutboundMessage } from './message.ts';

export interface BurstOptions {
  /** Messages closer than this to the previous one wait for the customer's pause. 0 = off. */
  quietMs: number;
  /** The longest the first waiting message of a burst waits before the burst is read. */
  maxWaitMs: number;
  /** Most messages read as one turn; a longer burst becomes several turns, in order. */
  maxMessages: number;
  /** Most characters read as one turn (the pipeline's readable length). */
  maxChars: number;
  /** Unanswered messages of one conversation beyond which new ones are refused as a flood. */
  floodLimit?: number;
  now?: () => number;
  /** Hears every refusal (for metrics); the inner gateway's recordRefused keeps it on record. */
  onRefused?: (message: InboundMessage, reason: RefusalReason, replies: OutboundMessage[]) => void;
}

export const DEFAULT_FLOOD_LIMIT = 50;

export const FLOOD_TEXT = '您的消息发送得太频繁，我们正在逐条处理，请稍候再发，谢谢。';

interface Waiting {
  message: InboundMessage;
  resolve(replies: OutboundMessage[]): void;
  reject(error: unknown): void;
}

interface Burst {
  items: Waiting[];
  chars: number;
  firstAt: number;
  timer: NodeJS.Timeout | null;
}

interface ConversationQueue {
  lastArrival: number;
  open: Burst | null;
  /** The conversation's turns, one after another. */
  tail: Promise<void>;
  /** Turns queued or running. */
  turns: number;
  /** Messages not yet answered. */
  waiting: number;
  forget: NodeJS.Timeout | null;
}

/**
 * Wraps a gateway so that each conversation's bursts are read together and its turns run one
 * after another in arrival order. Every caller's promise settles when its message has been read:
 * the last message of a burst gets the turn's replies, the others an empty list.
 */
export function readBurstsTogether(
  gateway: ConversationGateway,
  options: BurstOptions,
): ConversationGateway {
  if (options.quietMs <= 0) return gateway;
  const now = options.now ?? Date.now;
  const floodLimit = options.floodLimit ?? DEFAULT_FLOOD_LIMIT;
  const maxMessages = Math.max(1, options.maxMessages);
  const conversations = new Map<string, ConversationQueue>();

  function queueOf(conversationId: string): ConversationQueue {
    let queue = conversations.get(conversationId);
    if (!queue) {
      queue = {
        lastArrival: Number.NEGATIVE_INFINITY,
        open: null,
        tail: Promise.resolve(),
        turns: 0,
        waiting: 0,
        forget: null,
      };
      conversations.set(conversationId, queue);
    }
    if (queue.forget) clearTimeout(queue.forget);
    queue.forget = null;
    return queue;
  }

  /** An idle conversation is forgotten once its quiet window has passed: memory stays bounded. */
  function forgetWhenIdle(conversationId: string, queue: ConversationQueue): void {
    if (queue.turns > 0 || queue.open || queue.waiting > 0) return;
    if (queue.forget) clearTimeout(queue.forget);
    queue.forget = setTimeout(() => {
      if (conversations.get(conversationId) === queue && queue.turns === 0 && !queue.open) {
        conversations.delete(conversationId);
      }
    }, options.quietMs);
    queue.forget.unref();
  }

  function enqueue(conversationId: string, queue: ConversationQueue, items: Waiting[]): void {
    queue.turns += 1;
    queue.tail = queue.tail.then(async () => {
      try {
        const replies = await gateway.handleInbound(asOneTurn(items));
        items.forEach((item, i) => item.resolve(i === items.length - 1 ? replies : []));
      } catch (error) {
        for (const item of items) item.reject(error);
      } finally {
        queue.turns -= 1;
        queue.waiting -= items.length;
        forgetWhenIdle(conversationId, queue);
      }
    });
  }

  function flush(conversationId: string, queue: ConversationQueue): void {
    const burst = queue.open;
    if (!burst) return;
    if (burst.timer) clearTimeout(burst.timer);
    queue.open = null;
    enqueue(conversationId, queue, burst.items);
  }

  function refuse(message: InboundMessage): Promise<OutboundMessage[]> {
    const replies: OutboundMessage[] = [
      { type: 'event', event: 'rate_limited', text: FLOOD_TEXT, from: 'system' },
    ];
    options.onRefused?.(message, 'rate_limited', replies);
    return (gateway.recordRefused?.(message, replies, 'rate_limited') ?? Promise.resolve()).then(
      () => replies,
    );
  }

  return {
    handleInbound(message: InboundMessage): Promise<OutboundMessage[]> {
      const { conversationId } = message;
      const queue = queueOf(conversationId);
      if (queue.waiting >= floodLimit) {
        forgetWhenIdle(conversationId, queue);
        return refuse(message);
      }
      const at = now();
      const sinceLast = at - queue.lastArrival;
      queue.lastArrival = at;
      queue.waiting += 1;
      return new Promise<OutboundMessage[]>((resolve, reject) => {
        const item: Waiting = { message, resolve, reject };
        const text = burstText(message);
        if (text === null) {
          // A tap or an event is an answer of its own: what waited is read first, then it.
          flush(conversationId, queue);
          enqueue(conversationId, queue, [item]);
          return;
        }
        if (!queue.open && queue.turns === 0 && sinceLast >= options.quietMs) {
          enqueue(conversationId, queue, [item]);
          return;
        }
        const length = [...text].length;
        const open = queue.open;
        if (open && open.chars + 1 + length > options.maxChars) flush(conversationId, queue);
        const burst: Burst = queue.open ?? { items: [], chars: 0, firstAt: at, timer: null };
        queue.open = burst;
        burst.chars += (burst.items.length > 0 ? 1 : 0) + length;
        burst.items.push(item);
        if (burst.items.length >= maxMessages) {
          flush(conversationId, queue);
          return;
        }
        if (burst.timer) clearTimeout(burst.timer);
        const wait = Math.max(0, Math.min(options.quietMs, burst.firstAt + options.maxWaitMs - at));
        burst.timer = setTimeout(() => {
          if (queue.open === burst) flush(conversationId, queue);
        }, wait);
      });
    },
    ...(gateway.recordRefused ? { recordRefused: gateway.recordRefused.bind(gateway) } : {}),
  };
}

/** The text a message adds to a burst, or null when it must be read on its own. */
function burstText(message: InboundMessage): string | null {
  const content = message.content;
  return content.kind === 'text' && typeof content.text === 'string' ? content.text : null;
}

/** Several messages as one turn: the texts joined for reading, each kept as a part for the record. */
function asOneTurn(items: Waiting[]): InboundMessage {
  const last = items[items.length - 1]?.message;
  if (!last) throw new Error('an empty burst');
  if (items.length === 1) return last;
  const parts: InboundPart[] = items.map(({ message }) => ({
    text: burstText(message) ?? '',
    receivedAt: message.receivedAt,
    ...(message.channelMessageId !== undefined
      ? { channelMessageId: message.channelMessageId }
      : {}),
  }));
  // 在吗 three times reads as one 在吗; every copy stays in the transcript.
  const read = parts
    .map((part) => part.text.trim())
    .filter((text, i, all) => text !== '' && text !== all[i - 1]);
  return { ...last, content: { kind: 'text', text: read.join('\n') }, parts };
}
