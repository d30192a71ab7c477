// Internal HTTP endpoints: the staff API over complaint tickets (list, one ticket, the same actions
// as the Slack buttons, the CSV archive, statistics, the personal-data audit), health and metrics
// for operators. Every /api/admin request passes the rate limit and lockout first.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../compliance/audit-log.ts';
import type { ContentReloadResult, ContentStatus } from '../content/runtime.ts';
import type { BotMetrics } from '../ops/metrics.ts';
import type { ComplaintTicket, StoreHealth, TicketStatus, TicketStore } from '../store/types.ts';
import type { ActOutcome } from '../tickets/ticket-actions.ts';
import { validateStaffAction, type StaffAction } from '../tickets/ticket-machine.ts';
import { maskTicket } from '../tickets/ticket-view.ts';
import { AdminGuard, DEFAULT_ADMIN_GUARD, type AdminGuardOptions } from './lockout.ts';
import { inPeriod, parsePeriod, ticketsCsv, ticketStats } from './ticket-report.ts';

export { maskTicket } from '../tickets/ticket-view.ts';

export interface AdminRouteDeps {
  tickets: TicketStore;
  health: StoreHealth;
  metrics: BotMetrics;
  /** Bearer token for /api/admin/*; when empty the admin API refuses every request. */
  adminToken?: string;
  /** Bearer token that may export tickets with full contacts (each export audited). */
  revealToken?: string;
  /** The ticket service's actions (accept, note, resolve, transfer) and the departments. */
  act?: (id: string, action: StaffAction) => Promise<ActOutcome>;
  departments?: () => string[];
  audit?: AuditLog;
  guard?: AdminGuardOptions;
  clock?: () => Date;
  /** Live content: its version and last reload in /healthz, and the reload call. */
  content?: {
    status: () => ContentStatus;
    reload: () => Promise<ContentReloadResult>;
  };
}

const STATUSES: readonly TicketStatus[] = ['open', 'in_progress', 'resolved', 'closed'];
const TICKET_ID = /^[A-Z]{2}\d{8}-\d{4,}$/;

function matches(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function fail(reply: FastifyReply, status: number, code: string, message: string, extra = {}) {
  return reply.code(status).send({ error: { code, message, ...extra } });
}

export function registerAdminRoutes(server: FastifyInstance, deps: AdminRouteDeps): void {
  const clock = deps.clock ?? (() => new Date());
  const guard = new AdminGuard(deps.guard ?? DEFAULT_ADMIN_GUARD, () => clock().getTime());

  server.get('/healthz', async (_request, reply) => {
    const storeUp = await deps.health.ping().catch(() => false);
    return reply.code(storeUp ? 200 : 503).send({
      status: storeUp ? 'ok' : 'degraded',
      store: storeUp ? 'up' : 'down',
      // A refused reload leaves the bot serving the previous content: ready, but worth seeing.
      ...(deps.content ? { content: deps.content.status() } : {}),
    });
  });

  server.get('/metrics', async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  /**
   * Admits the request and says which token it carries: 'admin', 'reveal' (where allowed), or
   * null after answering 401/429 itself.
   */
  function authorize(
    request: FastifyRequest,
    reply: FastifyReply,
    allowReveal = false,
  ): 'admin' | 'reveal' | null {
    const address = request.ip;
    const verdict = guard.admit(address);
    if (!verdict.ok) {
      void reply.header('retry-after', String(verdict.retryAfterSeconds));
      void fail(
        reply,
        429,
        verdict.reason,
        verdict.reason === 'locked_out'
          ? 'too many wrong tokens from this address; try again later'
          : 'too many requests; slow down',
      );
      return null;
    }
    const header = request.headers.authorization;
    const kind = matches(header, deps.adminToken)
      ? 'admin'
      : allowReveal && matches(header, deps.revealToken)
        ? 'reveal'
        : null;
    if (!kind) {
      guard.failed(address);
      void reply.header('www-authenticate', 'Bearer realm="csbot-admin"');
      void fail(reply, 401, 'unauthorized', 'Bearer ADMIN_TOKEN required');
      return null;
    }
    guard.succeeded(address);
    return kind;
  }

  // Content teams (or their CI) publish a change without waiting for the file watcher.
  server.post('/api/admin/content/reload', async (request, reply) => {
    if (!authorize(request, reply)) return reply;
    if (!deps.content) return fail(reply, 404, 'no_live_content', 'content reload is not enabled');
    const result = await deps.content.reload();
    const code = result.outcome === 'refused' ? 422 : result.outcome === 'failed' ? 500 : 200;
    return reply.code(code).send(result);
  });

  server.get('/api/admin/tickets', async (request, reply) => {
    if (!authorize(request, reply)) return reply;
    const query = request.query as Record<string, string | undefined>;
    const status = query.status;
    if (status !== undefined && !STATUSES.includes(status as TicketStatus)) {
      return fail(reply, 400, 'bad_status', `status must be one of ${STATUSES.join(', ')}`);
    }
    const tickets = await deps.tickets.list({
      ...(status ? { status: status as TicketStatus } : {}),
      ...(query.conversationId ? { conversationId: query.conversationId } : {}),
    });
    return { tickets: tickets.map(maskTicket) };
  });

  server.get('/api/admin/tickets.csv', async (request, reply) => {
    const kind = authorize(request, reply, true);
    if (!kind) return reply;
    const query = request.query as Record<string, string | undefined>;
    const parsed = parsePeriod(query);
    if (!parsed.ok) return fail(reply, 400, 'bad_period', parsed.message);
    const withContacts = query.contacts === 'full';
    if (query.contacts !== undefined && !withContacts) {
      return fail(reply, 400, 'bad_contacts', 'contacts may only be "full"');
    }
    if (withContacts && kind !== 'reveal') {
      return fail(reply, 403, 'reveal_token_required', 'contacts=full needs ADMIN_REVEAL_TOKEN');
    }
    const by = (query.by ?? '').trim();
    if (withContacts && (!by || by.length > 80)) {
      return fail(reply, 400, 'by_required', 'say who exports the contacts: by=NAME (at most 80)');
    }
    if (withContacts && !deps.audit) {
      return fail(reply, 503, 'audit_unavailable', 'no audit log: contacts cannot be exported');
    }
    const tickets = (await deps.tickets.list()).filter((t) => inPeriod(t, parsed.period));
    if (withContacts) {
      // No audit line, no export: the record is written before any data leaves.
      await deps.audit!.record({
        at: clock().toISOString(),
        by,
        action: 'export_contacts',
        via: 'admin-api',
        ticketIds: tickets.map((t) => t.id),
        detail: {
          from: parsed.period.from ?? null,
          to: parsed.period.to ?? null,
          address: request.ip,
          count: tickets.length,
        },
      });
    }
    const rows: ComplaintTicket[] = withContacts
      ? tickets.map((t) => ({ ...maskTicket(t), complainant: { ...t.complainant } }))
      : tickets.map(maskTicket);
    const name = `tickets-${parsed.period.from ?? 'start'}-${parsed.period.to ?? 'now'}.csv`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store')
      .send(ticketsCsv(rows, clock()));
  });

  server.get('/api/admin/stats', async (request, reply) => {
    if (!authorize(request, reply)) return reply;
    const parsed = parsePeriod(request.query as Record<string, unknown>);
    if (!parsed.ok) return fail(reply, 400, 'bad_period', parsed.message);
    const tickets = (await deps.tickets.list()).filter((t) => inPeriod(t, parsed.period));
    return ticketStats(tickets, parsed.period, clock());
  });

  server.get('/api/admin/audit', async (request, reply) => {
    if (!authorize(request, reply)) return reply;
    if (!deps.audit) return { entries: [] };
    return { entries: await deps.audit.list() };
  });

  server.get('/api/admin/tickets/:id', async (request, reply) => {
    if (!authorize(request, reply)) return reply;
    const { id } = request.params as { id: string };
    const ticket = TICKET_ID.test(id) ? await deps.tickets.get(id) : null;
    if (!ticket) return fail(reply, 404, 'not_found', `no ticket ${id}`);
    return { ticket: maskTicket(ticket) };
  });

  server.post('/api/admin/tickets/:id/events', async (request, reply) => {
    if (!authorize(request, reply)) return reply;
    const { id } = request.params as { id: string };
    if (!deps.act || !deps.departments) {
      return fail(reply, 503, 'tickets_unavailable', 'the ticket service is not running');
    }
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return fail(reply, 400, 'invalid', 'body must be a JSON object');
    }
    const checked = validateStaffAction(body as Record<string, unknown>, deps.departments());
    if (!checked.ok) {
      return fail(reply, 400, 'invalid', 'the action is incomplete', { fields: checked.errors });
    }
    if (!TICKET_ID.test(id)) return fail(reply, 404, 'not_found', `no ticket ${id}`);
    const outcome = await deps.act(id, checked.action);
    if (!outcome.ok) {
      const status = outcome.code === 'not_found' ? 404 : outcome.code === 'invalid' ? 400 : 409;
      return fail(reply, status, outcome.code, outcome.message);
    }
    return { ticket: maskTicket(outcome.ticket) };
  });
}
