// The console's tickets: the masked list with filters, one ticket, the staff API's actions with the
// signed-in user as `by`, and the masked CSV; behind the guard the console hands in.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConsoleAuthorize } from '../../src/console/auth.ts';
import { ticketsApi } from '../../src/console/tickets-api.ts';
import { DEFAULT_DEPARTMENTS, createMemoryStores, type Stores } from '../../src/store/index.ts';
import { actOnTicket } from '../../src/tickets/ticket-actions.ts';
import { TICKET_CAUSES } from '../../src/tickets/ticket-machine.ts';
import { createApp } from '../../src/app.ts';
import { ADMIN_TOKEN, appConfig, sharedContent } from '../app/harness.ts';

const departments = [...new Set(Object.values(DEFAULT_DEPARTMENTS))];
const passThrough: ConsoleAuthorize = async () => {};
const refusing: ConsoleAuthorize = async (_request, reply) => {
  await reply.code(401).send({ error: { code: 'unauthorized', message: 'sign in first' } });
};
// The signed-in user, as the console's session would tell it.
const identity = (request: FastifyRequest) => {
  const user = request.headers['x-test-user'];
  return typeof user === 'string' ? decodeURIComponent(user) : null;
};
const now = new Date('2026-11-25T02:00:00.000Z');

describe('the console ticket API', () => {
  let server: FastifyInstance;
  let stores: Stores;
  const ids: string[] = [];

  async function build(authorize: ConsoleAuthorize, withActions = true): Promise<void> {
    server = Fastify();
    await server.register(
      ticketsApi({
        tickets: stores.tickets,
        authorize,
        identity,
        departments: () => departments,
        ...(withActions ? { act: (id, action) => actOnTicket(stores.tickets, id, action) } : {}),
        clock: () => now,
      }),
    );
  }

  async function file(createdAt: string, department: string, description: string): Promise<string> {
    const ticket = await stores.tickets.create(
      {
        kind: 'complaint',
        conversationId: `web:console-${ids.length}`,
        channel: 'web',
        createdAt,
        complainant: { name: '张三', phone: '13812345678', account: '880012345678' },
        category: department === '信息技术部' ? '交易系统' : '收费',
        department,
        description,
        replyDueBy: '2026-12-14',
      },
      'bot',
    );
    ids.push(ticket.id);
    return ticket.id;
  }

  beforeEach(async () => {
    ids.length = 0;
    stores = createMemoryStores({ clock: () => now });
    // 2026-11-21 and 2026-11-24 in Shanghai.
    await file(
      '2026-11-21T02:00:00.000Z',
      '信息技术部',
      '下单后一直显示已报，卡号6222021234567890123',
    );
    await file('2026-11-24T02:00:00.000Z', '运营管理部', '佣金收多了，电话13912345678');
    await build(passThrough);
  });
  afterEach(() => server.close());

  const events = (id: string, body: unknown, user: string | null = '王五') =>
    server.inject({
      method: 'POST',
      url: `/console/api/tickets/${id}/events`,
      payload: body as object,
      headers: user ? { 'x-test-user': encodeURIComponent(user) } : {},
    });

  it('lists the tickets masked, newest first, with the departments to transfer to', async () => {
    const res = await server.inject('/console/api/tickets');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.tickets.map((t: { id: string }) => t.id)).toEqual([ids[1], ids[0]]);
    expect(body.departments).toEqual(departments);
    const shown = res.body;
    for (const whole of ['13812345678', '13912345678', '6222021234567890123', '880012345678'])
      expect(shown).not.toContain(whole);
    expect(shown).toContain('138****5678');
  });

  it('filters by status, department and dates', async () => {
    await events(ids[0]!, { action: 'accept' });
    const list = async (query: string) =>
      (await server.inject(`/console/api/tickets?${query}`))
        .json()
        .tickets.map((t: { id: string }) => t.id);
    expect(await list('status=in_progress')).toEqual([ids[0]]);
    expect(await list('status=open')).toEqual([ids[1]]);
    expect(await list('department=运营管理部')).toEqual([ids[1]]);
    expect(await list('from=2026-11-22')).toEqual([ids[1]]);
    expect(await list('from=2026-11-21&to=2026-11-21')).toEqual([ids[0]]);
    expect(await list('status=&department=')).toHaveLength(2);
    for (const [query, code] of [
      ['status=done', 'bad_status'],
      ['department=不存在', 'bad_department'],
      ['from=21-11-2026', 'bad_period'],
      ['from=2026-11-24&to=2026-11-21', 'bad_period'],
    ]) {
      const res = await server.inject(`/console/api/tickets?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
  });

  it('shows one masked ticket, 404 for an unknown or malformed id', async () => {
    const res = await server.inject(`/console/api/tickets/${ids[0]}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().ticket).toMatchObject({ id: ids[0], complainant: { phone: '138****5678' } });
    expect((await server.inject('/console/api/tickets/TS20991231-0001')).statusCode).toBe(404);
    expect((await server.inject('/console/api/tickets/..%2F..%2Fetc')).statusCode).toBe(404);
  });

  it('takes the staff actions with the signed-in user as the one who acted', async () => {
    // A `by` in the body is not believed: the session says who acts.
    const accepted = await events(ids[0]!, { action: 'accept', by: '冒充的人' });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().ticket).toMatchObject({ status: 'in_progress' });
    const stored = await stores.tickets.get(ids[0]!);
    expect(stored!.statusHistory.at(-1)).toMatchObject({ status: 'in_progress', by: '王五' });

    expect((await events(ids[0]!, { action: 'note', note: '已联系技术排查' })).statusCode).toBe(
      200,
    );
    const transferred = await events(ids[0]!, { action: 'transfer', department: '运营管理部' });
    expect(transferred.json().ticket).toMatchObject({ department: '运营管理部' });
    const resolved = await events(ids[0]!, {
      action: 'resolve',
      result: '已为您核实并修复',
      cause: TICKET_CAUSES[0],
      improvement: '增加监控',
    });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json().ticket).toMatchObject({
      status: 'resolved',
      result: '已为您核实并修复',
    });
    // The same state machine refuses what the desk refuses.
    const again = await events(ids[0]!, { action: 'accept' });
    expect(again.statusCode).toBe(409);
  });

  it('validates each action as the staff API does, naming the missing fields', async () => {
    const bad = await events(ids[0]!, { action: 'resolve', result: '已处理' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      error: {
        code: 'invalid',
        fields: { cause: expect.any(String), improvement: expect.any(String) },
      },
    });
    expect((await events(ids[0]!, { action: 'close' })).statusCode).toBe(400);
    expect((await events(ids[0]!, ['accept'])).statusCode).toBe(400);
    expect(
      (await events(ids[0]!, { action: 'transfer', department: '不存在的部门' })).statusCode,
    ).toBe(400);
    expect((await events(ids[0]!, { action: 'note', note: 'x'.repeat(5000) })).statusCode).toBe(
      400,
    );
    expect((await events('TS20991231-0001', { action: 'accept' })).statusCode).toBe(404);
    expect((await events(ids[0]!, { action: 'accept' }, null)).statusCode).toBe(401);
  });

  it('answers 503 for actions when the ticket service is not running', async () => {
    await server.close();
    await build(passThrough, false);
    expect((await events(ids[0]!, { action: 'accept' })).statusCode).toBe(503);
  });

  it('exports the masked archive of the chosen dates as CSV', async () => {
    const res = await server.inject('/console/api/tickets.csv?from=2026-11-24&to=2026-11-24');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="tickets-2026-11-24-2026-11-24.csv"',
    );
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(ids[1]);
    expect(res.body).toContain('139****5678');
    expect(res.body).not.toContain('13912345678');
    expect((await server.inject('/console/api/tickets.csv?to=someday')).statusCode).toBe(400);
  });

  it('answers 401 on every route when the guard refuses', async () => {
    await server.close();
    await build(refusing);
    for (const url of [
      '/console/api/tickets',
      `/console/api/tickets/${ids[0]}`,
      '/console/api/tickets.csv',
    ])
      expect((await server.inject(url)).statusCode, url).toBe(401);
    expect((await events(ids[0]!, { action: 'accept' })).statusCode).toBe(401);
    expect((await stores.tickets.get(ids[0]!))!.status).toBe('open');
  });
});

describe('the console ticket API in the app', () => {
  it('records the signed-in console user on the action, through the ticket service', async () => {
    const { content, dialogs, nlu } = sharedContent();
    const stores = createMemoryStores();
    const app = await createApp(appConfig(content), {
      content,
      dialogs,
      nlu,
      stores,
      logger: false,
    });
    try {
      const ticket = await stores.tickets.create(
        {
          kind: 'complaint',
          conversationId: 'web:console-app',
          channel: 'web',
          createdAt: new Date().toISOString(),
          complainant: { name: '张三', phone: '13812345678' },
          category: '交易系统',
          department: '信息技术部',
          description: '下单失败',
          replyDueBy: '2026-12-14',
        },
        'bot',
      );
      const signIn = await app.server.inject({
        method: 'POST',
        url: '/console/sign-in',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ token: ADMIN_TOKEN, name: '王主管' }),
      });
      expect(signIn.statusCode).toBe(200);
      const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
      const csrf = (signIn.json() as { csrfToken: string }).csrfToken;
      const url = `/console/api/tickets/${ticket.id}/events`;
      const payload = JSON.stringify({ action: 'accept', by: '别人' });
      const json = { 'content-type': 'application/json' };
      expect(
        (await app.server.inject({ method: 'POST', url, payload, headers: json })).statusCode,
      ).toBe(401);
      const accepted = await app.server.inject({
        method: 'POST',
        url,
        payload,
        headers: { ...json, cookie, 'x-csrf-token': csrf },
      });
      expect(accepted.statusCode).toBe(200);
      expect((await stores.tickets.get(ticket.id))!.statusHistory.at(-1)).toMatchObject({
        status: 'in_progress',
        by: '王主管',
      });
      const list = await app.server.inject({ url: '/console/api/tickets', headers: { cookie } });
      expect(list.json().tickets[0]).toMatchObject({ id: ticket.id, status: 'in_progress' });
    } finally {
      await app.close();
    }
  });
});
