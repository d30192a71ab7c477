// The web channel through the real app: FAQ answers with the risk disclosure, history polling,
// request validation, a complaint filed end to end, the admin ticket list, health and metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  buildHarness,
  history,
  postWeb,
  say,
  tap,
  webConversation,
  type Harness,
  type TurnResult,
} from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await buildHarness();
});
afterAll(async () => {
  await h?.close();
});

async function turn(conversationId: string, text: string): Promise<TurnResult> {
  return say(h, conversationId, text);
}

async function tapped(conversationId: string, previous: TurnResult, label: string) {
  return tap(h, conversationId, previous, label);
}

/** Walks the complaint form as a customer would; returns the ticket id and the turns it took. */
async function fileComplaint(id: string): Promise<{ ticketId: string; turns: number }> {
  let turns = 0;
  const step = async (text: string) => {
    turns += 1;
    return turn(id, text);
  };
  let r = await step('我要投诉');
  expect(r.text).toContain('姓名');
  r = await step('张三');
  expect(r.text).toContain('手机号码');
  r = await step('1381234567');
  expect(r.text).toContain('格式不对');
  r = await step('13812345678');
  expect(r.text).toContain('资金账号');
  r = await step('880012345678');
  expect(r.text).toContain('什么时候');
  r = await step('昨天下午3点');
  expect(r.text).toContain('投诉类别');
  turns += 1;
  r = await tapped(id, r, '收费');
  expect(r.text).toContain('经过');
  r = await step('佣金比开户时约定的高了很多');
  expect(r.text).toContain('如何处理');
  r = await step('退还多收的佣金并回电说明');
  expect(r.text).toContain('请核对');
  expect(r.text).toContain('138****5678');
  expect(r.text).not.toContain('13812345678');
  expect(r.text).not.toContain('880012345678');
  turns += 1;
  r = await tapped(id, r, '是');
  const match = /工单号：(TS\d{8}-\d{4})/.exec(r.text);
  expect(match, r.text).not.toBeNull();
  expect(r.text).toContain('以本公司规定为准');
  return { ticketId: match![1]!, turns };
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('answers over POST /api/web/messages', () => {
  it('answers the STAR market question with the firm threshold and the risk disclosure', async () => {
    const reply = await turn('star-1', '科创板开户要什么条件');
    expect(reply.messages.length).toBeGreaterThan(0);
    // POST answers carry OutboundMessage (`from` absent = the bot).
    expect(reply.messages.every((m) => (m.from ?? 'bot') === 'bot')).toBe(true);
    expect(reply.text).toContain('50万');
    expect(reply.text).toContain(h.content.firm.riskDisclosure);
    expect(h.content.firm.riskDisclosure).toContain('市场有风险');
  });

  it('keeps the conversation in GET /api/web/messages, in order, with a working cursor', async () => {
    const id = 'history-1';
    const first = await turn(id, '科创板开户要什么条件');
    const all = await history(h, id);
    expect(all.status).toBe(200);
    expect(all.messages.map((m) => m.direction)).toEqual([
      'customer',
      ...first.messages.map(() => 'bot'),
    ]);
    expect(all.messages[0]!.text).toBe('科创板开户要什么条件');
    expect(all.messages.slice(1).map((m) => m.text)).toEqual(first.messages.map((m) => m.text));
    const seqs = all.messages.map((m) => m.seq!);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(all.cursor).toBe(seqs.at(-1));

    const empty = await history(h, id, all.cursor);
    expect(empty.messages).toEqual([]);
    expect(empty.cursor).toBe(all.cursor);

    const second = await turn(id, '交易时间是几点到几点');
    const after = await history(h, id, all.cursor);
    expect(after.messages[0]).toMatchObject({
      direction: 'customer',
      text: '交易时间是几点到几点',
    });
    expect(after.messages.slice(1).map((m) => m.text)).toEqual(second.messages.map((m) => m.text));
    expect(after.messages.every((m) => m.seq! > all.cursor)).toBe(true);

    // Another conversation's history is separate.
    expect((await history(h, 'history-unknown')).messages).toEqual([]);
  });

  it('answers a bad request with a 400 JSON error and runs no turn', async () => {
    const cases: { body: string; code: string }[] = [
      {
        body: JSON.stringify({ conversationId: 'bad id!', text: '你好' }),
        code: 'invalid_conversation_id',
      },
      { body: JSON.stringify({ conversationId: 'bad-1' }), code: 'invalid_request' },
      { body: JSON.stringify({ conversationId: 'bad-1', text: 42 }), code: 'invalid_request' },
      { body: JSON.stringify({ conversationId: 'bad-1', text: '   ' }), code: 'invalid_request' },
      {
        body: JSON.stringify({ conversationId: 'bad-1', text: 'a', event: 'conversation_start' }),
        code: 'invalid_request',
      },
      {
        body: JSON.stringify({ conversationId: 'bad-1', text: 'x'.repeat(4001) }),
        code: 'text_too_long',
      },
      { body: '{"conversationId": "bad-1", "text": ', code: 'invalid_json' },
      { body: '[1,2]', code: 'invalid_request' },
    ];
    for (const c of cases) {
      const res = await fetch(`${h.url}/api/web/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: c.body,
      });
      expect(res.status, c.body.slice(0, 60)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/json');
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.code, c.body.slice(0, 60)).toBe(c.code);
      expect(json.error.message.length).toBeGreaterThan(0);
    }
    expect((await history(h, 'bad-1')).messages).toEqual([]);

    const badQuery = await fetch(`${h.url}/api/web/messages?conversationId=ok-1&after=-3`);
    expect(badQuery.status).toBe(400);
    expect(((await badQuery.json()) as { error: { code: string } }).error.code).toBe(
      'invalid_request',
    );
    const noId = await fetch(`${h.url}/api/web/messages`);
    expect(noId.status).toBe(400);
  });

  it('answers an over-long message politely instead of failing, and keeps it on record', async () => {
    const reply = await postWeb(h, { conversationId: 'long-1', text: '我想问'.repeat(200) });
    expect(reply.status).toBe(200);
    expect(reply.messages).toHaveLength(1);
    expect(reply.text).toMatch(/对不起|抱歉/);
    expect(reply.text).toContain('500');
    expect(reply.text).toContain('谢谢');
    // The customer's words and the refusal are in the transcript like any other turn.
    const lines = (await history(h, 'long-1')).messages;
    expect(lines.map((m) => m.direction)).toEqual(['customer', 'system']);
    expect(lines[0]?.text.startsWith('我想问我想问')).toBe(true);
    expect(lines[1]?.text).toBe(reply.text);

    // A tapped option the bot never offered is answered, not an error.
    const stray = await postWeb(h, {
      conversationId: 'long-1',
      choice: { value: 'intent:no.such.intent', label: '不存在的选项' },
    });
    expect(stray.status).toBe(200);
    expect(stray.messages.length).toBeGreaterThan(0);
    expect(stray.text).not.toContain('internal_error');
  });

  // Issue #12: the fourth over-long message within a minute went into a hidden flood summary.
  it('keeps every over-long message on record, cut at 2,000 characters, passwords hidden', async () => {
    const sent = [1, 2, 3, 4, 5].map((n) => `第${n}条：${'我想问开户的事'.repeat(300)}`);
    sent.push(`交易密码是abc12345，${'请帮我查一下'.repeat(400)}`);
    for (const text of sent) {
      const reply = await postWeb(h, { conversationId: 'long-many', text });
      expect(reply.status).toBe(200);
      expect(reply.text).toContain('500');
    }
    const said = (await history(h, 'long-many')).messages
      .filter((m) => m.direction === 'customer')
      .map((m) => m.text);
    expect(said).toEqual([
      ...sent.slice(0, 5).map((text) => text.slice(0, 2000)),
      `交易密码是******，${'请帮我查一下'.repeat(400)}`.slice(0, 2000),
    ]);
  });
});

describe('a complaint filed over the web API', () => {
  const id = 'complaint-1';

  it('walks the whole complaint dialog and creates a ticket', async () => {
    const { ticketId } = await fileComplaint(id);
    const stored = await h.stores.tickets.get(ticketId);
    expect(stored).toMatchObject({
      kind: 'complaint',
      conversationId: webConversation(h, id),
      channel: 'web',
      category: '收费',
      complainant: { name: '张三', phone: '13812345678', account: '880012345678' },
      description: '佣金比开户时约定的高了很多',
      desiredOutcome: '退还多收的佣金并回电说明',
      status: 'open',
    });
  });

  it('lists the ticket on the admin API only with the right token, masked', async () => {
    // A ticket of its own, as the complaint form files it, so this test needs no other to run first.
    const { id: ticketId } = await h.stores.tickets.create(
      {
        kind: 'complaint',
        conversationId: 'web:admin-list',
        channel: 'web',
        createdAt: new Date().toISOString(),
        complainant: { name: '张三', phone: '13812345678', account: '880012345678' },
        category: '收费',
        department: '运营管理部',
        description: '佣金比开户时约定的高了很多',
        desiredOutcome: '退还多收的佣金并回电说明',
      },
      'bot',
    );
    const url = `${h.url}/api/admin/tickets`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(await none.text()).not.toContain(ticketId);
    const wrong = await fetch(url, { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(ticketId);
    const basic = await fetch(url, { headers: { authorization: `Basic ${ADMIN_TOKEN}` } });
    expect(basic.status).toBe(401);

    const ok = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(ok.status).toBe(200);
    const raw = await ok.text();
    expect(raw).not.toContain('13812345678');
    expect(raw).not.toContain('880012345678');
    const { tickets } = JSON.parse(raw) as {
      tickets: {
        id: string;
        complainant: { phone?: string; name?: string };
        department?: string;
      }[];
    };
    const ticket = tickets.find((t) => t.id === ticketId);
    expect(ticket).toBeDefined();
    expect(ticket!.complainant.phone).toBe('138****5678');
    expect(ticket!.complainant.name).toBe('张三');
    expect(ticket!.department).toBe('运营管理部');

    const filtered = await fetch(`${url}?conversationId=web:admin-list`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(((await filtered.json()) as { tickets: unknown[] }).tickets).toHaveLength(1);
  });

  it('masks a card number that fails Luhn and a bare account in the admin API too', async () => {
    const created = await h.stores.tickets.create(
      {
        kind: 'complaint',
        conversationId: 'web:admin-mask',
        channel: 'web',
        createdAt: new Date().toISOString(),
        complainant: {},
        description: '卡号6222021234567890123转账失败，资金账号880012345678，回电0755-86543210',
      },
      'bot',
    );
    const res = await fetch(`${h.url}/api/admin/tickets?conversationId=web:admin-mask`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const raw = await res.text();
    expect(raw).toContain(created.id);
    for (const secret of ['6222021234567890123', '880012345678', '86543210']) {
      expect(raw).not.toContain(secret);
    }
    expect(raw).toContain('622202*********0123');
  });
});

describe('operations endpoints', () => {
  it('reports health', async () => {
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', store: 'up' });
  });

  it('counts messages and tickets in /metrics', async () => {
    const res = await fetch(`${h.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('csbot_messages_total');
    expect(text).toContain('csbot_tickets_total');
    // Counted from what this test does, whatever other tests did before it.
    const inbound = () => metric('csbot_messages_total', 'channel="web",direction="in"');
    const outbound = () => metric('csbot_messages_total', 'channel="web",direction="out"');
    const tooLong = () => metric('csbot_refused_messages_total', 'channel="web",reason="too_long"');
    const complaints = () => metric('csbot_tickets_total', 'kind="complaint"');
    const [inBefore, tooLongBefore, complaintsBefore] = [
      await inbound(),
      await tooLong(),
      await complaints(),
    ];

    const { turns } = await fileComplaint('metrics-complaint');
    // The over-long message is answered at the edge: counted as refused and as a message in.
    expect(
      (await postWeb(h, { conversationId: 'metrics-1', text: '我想问'.repeat(200) })).status,
    ).toBe(200);
    expect(await inbound()).toBe(inBefore + turns + 1);
    expect(await tooLong()).toBe(tooLongBefore + 1);
    expect(await complaints()).toBe(complaintsBefore + 1);

    const outBefore = await outbound();
    const reply = await turn('metrics-1', '交易时间是几点到几点');
    expect(await inbound()).toBe(inBefore + turns + 2);
    expect(await outbound()).toBe(outBefore + reply.messages.length);
  });
});
