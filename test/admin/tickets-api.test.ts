// The staff API over tickets: one ticket, the same actions as the Slack buttons validated the same
// way, the CSV archive (masked; contacts only with the reveal token, audited, and safe to open in a
// spreadsheet), and the admin rate limit with lockout after repeated wrong tokens.
import { afterEach, describe, expect, it } from 'vitest';
import { csvCell } from '../../src/admin/csv.ts';
import { createMemoryStores, type Stores } from '../../src/store/index.ts';
import {
  admin,
  ADMIN_TOKEN,
  MovableClock,
  REVEAL_TOKEN,
  startDeskInstance,
  type DeskInstance,
} from '../tickets/harness.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function world(): Promise<{ instance: DeskInstance; stores: Stores; clock: MovableClock }> {
  const clock = new MovableClock();
  const stores = createMemoryStores({ clock: clock.now });
  const instance = await startDeskInstance({ slack: null, stores, clock });
  cleanups.push(() => instance.close());
  return { instance, stores, clock };
}

async function file(stores: Stores, description: string, extra = {}): Promise<string> {
  const ticket = await stores.tickets.create(
    {
      kind: 'complaint',
      conversationId: `web:api-${description.length}-${Math.random()}`,
      channel: 'web',
      createdAt: '2026-11-23T02:00:00.000Z',
      complainant: { name: '张三', phone: '13812345678', account: '880012345678' },
      category: '交易系统',
      department: '信息技术部',
      description,
      replyDueBy: '2026-12-14',
      ...extra,
    },
    'bot',
  );
  return ticket.id;
}

const post = (instance: DeskInstance, id: string, body: unknown) =>
  admin(instance, `/api/admin/tickets/${id}/events`, { method: 'POST', body });

describe('the staff ticket API', () => {
  it('shows one masked ticket and moves it with validated actions, like the buttons', async () => {
    const { instance, stores } = await world();
    const id = await file(stores, '下单后一直显示已报，卡号6222021234567890123');

    const got = await admin(instance, `/api/admin/tickets/${id}`);
    expect(got.status).toBe(200);
    const shown = JSON.stringify(await got.json());
    expect(shown).toContain('138****5678');
    expect(shown).not.toContain('13812345678');
    expect(shown).not.toContain('6222021234567890123');
    expect((await admin(instance, '/api/admin/tickets/TS20991231-0001')).status).toBe(404);
    expect((await admin(instance, '/api/admin/tickets/../../etc')).status).toBe(404);

    // Each action's own fields are required; the answer names them.
    const bad = await post(instance, id, { action: 'resolve', by: '赵六', result: '已处理' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: {
        code: 'invalid',
        fields: { cause: expect.any(String), improvement: expect.any(String) },
      },
    });
    expect((await post(instance, id, { action: 'accept' })).status).toBe(400);
    expect((await post(instance, id, { action: 'close', by: 'x' })).status).toBe(400);
    expect((await post(instance, id, ['accept'])).status).toBe(400);
    expect(
      (await post(instance, id, { action: 'transfer', by: 'x', department: '不存在的部门' }))
        .status,
    ).toBe(400);

    // Not yet accepted: resolving is a conflict, not a silent change.
    const early = await post(instance, id, {
      action: 'resolve',
      by: '赵六',
      result: '已修复',
      cause: '系统故障',
      improvement: '加监控',
    });
    expect(early.status).toBe(409);
    expect((await stores.tickets.get(id))!.status).toBe('open');

    expect(
      (await post(instance, id, { action: 'transfer', by: '赵六', department: '运营管理部' }))
        .status,
    ).toBe(200);
    expect((await post(instance, id, { action: 'accept', by: '赵六' })).status).toBe(200);
    expect((await post(instance, id, { action: 'accept', by: '钱七' })).status).toBe(409);
    expect(
      (await post(instance, id, { action: 'note', by: '赵六', note: '已联系券商柜台核实' })).status,
    ).toBe(200);
    const resolved = await post(instance, id, {
      action: 'resolve',
      by: '赵六',
      result: '委托已撤回，资金已解冻',
      cause: '系统故障',
      improvement: '柜台接口增加超时告警',
    });
    expect(resolved.status).toBe(200);
    const ticket = (await resolved.json()) as { ticket: Record<string, unknown> };
    expect(ticket.ticket).toMatchObject({
      status: 'resolved',
      department: '运营管理部',
      result: '委托已撤回，资金已解冻',
      cause: '系统故障',
      improvement: '柜台接口增加超时告警',
    });
    expect((await post(instance, 'TS20991231-0001', { action: 'accept', by: 'x' })).status).toBe(
      404,
    );
  });

  it('exports a masked CSV that a spreadsheet cannot run, and contacts only with the reveal token, audited', async () => {
    const { instance, stores } = await world();
    const tricky = '=HYPERLINK("http://evil.example","点我"),并且\n第二行"引号"';
    const id = await file(stores, tricky, {
      desiredOutcome: '+1 退钱',
      complainant: { name: '@张三', phone: '13812345678', account: '880012345678' },
    });
    await file(stores, '-5元手续费', { createdAt: '2026-11-25T02:00:00.000Z' });

    const res = await admin(instance, '/api/admin/tickets.csv?from=2026-11-23&to=2026-11-23');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await res.arrayBuffer());
    // A UTF-8 byte-order mark first, so Excel reads the Chinese right.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = bytes.subarray(3).toString('utf8');
    expect(csv.startsWith('工单号,')).toBe(true);
    expect(csv).toContain(id);
    expect(csv).not.toContain('-5元手续费');
    // Quoted, quotes doubled, the line break kept inside the cell, the formula defused.
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""点我""),并且\n第二行""引号"""`);
    expect(csv).toContain(`"'+1 退钱"`);
    expect(csv).toContain(`"'@张三"`);
    expect(csv).toContain('138****5678');
    expect(csv).not.toContain('13812345678');
    const rows = csv.trimEnd().split('\r\n');
    expect(rows).toHaveLength(2);

    expect(csvCell('-5元')).toBe(`"'-5元"`);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(-5)).toBe('-5');

    // Contacts: the admin token may not; the reveal token must say who; then it is audited.
    expect((await admin(instance, '/api/admin/tickets.csv?contacts=full&by=x')).status).toBe(403);
    expect(
      (await admin(instance, '/api/admin/tickets.csv?contacts=full', { token: REVEAL_TOKEN }))
        .status,
    ).toBe(400);
    expect(
      (await admin(instance, '/api/admin/tickets.csv?from=2026-13-01', { token: REVEAL_TOKEN }))
        .status,
    ).toBe(400);
    expect((await admin(instance, '/api/admin/stats', { token: REVEAL_TOKEN })).status).toBe(401);
    const full = await admin(
      instance,
      '/api/admin/tickets.csv?from=2026-11-23&to=2026-11-23&contacts=full&by=合规部 孙八',
      {
        token: REVEAL_TOKEN,
      },
    );
    expect(full.status).toBe(200);
    const fullCsv = await full.text();
    expect(fullCsv).toContain('13812345678');
    expect(fullCsv).toContain('880012345678');
    const audit = (await (await admin(instance, '/api/admin/audit')).json()) as {
      entries: Record<string, unknown>[];
    };
    expect(audit.entries).toMatchObject([
      {
        by: '合规部 孙八',
        action: 'export_contacts',
        via: 'admin-api',
        ticketIds: [id],
        detail: { from: '2026-11-23', to: '2026-11-23', count: 1 },
      },
    ]);
  });

  it('locks an address out after repeated wrong tokens, even with the right one then', async () => {
    const { instance, clock } = await world();
    for (let i = 0; i < 4; i += 1) {
      expect((await admin(instance, '/api/admin/tickets', { token: `wrong-${i}` })).status).toBe(
        401,
      );
    }
    // A right token in between clears the count.
    expect((await admin(instance, '/api/admin/tickets')).status).toBe(200);
    for (let i = 0; i < 5; i += 1) {
      expect((await admin(instance, '/api/admin/tickets', { token: `wrong-${i}` })).status).toBe(
        401,
      );
    }
    const locked = await admin(instance, '/api/admin/tickets', { token: ADMIN_TOKEN });
    expect(locked.status).toBe(429);
    expect(await locked.json()).toMatchObject({ error: { code: 'locked_out' } });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    clock.advance(16 * 60_000);
    expect((await admin(instance, '/api/admin/tickets')).status).toBe(200);
  });

  it('limits the request rate per address', async () => {
    const { instance } = await world();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1)
      statuses.push((await admin(instance, '/api/admin/tickets')).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses).toContain(429);
  });
});
