// The AI-generated-content label (《人工智能生成合成内容标识办法》) at the start of a conversation
// on channels that show only text: the first reply of each conversation carries it. A
// conversation on WeChat or Bot Framework never really ends, so one that was quiet for a long
// while starts again. The web widget shows the label in its header instead.
import { withAiLabel } from '../compliance/disclosure.ts';
import type { ConversationGateway } from './gateway.ts';
import type { ChannelId, InboundMessage, OutboundMessage } from './message.ts';
import type { ConversationStateStore } from '../store/types.ts';

export interface AiLabelOptions {
  /** The configured label (firm.yaml `aiLabel`); empty = no label. Read every turn (hot reload). */
  label: () => string | undefined;
  channels: ReadonlySet<ChannelId>;
  /** Quiet time after which the next reply opens a new conversation. Default 30 min. */
  sessionGapMs?: number;
  now?: () => number;
}

export const AI_LABEL_CHANNELS: ReadonlySet<ChannelId> = new Set([
  'wechat-mp',
  'wecom',
  'wechaty',
  'botframework',
]);

export function labelFirstReplies(
  gateway: ConversationGateway,
  states: Pick<ConversationStateStore, 'load'>,
  options: AiLabelOptions,
): ConversationGateway {
  const gapMs = options.sessionGapMs ?? 30 * 60_000;
  const now = options.now ?? Date.now;
  return {
    async handleInbound(message: InboundMessage): Promise<OutboundMessage[]> {
      const label = options.label()?.trim();
      if (!label || !options.channels.has(message.channel)) return gateway.handleInbound(message);
      const before = await states.load(message.conversationId);
      const lastActive = before ? Date.parse(before.state.updatedAt) : Number.NaN;
      const opening = !before || !(now() - lastActive < gapMs);
      const replies = await gateway.handleInbound(message);
      const [first, ...rest] = replies;
      // Agent messages are people's words, not generated content.
      if (!opening || !first || first.from === 'agent') return replies;
      return [{ ...first, text: withAiLabel(first.text, label, { position: 'start' }) }, ...rest];
    },
    ...(gateway.recordRefused ? { recordRefused: gateway.recordRefused.bind(gateway) } : {}),
  };
}
