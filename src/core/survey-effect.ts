// The satisfaction-survey effect: the score (and comment) goes into the transcript as a survey
// record, onto the complaint ticket of the conversation as the customer's feedback, and to the
// agent's desk thread when a human served the customer.
import type { EffectHandlers } from './effects.ts';
import type { TicketStore } from '../store/types.ts';
import type { ChannelId } from './message.ts';
import { maskPersonalData } from '../compliance/index.ts';

export interface SurveyEffectDeps {
  tickets: TicketStore;
  /** Posts the result to the desk thread of a conversation a human agent served. */
  surveyCompleted?(conversationId: string, score: number, comment?: string): Promise<unknown>;
  /** Hears every recorded score (the console's statistics). */
  onSurvey?(channel: ChannelId, score: number): void;
}

export function surveyEffects(deps: SurveyEffectDeps): Pick<EffectHandlers, 'record_survey'> {
  return {
    async record_survey(effect, turn) {
      const comment = effect.comment ?? undefined;
      await turn.record(
        'customer',
        `满意度评分：${effect.score}分${comment ? `；意见：${comment}` : ''}`,
        {
          kind: 'survey',
          data: { score: effect.score, comment: comment ?? null, ticketId: effect.ticketId },
        },
      );
      deps.onSurvey?.(turn.channel, effect.score);
      if (effect.ticketId) {
        await deps.tickets.setFeedback(effect.ticketId, {
          score: effect.score,
          ...(comment ? { comment } : {}),
          at: turn.now.toISOString(),
        });
      }
      if (turn.state.memory.hadHandoff === true && deps.surveyCompleted) {
        await deps
          .surveyCompleted(turn.conversationId, effect.score, comment)
          .catch((error: unknown) =>
            turn.logger.warn('posting survey to desk failed', {
              conversationId: turn.conversationId,
              error: maskPersonalData(error instanceof Error ? error.message : String(error)),
            }),
          );
      }
      return { ok: true, data: {} };
    },
  };
}
