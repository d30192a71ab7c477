// The handoff effect: a dialog's handoff node hands the conversation to the agent desk with the
// transcript and the ticket it is about; the desk's answer (queue position, after-hours options) is
// said to the customer in the same turn.
import type { EffectHandlers } from '../core/effects.ts';
import type { ChannelId } from '../core/message.ts';
import type { ConversationState, TicketStore, TranscriptStore } from '../store/types.ts';
import type { HandoffReason, HandoffService } from './types.ts';

export interface HandoffEffectDeps {
  handoff: HandoffService;
  transcripts: TranscriptStore;
  tickets: TicketStore;
  onHandoff?: (channel: ChannelId, reason: HandoffReason) => void;
}

const INTENTS_SEEN_KEY = 'intentsSeen';

export function handoffEffects(deps: HandoffEffectDeps): Pick<EffectHandlers, 'handoff'> {
  return {
    async handoff(effect, turn) {
      const { state, conversationId } = turn;
      const ticket = effect.ticketId ? await deps.tickets.get(effect.ticketId) : null;
      if (ticket)
        await deps.tickets.addHandling(ticket.id, { by: 'bot', action: '已转人工客服跟进' });
      const started = await deps.handoff.start({
        conversationId,
        channel: state.channel,
        userId: state.userId,
        channelRef: state.channelRef,
        reason: effect.reason,
        intentsSeen: intentsSeen(state),
        ...(ticket ? { ticket } : {}),
        transcript: await deps.transcripts.list(conversationId),
      });
      state.handoff = started.handoff;
      if (started.handoff !== null) state.memory.hadHandoff = true;
      deps.onHandoff?.(turn.channel, effect.reason);
      await turn.say(started.messages);
      return { ok: true, data: {} };
    },
  };
}

/** Notes a confidently recognised intent for the agent's summary (oldest first, no repeats). */
export function noteIntentSeen(state: ConversationState, intent: string): void {
  const list = intentsSeen(state);
  if (!list.includes(intent)) list.push(intent);
  state.memory[INTENTS_SEEN_KEY] = list;
}

export function intentsSeen(state: ConversationState): string[] {
  const seen = state.memory[INTENTS_SEEN_KEY];
  return Array.isArray(seen) ? seen.filter((x): x is string => typeof x === 'string') : [];
}
