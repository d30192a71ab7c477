// A refused flood goes on record as a summary, not frame by frame: in each window the first few
// refusals of a conversation are recorded in full (what the customer sent and what we answered),
// the rest are counted and written as one note when the window closes. Only messages refused for
// coming too fast are a flood; every other refusal is recorded in full (FLOOD_REASONS).
import type { ConversationGateway, RefusalReason } from './gateway.ts';
import type { InboundMessage, OutboundMessage } from './message.ts';
import type { TranscriptStore } from '../store/types.ts';

export interface RefusalSummaryOptions {
  /** Length of a summary window. Default 60 s. */
  windowMs?: number;
  /** Refusals recorded in full per conversation and window. Default 3. */
  recordedInFull?: number;
  now?: () => number;
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

interface Window {
  startedAt: number;
  recorded: number;
  suppressed: number;
  firstAt: string;
  lastAt: string;
  reasons: Set<RefusalReason>;
  channel: InboundMessage['channel'];
  sample: string;
  timer: NodeJS.Timeout | null;
}

/**
 * Refusals that may be summarised. A too-long message passed the rate limits, so it comes at a
 * person's pace and costs one append, less than a message answered by a turn: it is kept whole.
 */
const FLOOD_REASONS: ReadonlySet<RefusalReason> = new Set(['rate_limited']);

const REASON_TEXT: Record<RefusalReason, string> = {
  rate_limited: '发送过快',
  too_long: '超过长度上限',
};

export function summariseRefusals(
  gateway: ConversationGateway,
  transcripts: TranscriptStore,
  options: RefusalSummaryOptions = {},
): ConversationGateway & {
  /** Writes every open window's summary now (on shutdown), and waits for the writes. */
  flush(): Promise<void>;
} {
  const windowMs = options.windowMs ?? 60_000;
  const inFull = options.recordedInFull ?? 3;
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  const pending = new Set<Promise<void>>();

  function writeSummary(conversationId: string, window: Window): void {
    if (window.timer) clearTimeout(window.timer);
    if (windows.get(conversationId) === window) windows.delete(conversationId);
    if (window.suppressed === 0) return;
    const why = [...window.reasons].map((r) => REASON_TEXT[r]).join('、');
    const write = transcripts
      .append({
        conversationId,
        at: window.lastAt,
        channel: window.channel,
        direction: 'system',
        kind: 'note',
        text: `另有${window.suppressed}条消息因${why}未处理，未逐条记录（${window.firstAt} 至 ${window.lastAt}；首条：${window.sample}）。`,
        data: {
          refusedCount: window.suppressed,
          refused: [...window.reasons],
          from: window.firstAt,
          to: window.lastAt,
        },
      })
      .then(
        () => undefined,
        (error: unknown) =>
          options.warn?.('recording a refusal summary failed', {
            conversationId,
            error: String(error),
          }),
      );
    pending.add(write);
    void write.finally(() => pending.delete(write));
  }

  async function recordRefused(
    message: InboundMessage,
    replies: OutboundMessage[],
    reason: RefusalReason,
  ): Promise<void> {
    if (!FLOOD_REASONS.has(reason)) {
      await gateway.recordRefused?.(message, replies, reason);
      return;
    }
    const { conversationId } = message;
    const at = now();
    let window = windows.get(conversationId);
    if (window && at - window.startedAt >= windowMs) {
      writeSummary(conversationId, window);
      window = undefined;
    }
    if (!window) {
      window = {
        startedAt: at,
        recorded: 0,
        suppressed: 0,
        firstAt: '',
        lastAt: '',
        reasons: new Set(),
        channel: message.channel,
        sample: '',
        timer: null,
      };
      const opened = window;
      opened.timer = setTimeout(() => writeSummary(conversationId, opened), windowMs);
      opened.timer.unref();
      windows.set(conversationId, window);
    }
    if (window.recorded < inFull) {
      window.recorded += 1;
      await gateway.recordRefused?.(message, replies, reason);
      return;
    }
    if (window.suppressed === 0) {
      window.firstAt = message.receivedAt;
      window.sample = sampleOf(message);
    }
    window.suppressed += 1;
    window.lastAt = message.receivedAt;
    window.reasons.add(reason);
  }

  return {
    handleInbound: (message) => gateway.handleInbound(message),
    recordRefused,
    async flush() {
      for (const [conversationId, window] of [...windows]) writeSummary(conversationId, window);
      await Promise.all([...pending]);
    },
  };
}

function sampleOf(message: InboundMessage): string {
  const c = message.content;
  const text = c.kind === 'text' ? String(c.text) : c.kind === 'choice' ? c.label : `[${c.kind}]`;
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : chars.join('');
}
