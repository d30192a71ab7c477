// The console's tickets: the masked list (by status, department and dates), one ticket, the same
// actions as the Slack complaint desk and the staff API (the ticket service's `act`, checked by
// the same validateStaffAction), and the masked CSV archive. The acting staff member is the
// signed-in console user, never a name the request body claims.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { inPeriod, parsePeriod, ticketsCsv } from '../admin/ticket-report.ts';
import { parseTicketId } from '../store/ticket-id.ts';
import type { ComplaintTicket, TicketStatus, TicketStore } from '../store/types.ts';
import type { ActOutcome } from '../tickets/ticket-actions.ts';
import { validateStaffAction, type StaffAction } from '../tickets/ticket-machine.ts';
import { maskTicket } from '../tickets/ticket-view.ts';
import type { ConsoleAuthorize } from './auth.ts';

export interface TicketsApiDeps {
  tickets: TicketStore;
  /** The console's guard: answers 401 itself when the request has no session. */
  authorize: ConsoleAuthorize;
  /** Who is signed in on this request (recorded as `by` on every action), or null. */
  identity: (request: FastifyRequest) => string | null;
  /** The ticket service's actions (accept, note, resolve, transfer) and the departments. */
  act?: (id: string, action: StaffAction) => Promise<ActOutcome>;
  departments: () => string[];
  clock?: () => Date;
}

const STATUSES: readonly TicketStatus[] = ['open', 'in_progress', 'resolved', 'closed'];

function fail(reply: FastifyReply, status: number, code: string, message: string, extra = {}) {
  return reply.code(status).send({ error: { code, message, ...extra } });
}

function newestFirst(a: ComplaintTicket, b: ComplaintTicket): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
}

export function ticketsApi(deps: TicketsApiDeps): FastifyPluginAsync {
  return async (server) => registerTicketRoutes(server, deps);
}

function registerTicketRoutes(server: FastifyInstance, deps: TicketsApiDeps): void {
  const clock = deps.clock ?? (() => new Date());
  const guarded = { preHandler: deps.authorize };

  server.get('/console/api/tickets', guarded, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const status = query.status === '' ? undefined : query.status;
    if (status !== undefined && !STATUSES.includes(status as TicketStatus))
      return fail(reply, 400, 'bad_status', `status must be one of ${STATUSES.join(', ')}`);
    const department = query.department === '' ? undefined : query.department;
    const departments = deps.departments();
    if (department !== undefined && !departments.includes(department as string))
      return fail(
        reply,
        400,
        'bad_department',
        `department must be one of ${departments.join('、')}`,
      );
    const parsed = parsePeriod(query);
    if (!parsed.ok) return fail(reply, 400, 'bad_period', parsed.message);
    const tickets = (await deps.tickets.list(status ? { status: status as TicketStatus } : {}))
      .filter((t) => inPeriod(t, parsed.period))
      .filter((t) => department === undefined || t.department === department)
      .sort(newestFirst);
    return { tickets: tickets.map(maskTicket), departments };
  });

  server.get('/console/api/tickets.csv', guarded, async (request, reply) => {
    const parsed = parsePeriod(request.query as Record<string, unknown>);
    if (!parsed.ok) return fail(reply, 400, 'bad_period', parsed.message);
    const tickets = (await deps.tickets.list()).filter((t) => inPeriod(t, parsed.period));
    const name = `tickets-${parsed.period.from ?? 'start'}-${parsed.period.to ?? 'now'}.csv`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store')
      .send(ticketsCsv(tickets.map(maskTicket), clock()));
  });

  server.get('/console/api/tickets/:id', guarded, async (request, reply) => {
    const { id } = request.params as { id: string };
    const ticket = parseTicketId(id) ? await deps.tickets.get(id) : null;
    if (!ticket) return fail(reply, 404, 'not_found', `no ticket ${id}`);
    return { ticket: maskTicket(ticket) };
  });

  server.post('/console/api/tickets/:id/events', guarded, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!deps.act)
      return fail(reply, 503, 'tickets_unavailable', 'the ticket service is not running');
    const by = deps.identity(request);
    if (!by) return fail(reply, 401, 'unauthorized', 'sign in to act on tickets');
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return fail(reply, 400, 'invalid', 'body must be a JSON object');
    const checked = validateStaffAction(
      { ...(body as Record<string, unknown>), by },
      deps.departments(),
    );
    if (!checked.ok)
      return fail(reply, 400, 'invalid', 'the action is incomplete', { fields: checked.errors });
    if (!parseTicketId(id)) return fail(reply, 404, 'not_found', `no ticket ${id}`);
    const outcome = await deps.act(id, checked.action);
    if (!outcome.ok) {
      const status = outcome.code === 'not_found' ? 404 : outcome.code === 'invalid' ? 400 : 409;
      return fail(reply, status, outcome.code, outcome.message);
    }
    return { ticket: maskTicket(outcome.ticket) };
  });
}
