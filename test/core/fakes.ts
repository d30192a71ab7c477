// Test doubles for the pipeline's seams: a handoff desk that records what it was asked, a logger
// that keeps its lines, and a fixed clock.
import type { OutboundMessage } from '../../src/core/message.ts';
import type { CallbackRequest, HandoffRequest, HandoffService } from '../../src/handoff/types.ts';
import type { Json, TicketStore } from '../../src/store/types.ts';
import type { TurnLogger } from '../../src/core/pipeline.ts';

export interface FakeHandoff extends HandoffService {
  started: HandoffRequest[];
  relayed: { conversationId: string; text: string; answeredByBot?: readonly string[] }[];
  cancelled: string[];
  /** What the customer said when giving up the wait, per cancel. */
  cancelledSaying: (string | undefined)[];
  surveys: { conversationId: string; score: number; comment?: string }[];
  left: CallbackRequest[];
  surveyCompleted(conversationId: string, score: number, comment?: string): Promise<boolean>;
}

/**
 * A desk with one agent queue: tells the position and wait like the real service does. Messages
 * left for a call-back become callback tickets in `tickets` when given.
 */
export function createFakeHandoff(tickets?: TicketStore): FakeHandoff {
  const fake: FakeHandoff = {
    started: [],
    relayed: [],
    cancelled: [],
    cancelledSaying: [],
    surveys: [],
    left: [],
    async start(request) {
      fake.started.push(request);
      const position = fake.started.length;
      const messages: OutboundMessage[] = [
        {
          type: 'event',
          event: 'handoff_queued',
          text: `已为您转接人工客服，您前面还有${position - 1}位客户，预计等待约${position * 3}分钟。回复「取消」可返回机器人服务。`,
          from: 'system',
        },
      ];
      return { messages, handoff: { v: 1, status: 'queued', reason: request.reason } };
    },
    async relayCustomerMessage(conversationId: string, handoff: Json, text: string, options = {}) {
      fake.relayed.push({
        conversationId,
        text,
        ...(options.answeredByBot ? { answeredByBot: options.answeredByBot } : {}),
      });
      return { messages: [], handoff };
    },
    async cancel(conversationId: string, _handoff: Json, said?: string) {
      fake.cancelled.push(conversationId);
      fake.cancelledSaying.push(said);
      return {
        messages: [
          {
            type: 'text',
            text: '好的，已为您取消转人工。您可以继续向我提问，谢谢。',
            from: 'system',
          },
        ],
      };
    },
    async leaveMessage(request) {
      fake.left.push(request);
      if (!tickets) throw new Error('the fake desk was built without a ticket store');
      const ticket = await tickets.create(
        {
          kind: 'callback',
          conversationId: request.conversationId,
          channel: request.channel,
          createdAt: new Date().toISOString(),
          complainant: { phone: request.phone, ...(request.name ? { name: request.name } : {}) },
          description: request.question,
        },
        'bot',
      );
      return { ticket, callbackWhen: '工作时间内尽快' };
    },
    async surveyCompleted(conversationId, score, comment) {
      fake.surveys.push({ conversationId, score, ...(comment ? { comment } : {}) });
      return true;
    },
  };
  return fake;
}

export interface MemoryLogger extends TurnLogger {
  lines: { level: string; message: string; fields: Record<string, unknown> }[];
}

export function createMemoryLogger(): MemoryLogger {
  const lines: MemoryLogger['lines'] = [];
  const at =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}): void => {
      lines.push({ level, message, fields });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** A clock that stands still unless moved: Monday 2026-11-23 10:00 in Shanghai. */
export function fixedClock(iso = '2026-11-23T02:00:00.000Z'): {
  now: () => Date;
  set(iso: string): void;
} {
  let current = new Date(iso);
  return {
    now: () => new Date(current),
    set(next: string) {
      current = new Date(next);
    },
  };
}
