// Internal HTTP endpoints: the complaint-ticket list for staff, health and metrics for operators.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { maskAccount, maskPersonalData, maskPhone } from '../compliance/index.ts';
import type { BotMetrics } from '../ops/metrics.ts';
import type { ComplaintTicket, StoreHealth, TicketStatus, TicketStore } from '../store/types.ts';

export interface AdminRouteDeps {
  tickets: TicketStore;
  health: StoreHealth;
  metrics: BotMetrics;
  /** Bearer token for /api/admin/*; when empty the admin API refuses every request. */
  adminToken?: string;
}

const STATUSES: readonly TicketStatus[] = ['open', 'in_progress', 'resolved', 'closed'];

export function registerAdminRoutes(server: FastifyInstance, deps: AdminRouteDeps): void {
  server.get('/healthz', async (_request, reply) => {
    const storeUp = await deps.health.ping().catch(() => false);
    return reply
      .code(storeUp ? 200 : 503)
      .send({ status: storeUp ? 'ok' : 'degraded', store: storeUp ? 'up' : 'down' });
  });

  server.get('/metrics', async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  server.get('/api/admin/tickets', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!authorized(request.headers.authorization, deps.adminToken)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="csbot-admin"')
        .send({ error: { code: 'unauthorized', message: 'Bearer ADMIN_TOKEN required' } });
    }
    const query = request.query as Record<string, string | undefined>;
    const status = query.status;
    if (status !== undefined && !STATUSES.includes(status as TicketStatus)) {
      return reply.code(400).send({
        error: { code: 'bad_status', message: `status must be one of ${STATUSES.join(', ')}` },
      });
    }
    const tickets = await deps.tickets.list({
      ...(status ? { status: status as TicketStatus } : {}),
      ...(query.conversationId ? { conversationId: query.conversationId } : {}),
    });
    return { tickets: tickets.map(maskTicket) };
  });
}

function authorized(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Staff see who and how to reach them, masked; the full number stays in the store for call-backs. */
export function maskTicket(ticket: ComplaintTicket): ComplaintTicket {
  return {
    ...ticket,
    complainant: {
      ...(ticket.complainant.name !== undefined ? { name: ticket.complainant.name } : {}),
      ...(ticket.complainant.phone !== undefined
        ? { phone: maskPhone(ticket.complainant.phone) }
        : {}),
      ...(ticket.complainant.account !== undefined
        ? { account: maskAccount(ticket.complainant.account) }
        : {}),
    },
    description: maskPersonalData(ticket.description),
    ...(ticket.desiredOutcome !== undefined
      ? { desiredOutcome: maskPersonalData(ticket.desiredOutcome) }
      : {}),
    ...(ticket.result !== undefined ? { result: maskPersonalData(ticket.result) } : {}),
    ...(ticket.feedback
      ? {
          feedback: {
            ...ticket.feedback,
            ...(ticket.feedback.comment !== undefined
              ? { comment: maskPersonalData(ticket.feedback.comment) }
              : {}),
          },
        }
      : {}),
  };
}
