// Carries out one state-machine action on a stored ticket: plan against the current ticket, write
// it as one conditional change, and when another instance got there first, plan again against
// what it wrote (which then usually refuses with a clear reason: "已由张三受理").
import { TicketConflictError } from '../store/errors.ts';
import type { ComplaintTicket, TicketStore } from '../store/types.ts';
import { planTicketAction, type TicketAction } from './ticket-machine.ts';

export type ActOutcome =
  | { ok: true; ticket: ComplaintTicket; before: ComplaintTicket }
  | { ok: false; code: 'not_found' | 'invalid' | 'conflict'; message: string };

const MAX_ATTEMPTS = 4;

export async function actOnTicket(
  store: TicketStore,
  id: string,
  action: TicketAction,
): Promise<ActOutcome> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const before = await store.get(id);
    if (!before) return { ok: false, code: 'not_found', message: `没有工单${id}` };
    const plan = planTicketAction(before, action);
    if (!plan.ok) return plan;
    try {
      return { ok: true, ticket: await store.change(id, plan.change), before };
    } catch (error) {
      if (!(error instanceof TicketConflictError)) throw error;
    }
  }
  return { ok: false, code: 'conflict', message: `工单${id}正被频繁修改，请稍后重试` };
}
