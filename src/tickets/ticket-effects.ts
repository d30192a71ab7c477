// The ticket effects: a finished complaint form becomes a numbered ticket with its department and
// promised reply date (working days of the firm's calendar), and the customer's verdict on a
// ticket's result goes to the ticket through the state machine. Owned here, registered with the
// pipeline's effect registry.
import type { EffectHandlers, EffectOutcome } from '../core/effects.ts';
import { addWorkingDays, workCalendarFromSettings } from '../core/workdays.ts';
import { SKIP_VALUE } from '../dialog/slots.ts';
import type { FirmSettings } from '../content/types.ts';
import { departmentForCategory, isComplaintCategory } from '../store/departments.ts';
import type {
  ComplaintTicket,
  NewComplaintTicket,
  TicketRating,
  TicketStore,
} from '../store/types.ts';
import { actOnTicket, type ActOutcome } from './ticket-actions.ts';
import { TICKET_RATINGS } from './ticket-machine.ts';
import type { ChannelId } from '../core/message.ts';
import { maskPersonalData } from '../compliance/index.ts';

export interface TicketEffectDeps {
  tickets: TicketStore;
  /** Department routing override (firm renamed departments). */
  departmentFor?: (category: NonNullable<ComplaintTicket['category']>) => string;
  onTicket?: (channel: ChannelId, ticket: ComplaintTicket) => void;
  /**
   * Records the customer's verdict (the ticket service: reopens on 不满意 and tells the
   * supervisor); without it the verdict goes through the state machine to the store only.
   */
  feedback?: (id: string, rating: TicketRating, comment: string | undefined) => Promise<ActOutcome>;
}

export function ticketEffects(
  deps: TicketEffectDeps,
): Pick<EffectHandlers, 'create_ticket' | 'record_ticket_feedback'> {
  return {
    async record_ticket_feedback(effect, turn): Promise<EffectOutcome> {
      const rating = TICKET_RATINGS.find((r) => r === effect.slots.rating);
      const raw = effect.slots.comment?.trim();
      const comment = raw && raw !== SKIP_VALUE ? raw : undefined;
      if (!effect.ticketId || !rating) return { ok: false, data: {} };
      await turn.record(
        'customer',
        `处理结果评价：${rating}${comment ? `；意见：${comment}` : ''}`,
        {
          kind: 'survey',
          data: { ticketId: effect.ticketId, rating, comment: comment ?? null },
        },
      );
      const outcome = deps.feedback
        ? await deps.feedback(effect.ticketId, rating, comment)
        : await actOnTicket(deps.tickets, effect.ticketId, {
            action: 'feedback',
            rating,
            ...(comment ? { comment } : {}),
            at: turn.now.toISOString(),
          });
      if (!outcome.ok) {
        turn.logger.warn('ticket feedback not recorded', {
          conversationId: turn.conversationId,
          ticketId: effect.ticketId,
          reason: outcome.message,
        });
      }
      return {
        ok: outcome.ok,
        data: { ticketId: effect.ticketId, reopened: rating === '不满意' ? 'yes' : 'no' },
      };
    },

    async create_ticket(effect, turn): Promise<EffectOutcome> {
      try {
        const fields = ticketFromSlots(effect.slots, {
          conversationId: turn.conversationId,
          channel: turn.state.channel,
          now: turn.now,
          firm: turn.firm,
          ...(deps.departmentFor ? { departmentFor: deps.departmentFor } : {}),
        });
        if (effect.incomplete) {
          fields.incomplete = true;
          fields.missingFields = [...(effect.missing ?? [])];
        }
        const ticket = await deps.tickets.create(fields, 'bot');
        if (effect.incomplete) {
          await deps.tickets.addHandling(ticket.id, {
            by: 'bot',
            action: `登记未完成，待补充：${ticket.missingFields?.join('、') || '无'}`,
          });
        }
        deps.onTicket?.(turn.channel, ticket);
        turn.logger.info(
          effect.incomplete ? 'incomplete complaint ticket created' : 'complaint ticket created',
          { conversationId: turn.conversationId, ticketId: ticket.id },
        );
        return {
          ok: true,
          data: {
            ticketId: ticket.id,
            replyDueBy: ticket.replyDueBy ?? '',
            ...(effect.incomplete ? { missing: ticket.missingFields?.join('、') ?? '' } : {}),
          },
        };
      } catch (error) {
        turn.logger.error('creating complaint ticket failed', {
          conversationId: turn.conversationId,
          error: maskPersonalData(error instanceof Error ? error.message : String(error)),
        });
        return { ok: false, data: {} };
      }
    },
  };
}

/** The ticket a complaint form's slots describe (slot names: see dialogs/complaint.yaml). */
export function ticketFromSlots(
  slots: Record<string, string>,
  where: {
    conversationId: string;
    channel: ChannelId;
    now: Date;
    firm: FirmSettings;
    departmentFor?: (category: NonNullable<ComplaintTicket['category']>) => string;
  },
): NewComplaintTicket {
  const category = slots.category;
  const workdays = Number(where.firm.complaintReplyWorkdays);
  const has = (key: string): string | undefined => (slots[key] ? slots[key] : undefined);
  const complainant: NewComplaintTicket['complainant'] = {};
  if (has('name')) complainant.name = slots.name;
  if (has('phone')) complainant.phone = slots.phone;
  if (has('account')) complainant.account = slots.account;
  const ticket: NewComplaintTicket = {
    kind: 'complaint',
    conversationId: where.conversationId,
    channel: where.channel,
    createdAt: where.now.toISOString(),
    complainant,
    description: slots.description ?? '',
  };
  if (has('occurredAt')) {
    ticket.occurredAt = {
      text: slots.occurredAt as string,
      ...(has('occurredAt_iso') ? { iso: slots.occurredAt_iso } : {}),
    };
  }
  if (isComplaintCategory(category)) {
    ticket.category = category;
    ticket.department = where.departmentFor
      ? where.departmentFor(category)
      : departmentForCategory(category);
  }
  if (has('desiredOutcome')) ticket.desiredOutcome = slots.desiredOutcome;
  if (Number.isFinite(workdays) && workdays > 0) {
    const { calendar } = workCalendarFromSettings(where.firm);
    ticket.replyDueBy = addWorkingDays(where.now, workdays, calendar);
  }
  return ticket;
}
