// A conversation's transcript has a ceiling, so no one conversation can fill the disk or the
// memory of the stores. At the ceiling the customer is told politely how to go on, one note says
// the record is full, and nothing already recorded is touched.
import type { ConversationGateway } from './gateway.ts';
import type { InboundMessage, OutboundMessage } from './message.ts';
import type { TranscriptStore } from '../store/types.ts';

export interface TranscriptCapOptions {
  /** Lines a conversation may hold; 0 turns the ceiling off. */
  maxLines: number;
  /** What the customer is told once the ceiling is reached. */
  fullText: () => string;
  onFull?: (message: InboundMessage) => void;
}

export function capTranscripts(
  gateway: ConversationGateway,
  transcripts: TranscriptStore,
  options: TranscriptCapOptions,
): ConversationGateway {
  const { maxLines } = options;
  if (maxLines <= 0) return gateway;

  /** Null while there is room; else whether the "full" note has been written. */
  async function fullness(conversationId: string): Promise<{ noted: boolean } | null> {
    // A turn writes a handful of lines, so the note sits among the first lines past the ceiling.
    // When the store cannot say (an outage), the turn goes on: it apologises and keeps the line.
    const beyond = await transcripts
      .list(conversationId, { afterSeq: maxLines - 1, limit: 100 })
      .catch(() => []);
    if (beyond.length === 0) return null;
    return { noted: beyond.some((entry) => entry.data?.transcriptFull === true) };
  }

  return {
    async handleInbound(message: InboundMessage): Promise<OutboundMessage[]> {
      const full = await fullness(message.conversationId);
      if (!full) return gateway.handleInbound(message);
      options.onFull?.(message);
      const reply: OutboundMessage = { type: 'text', text: options.fullText(), from: 'system' };
      if (!full.noted) {
        await transcripts.append({
          conversationId: message.conversationId,
          at: message.receivedAt,
          channel: message.channel,
          direction: 'system',
          kind: 'note',
          text: `本会话记录已达${maxLines}条上限，此后的消息不再记录，已请客户改用客服热线。`,
          data: { transcriptFull: true, maxLines },
        });
      }
      return [reply];
    },
    async recordRefused(message, replies, reason) {
      if (await fullness(message.conversationId)) return;
      await gateway.recordRefused?.(message, replies, reason);
    },
  };
}
