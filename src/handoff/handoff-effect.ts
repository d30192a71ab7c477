// The handoff effects. A dialog's handoff node hands the conversation to the agent desk with the
// transcript, the ticket it is about and what an unfinished form collected; the desk decides
// (queued, outside service hours, unreachable) and its answer is said once, after the node's own
// words. A message left for a call-back (leave_message) becomes a call-back ticket.
import type { EffectHandlers, EffectOutcome } from '../core/effects.ts';
import type { ChannelId, OutboundMessage } from '../core/message.ts';
import { maskPersonalData } from '../compliance/index.ts';
import type { ConversationState, TicketStore, TranscriptStore } from '../store/types.ts';
import type { HandoffReason, HandoffService } from './types.ts';

export interface HandoffEffectDeps {
  handoff: HandoffService;
  transcripts: TranscriptStore;
  tickets: TicketStore;
  onHandoff?: (channel: ChannelId, reason: HandoffReason) => void;
}

const INTENTS_SEEN_KEY = 'intentsSeen';

export function handoffEffects(
  deps: HandoffEffectDeps,
): Pick<EffectHandlers, 'handoff' | 'leave_message'> {
  return {
    async handoff(effect, turn): Promise<EffectOutcome> {
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
        ...(effect.collected ? { collected: effect.collected } : {}),
        transcript: await deps.transcripts.list(conversationId),
      });
      state.handoff = started.handoff;
      if (started.handoff !== null) state.memory.hadHandoff = true;
      deps.onHandoff?.(turn.channel, effect.reason);
      await turn.say(withPreface(effect.preface, started.messages));
      const offer = started.leaveMessage;
      return {
        ok: true,
        data: offer
          ? {
              leaveMessage: 'yes',
              offer: offer.offer,
              why: offer.why,
              callbackWhen: offer.callbackWhen,
            }
          : {},
      };
    },

    async leave_message(effect, turn): Promise<EffectOutcome> {
      // Slot names of dialogs/leave_message.yaml: description (the question), phone, name.
      const { description: question, phone, name } = effect.slots;
      if (!question || !phone) {
        turn.logger.error('a message was left without its question or phone', {
          conversationId: turn.conversationId,
        });
        return { ok: false, data: {} };
      }
      try {
        const left = await deps.handoff.leaveMessage({
          conversationId: turn.conversationId,
          channel: turn.state.channel,
          question,
          phone,
          ...(name ? { name } : {}),
          complaintTicketId: effect.ticketId,
        });
        turn.logger.info('call-back ticket created', {
          conversationId: turn.conversationId,
          ticketId: left.ticket.id,
        });
        return {
          ok: true,
          data: { callbackTicketId: left.ticket.id, callbackWhen: left.callbackWhen },
        };
      } catch (error) {
        turn.logger.error('creating call-back ticket failed', {
          conversationId: turn.conversationId,
          error: maskPersonalData(error instanceof Error ? error.message : String(error)),
        });
        return { ok: false, data: {} };
      }
    },
  };
}

const DESK_GREETING = /^您好[，,]\s*/u;

/** The node's own words and the desk's decision as one message: one statement, not two. */
function withPreface(preface: string | undefined, messages: OutboundMessage[]): OutboundMessage[] {
  if (!preface) return messages;
  const [first, ...rest] = messages;
  if (!first) return [{ type: 'text', text: preface, from: 'system' }];
  // The desk's 您好 would come mid-message after the node's words.
  return [{ ...first, text: `${preface}\n${first.text.replace(DESK_GREETING, '')}` }, ...rest];
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
