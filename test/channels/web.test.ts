import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  internalConversationId,
  registerWebChannel,
  type WebChannelOptions,
} from '../../src/channels/web/index.ts';
import type { ChannelOutlet, ConversationGateway } from '../../src/core/gateway.ts';
import { createMemoryStores } from '../../src/store/index.ts';
import type { TranscriptStore } from '../../src/store/types.ts';
import { RATE_LIMITED_TEXT } from '../../src/channels/edge-policy.ts';
import {
  ACCOUNT_QUESTION,
  GREETING,
  ONLINE_ANSWER,
  ScriptedGateway,
} from '../e2e/scripted-gateway.ts';

interface Harness {
  server: FastifyInstance;
  gateway: ScriptedGateway;
  transcripts: TranscriptStore;
  outlet: ChannelOutlet;
  errors: string[];
}

const servers: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function harness(options: WebChannelOptions = {}): Promise<Harness> {
  const server = Fastify();
  servers.push(server);
  const { transcripts } = createMemoryStores();
  const gateway = new ScriptedGateway(transcripts);
  const errors: string[] = [];
  const outlet = registerWebChannel(server, {
    gateway,
    transcripts,
    logger: { warn: (_d, m) => errors.push(m), error: (_d, m) => errors.push(m) },
    options,
  });
  await server.ready();
  return { server, gateway, transcripts, outlet, errors };
}

function post(server: FastifyInstance, payload: unknown) {
  return server.inject({ method: 'POST', url: '/api/web/messages', payload: payload as object });
}

async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Opens a conversation with its first message; resolves with the id the server issued. */
async function opened(server: FastifyInstance, first: object): Promise<string> {
  const res = await post(server, first);
  expect(res.statusCode).toBe(200);
  return res.json().conversationId as string;
}

describe('POST /api/web/messages', () => {
  it('issues a new conversation id and runs the turn under its one-way internal name', async () => {
    const { server, gateway } = await harness();
    const res = await post(server, { text: '我想开户', messageId: 'm1' });
    expect(res.statusCode).toBe(200);
    const { conversationId } = res.json();
    expect(conversationId).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(res.json()).toEqual({
      conversationId,
      messages: [
        {
          type: 'choices',
          text: ACCOUNT_QUESTION,
          quickReplies: [
            { label: '线上开户', value: 'open_online' },
            { label: '营业部开户', value: 'open_branch' },
          ],
        },
      ],
    });
    const inbound = gateway.received[0];
    const internal = internalConversationId(conversationId);
    expect(internal).toMatch(/^web:[0-9a-f]{32}$/);
    expect(internal).not.toContain(conversationId);
    expect(inbound).toMatchObject({
      channel: 'web',
      conversationId: internal,
      userId: internal,
      channelMessageId: 'm1',
      content: { kind: 'text', text: '我想开户' },
    });
    expect(Number.isNaN(Date.parse(inbound?.receivedAt ?? ''))).toBe(false);

    // The issued id goes on; an id the server never issued is replaced, so none is guessable.
    const again = await post(server, { conversationId, text: '营业部开户' });
    expect(again.json().conversationId).toBe(conversationId);
    expect(gateway.received[1]?.conversationId).toBe(internal);
    const chosen = await post(server, { conversationId: 'visitor-1', text: '你好' });
    expect(chosen.json().conversationId).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(chosen.json().conversationId).not.toBe('visitor-1');
    expect(gateway.received[2]?.conversationId).not.toBe(internalConversationId('visitor-1'));
  });

  it('passes a quick-reply tap as a choice', async () => {
    const { server, gateway } = await harness();
    const res = await post(server, { choice: { value: 'open_online', label: '线上开户' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().messages[0].text).toBe(ONLINE_ANSWER);
    expect(gateway.received[0]?.content).toEqual({
      kind: 'choice',
      value: 'open_online',
      label: '线上开户',
    });
  });

  it.each([
    ['numeric conversationId', { conversationId: 42, text: '你好' }, 'invalid_conversation_id'],
    [
      'conversationId with a space',
      { conversationId: 'has space', text: '你好' },
      'invalid_conversation_id',
    ],
    ['no text', { conversationId: 'c1' }, 'invalid_request'],
    ['numeric text', { conversationId: 'c1', text: 12 }, 'invalid_request'],
    ['blank text', { conversationId: 'c1', text: '   ' }, 'invalid_request'],
    [
      'text and choice',
      { conversationId: 'c1', text: 'a', choice: { value: 'x', label: 'x' } },
      'invalid_request',
    ],
    ['a string choice', { conversationId: 'c1', choice: 'x' }, 'invalid_request'],
    ['an unknown event', { conversationId: 'c1', event: 'other' }, 'invalid_request'],
    ['4001 characters of text', { conversationId: 'c1', text: '好'.repeat(4001) }, 'text_too_long'],
    ['an array body', ['c1', '你好'], 'invalid_request'],
  ])('rejects %s with 400 %s and never calls the gateway', async (_label, payload, code) => {
    const { server, gateway } = await harness();
    const res = await post(server, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code, message: expect.any(String) } });
    expect(gateway.received).toHaveLength(0);
  });

  it('answers broken JSON, wrong media types and huge bodies with coded JSON errors', async () => {
    const { server } = await harness();
    const broken = await server.inject({
      method: 'POST',
      url: '/api/web/messages',
      headers: { 'content-type': 'application/json' },
      payload: '{"conversationId": "c1", "text": ',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('invalid_json');
    const text = await server.inject({
      method: 'POST',
      url: '/api/web/messages',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(400);
    expect(text.json().error.code).toBe('invalid_request');
    const xml = await server.inject({
      method: 'POST',
      url: '/api/web/messages',
      headers: { 'content-type': 'application/xml' },
      payload: '<m/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().error.code).toBe('unsupported_media_type');
    const huge = await post(server, { conversationId: 'c1', text: 'x'.repeat(70_000) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
  });

  it('answers an over-long message politely without reaching the pipeline', async () => {
    const { server, gateway } = await harness();
    const res = await post(server, { conversationId: 'c1', text: '长'.repeat(501) });
    expect(res.statusCode).toBe(200);
    expect(res.json().messages).toEqual([
      { type: 'text', text: expect.stringContaining('500 字'), from: 'system' },
    ]);
    expect(gateway.received).toHaveLength(0);
  });

  it('limits requests per client IP with 429 and Retry-After', async () => {
    const { server } = await harness({ ipRateLimit: { capacity: 2, refillPerSecond: 0.5 } });
    await post(server, { conversationId: 'a', text: '你好' });
    await server.inject({ url: '/api/web/messages?conversationId=a' });
    const limited = await post(server, { conversationId: 'b', text: '你好' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    expect(limited.json()).toEqual({ error: { code: 'rate_limited', message: RATE_LIMITED_TEXT } });
    expect((await server.inject({ url: '/widget.js' })).statusCode).toBe(200);
  });

  it('turns a pipeline failure into a 500 JSON error and a log line', async () => {
    const { server, gateway, errors } = await harness();
    gateway.failWith = new Error('store down');
    const res = await post(server, { conversationId: 'c1', text: '你好' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('internal_error');
    expect(errors).toContain('web chat: request failed');
  });

  it('answers CORS preflight for browser callers on other origins', async () => {
    const { server } = await harness({ allowedOrigins: ['https://www.example-broker.com'] });
    const preflight = await server.inject({
      method: 'OPTIONS',
      url: '/api/web/messages',
      headers: {
        origin: 'https://www.example-broker.com',
        'access-control-request-method': 'POST',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://www.example-broker.com');
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    const stranger = await server.inject({
      method: 'OPTIONS',
      url: '/api/web/messages',
      headers: { origin: 'https://evil.example' },
    });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('GET /api/web/messages', () => {
  it('returns the conversation from the transcript in order, with a polling cursor', async () => {
    const { server, transcripts } = await harness();
    const h1 = await opened(server, { text: '我想开户' });
    await post(server, { conversationId: h1, choice: { value: 'open_online', label: '线上开户' } });
    await post(server, { text: '你好' });

    const all = await server.inject({ url: `/api/web/messages?conversationId=${h1}` });
    expect(all.statusCode).toBe(200);
    const body = all.json();
    expect(body.conversationId).toBe(h1);
    expect(body.cursor).toBe(4);
    expect(body.more).toBe(false);
    expect(
      body.messages.map((m: { direction: string; type: string; text: string }) => [
        m.direction,
        m.type,
        m.text,
      ]),
    ).toEqual([
      ['customer', 'text', '我想开户'],
      ['bot', 'choices', ACCOUNT_QUESTION],
      ['customer', 'text', '线上开户'],
      ['bot', 'text', ONLINE_ANSWER],
    ]);
    expect(body.messages[1]).toMatchObject({ seq: 2, quickReplies: [{ label: '线上开户' }, {}] });
    expect(typeof body.messages[0].at).toBe('string');

    // An agent answers later (the desk writes the transcript); a note stays internal.
    const at = new Date().toISOString();
    await transcripts.append({
      conversationId: internalConversationId(h1),
      at,
      channel: 'web',
      direction: 'agent',
      kind: 'message',
      text: '您好，我是人工客服小王。',
      agent: '小王',
    });
    await transcripts.append({
      conversationId: internalConversationId(h1),
      at,
      channel: 'web',
      direction: 'system',
      kind: 'note',
      text: 'internal handoff note',
    });
    const later = await server.inject({ url: `/api/web/messages?conversationId=${h1}&after=4` });
    expect(later.json()).toEqual({
      conversationId: h1,
      cursor: 6,
      more: false,
      messages: [
        {
          direction: 'agent',
          type: 'text',
          text: '您好，我是人工客服小王。',
          agent: '小王',
          seq: 5,
          at,
        },
      ],
    });
    const none = await server.inject({ url: `/api/web/messages?conversationId=${h1}&after=6` });
    expect(none.json()).toEqual({ conversationId: h1, cursor: 6, more: false, messages: [] });
  });

  it('reads nothing by the internal name agents and logs see', async () => {
    const { server } = await harness();
    const id = await opened(server, { text: '我的手机13812345678' });
    const internal = internalConversationId(id);
    for (const guess of [internal, internal.slice('web:'.length)]) {
      const res = await server.inject({
        url: `/api/web/messages?conversationId=${encodeURIComponent(guess)}`,
      });
      expect(res.json().messages).toEqual([]);
    }
  });

  it('pages a long history: 200 lines by default, at most 1000, with `more` until the end', async () => {
    const { server, transcripts } = await harness();
    const id = await opened(server, { text: '你好' });
    const lines = Array.from({ length: 1300 }, (_, i) => ({
      conversationId: internalConversationId(id),
      at: new Date().toISOString(),
      channel: 'web' as const,
      direction: 'customer' as const,
      kind: 'message' as const,
      text: `第${i + 3}条`,
    }));
    await transcripts.appendMany(lines);
    const page = async (query: string) =>
      (await server.inject({ url: `/api/web/messages?conversationId=${id}${query}` })).json();
    const first = await page('');
    expect(first.messages).toHaveLength(200);
    expect([first.cursor, first.more]).toEqual([200, true]);
    const big = await page('&after=200&limit=5000');
    expect(big.messages).toHaveLength(1000);
    expect([big.messages[0].seq, big.cursor, big.more]).toEqual([201, 1200, true]);
    const last = await page('&after=1200&limit=1000');
    expect([last.messages.length, last.cursor, last.more]).toEqual([102, 1302, false]);
  });

  it('validates the query', async () => {
    const { server } = await harness();
    const missing = await server.inject({ url: '/api/web/messages' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('invalid_conversation_id');
    const badCursor = await server.inject({ url: '/api/web/messages?conversationId=a&after=-1' });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().error.code).toBe('invalid_request');
    for (const limit of ['0', '-3', 'ten', '100000']) {
      const bad = await server.inject({ url: `/api/web/messages?conversationId=a&limit=${limit}` });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('invalid_request');
    }
  });
});

describe('widget files', () => {
  it('serves the widget with the configured AI label for its header', async () => {
    const { server } = await harness({ aiLabel: () => '本回答由AI生成</script>' });
    const js = await server.inject({ url: '/widget.js' });
    expect(js.body).toContain('var SETTINGS = {"aiLabel":"本回答由AI生成\\u003c/script>"};');
    expect(js.body).not.toContain('本回答由AI生成</script>');
    const plain = await harness();
    const none = await plain.server.inject({ url: '/widget.js' });
    expect(none.body).toContain('var SETTINGS = {};');
  });

  it('serves the widget script with the embed snippet and a demo page for phones', async () => {
    const { server } = await harness();
    const js = await server.inject({ url: '/widget.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('application/javascript');
    expect(js.body).toContain('data-csbot-url=');
    expect(js.body).toContain('请输入您的问题…');
    expect(js.body).not.toMatch(/innerHTML|insertAdjacentHTML|document\.write/);
    const page = await server.inject({ url: '/' });
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('name="viewport"');
    expect(page.body).toContain('src="/widget.js"');
  });

  it('can leave / to the host app', async () => {
    const { server } = await harness({ demoPage: false });
    expect((await server.inject({ url: '/' })).statusCode).toBe(404);
  });
});

type Frame = { type: string; [key: string]: unknown };

class TestSocket {
  readonly frames: Frame[] = [];
  readonly ws: WebSocket;
  closeCode: number | null = null;
  private waiters: (() => void)[] = [];

  constructor(url: string, origin?: string) {
    this.ws = new WebSocket(url, origin ? { origin } : {});
    this.ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      this.waiters.forEach((wake) => wake());
    });
    this.ws.on('close', (code) => {
      this.closeCode = code;
      this.waiters.forEach((wake) => wake());
    });
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Resolves with the first frame (from index `from`) matching `match`. */
  async next(match: (frame: Frame) => boolean, from = 0): Promise<Frame> {
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (this.closeCode !== null) throw new Error(`socket closed (${this.closeCode})`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async closed(): Promise<number> {
    while (this.closeCode === null) await new Promise<void>((r) => this.waiters.push(r));
    return this.closeCode;
  }
}

async function listening(options: WebChannelOptions = {}) {
  const h = await harness(options);
  const address = await h.server.listen({ port: 0, host: '127.0.0.1' });
  const wsUrl = (query: string) => `${address.replace('http', 'ws')}/api/web/ws?${query}`;
  const sockets: TestSocket[] = [];
  const open = (query: string) => {
    const socket = new TestSocket(wsUrl(query));
    sockets.push(socket);
    return socket;
  };
  return { ...h, open, sockets };
}

describe('WebSocket /api/web/ws', () => {
  it('sends history, typing and replies, and echoes the turn to other tabs', async () => {
    const { open, gateway } = await listening();
    const tab = open('');
    const history = await tab.next((f) => f.type === 'history');
    const ws1 = history.conversationId as string;
    expect(ws1).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(history).toEqual({ type: 'history', conversationId: ws1, messages: [], cursor: 0 });

    tab.send({ type: 'start' });
    const greeting = await tab.next((f) => f.type === 'messages');
    expect(greeting.messages).toEqual([
      { direction: 'bot', type: 'text', text: GREETING, at: expect.any(String) },
    ]);
    expect(gateway.received[0]?.content).toEqual({ kind: 'event', event: 'conversation_start' });

    const second = open(`conversationId=${ws1}`);
    expect((await second.next((f) => f.type === 'history')).conversationId).toBe(ws1);
    const mark = tab.frames.length;
    tab.send({ type: 'message', text: '我想开户', messageId: 'k1' });
    const typing = await tab.next((f) => f.type === 'typing' && f.active === true, mark);
    const reply = await tab.next((f) => f.type === 'messages', mark);
    expect(tab.frames.indexOf(typing)).toBeLessThan(tab.frames.indexOf(reply));
    expect(reply.messages).toEqual([
      expect.objectContaining({
        direction: 'bot',
        type: 'choices',
        text: ACCOUNT_QUESTION,
        quickReplies: [
          { label: '线上开户', value: 'open_online' },
          { label: '营业部开户', value: 'open_branch' },
        ],
      }),
    ]);
    expect(gateway.received[1]?.channelMessageId).toBe('k1');
    const echoed = await second.next((f) => f.type === 'messages');
    expect(echoed.messages).toEqual([
      expect.objectContaining({ direction: 'customer', text: '我想开户' }),
      expect.objectContaining({ direction: 'bot', text: ACCOUNT_QUESTION }),
    ]);

    const mark2 = tab.frames.length;
    tab.send({ type: 'choice', value: 'open_online', label: '线上开户' });
    const answer = await tab.next((f) => f.type === 'messages', mark2);
    expect(answer.messages).toEqual([expect.objectContaining({ text: ONLINE_ANSWER })]);
  });

  it('restores the history on reconnect, or only what came after a seq', async () => {
    const { open, server } = await listening();
    const ws2 = await opened(server, { text: '我想开户' });
    await post(server, {
      conversationId: ws2,
      choice: { value: 'open_online', label: '线上开户' },
    });
    const full = await open(`conversationId=${ws2}`).next((f) => f.type === 'history');
    expect((full.messages as { text: string }[]).map((m) => m.text)).toEqual([
      '我想开户',
      ACCOUNT_QUESTION,
      '线上开户',
      ONLINE_ANSWER,
    ]);
    expect(full.cursor).toBe(4);
    const tail = await open(`conversationId=${ws2}&after=3`).next((f) => f.type === 'history');
    expect(tail.messages).toEqual([
      expect.objectContaining({ seq: 4, direction: 'bot', text: ONLINE_ANSWER }),
    ]);
  });

  it('pushes messages delivered later (agent replies) to every open tab of that conversation', async () => {
    const { open, outlet, server } = await listening();
    const ws3 = await opened(server, { event: 'conversation_start' });
    const ws4 = await opened(server, { event: 'conversation_start' });
    const a = open(`conversationId=${ws3}`);
    const b = open(`conversationId=${ws3}`);
    const stranger = open(`conversationId=${ws4}`);
    await Promise.all([a, b, stranger].map((s) => s.next((f) => f.type === 'history')));
    expect(outlet.channel).toBe('web');
    const internal = internalConversationId(ws3);
    await outlet.deliver(
      { channel: 'web', conversationId: internal, userId: internal, channelRef: null },
      [
        { type: 'event', event: 'agent_joined', text: '人工客服小王已接入。', from: 'system' },
        { type: 'text', text: '您好，请问还有什么问题？', from: 'agent' },
      ],
    );
    for (const tab of [a, b]) {
      const pushed = await tab.next((f) => f.type === 'messages');
      expect(pushed.messages).toEqual([
        expect.objectContaining({ direction: 'system', type: 'event', event: 'agent_joined' }),
        expect.objectContaining({ direction: 'agent', text: '您好，请问还有什么问题？' }),
      ]);
    }
    expect(stranger.frames.filter((f) => f.type === 'messages')).toHaveLength(0);
  });

  it('shows a REST turn to the open tabs of that conversation', async () => {
    const { open, server } = await listening();
    const ws5 = await opened(server, { event: 'conversation_start' });
    const tab = open(`conversationId=${ws5}`);
    await tab.next((f) => f.type === 'history');
    await post(server, { conversationId: ws5, text: '我想开户' });
    const seen = await tab.next((f) => f.type === 'messages');
    expect((seen.messages as { text: string }[]).map((m) => m.text)).toEqual([
      '我想开户',
      ACCOUNT_QUESTION,
    ]);
  });

  it('gives a socket with an id the server never issued a new conversation', async () => {
    const { open } = await listening();
    const made = open('conversationId=my-own-id');
    const history = await made.next((f) => f.type === 'history');
    expect(history.conversationId).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(history.conversationId).not.toBe('my-own-id');
  });

  it('hands every message of a quick burst to the gateway at once, in order', async () => {
    const { open, gateway } = await listening();
    const tab = open('');
    await tab.next((f) => f.type === 'history');
    const burst = ['在吗', '人呢', '怎么不回', '转人工', '在不在', '有人吗', '快点'];
    for (const text of burst) {
      tab.send({ type: 'message', text });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await eventually(() => expect(gateway.received).toHaveLength(burst.length));
    expect(gateway.received.map((m) => (m.content as { text: string }).text)).toEqual(burst);
  });

  it('refuses messages over the socket limit politely, records them, and closes a flood', async () => {
    const refusals: { text: string; reason: string }[] = [];
    const { open, gateway } = await listening({
      socketRateLimit: { capacity: 3, refillPerSecond: 0.001 },
      socketCloseAfterRefused: 20,
    });
    (gateway as ConversationGateway).recordRefused = async (message, _replies, reason) => {
      refusals.push({ text: (message.content as { text: string }).text, reason });
    };
    const tab = open('');
    await tab.next((f) => f.type === 'history');
    for (let i = 1; i <= 5; i++) tab.send({ type: 'message', text: `第${i}条` });
    await tab.next(
      (f) => f.type === 'error' && (f.error as { code: string }).code === 'rate_limited',
    );
    await eventually(() => expect(gateway.received).toHaveLength(3));
    await eventually(() =>
      expect(refusals).toEqual([
        { text: '第4条', reason: 'rate_limited' },
        { text: '第5条', reason: 'rate_limited' },
      ]),
    );
    expect(tab.ws.readyState).toBe(WebSocket.OPEN);
    // A script keeps going: one notice a second at most, then the socket is closed.
    for (let i = 0; i < 40; i++) tab.send({ type: 'message', text: `刷屏${i}` });
    expect(await tab.closed()).toBe(1008);
    const notices = tab.frames.filter((f) => f.type === 'error');
    expect(notices.length).toBeLessThanOrEqual(2);
    expect(gateway.received).toHaveLength(3);
  });

  it('limits how many sockets one client address holds open', async () => {
    const { open } = await listening({ maxSocketsPerIp: 2 });
    const first = open('');
    const second = open('');
    await Promise.all([first, second].map((s) => s.next((f) => f.type === 'history')));
    const third = open('');
    expect((await third.next((f) => f.type === 'error')).error).toMatchObject({
      code: 'rate_limited',
    });
    expect(await third.closed()).toBe(1008);
    first.ws.close();
    await first.closed();
    await eventually(async () => {
      const again = open('');
      await again.next((f) => f.type === 'history');
    });
  });

  it('rejects a bad conversation id with an error frame and close code 1008', async () => {
    const { open } = await listening();
    const bad = open('conversationId=' + encodeURIComponent('<script>'));
    const error = await bad.next((f) => f.type === 'error');
    expect(error.error).toMatchObject({ code: 'invalid_conversation_id' });
    expect(await bad.closed()).toBe(1008);
  });

  it('answers bad frames and pipeline failures with error frames and keeps the socket open', async () => {
    const { open, gateway } = await listening();
    const tab = open('');
    await tab.next((f) => f.type === 'history');
    tab.ws.send('not json');
    expect((await tab.next((f) => f.type === 'error')).error).toMatchObject({
      code: 'invalid_json',
    });
    tab.send({ type: 'message', text: '' });
    await tab.next(
      (f) => f.type === 'error' && (f.error as { code: string }).code === 'invalid_request',
    );
    tab.send({ type: 'ping' });
    await tab.next((f) => f.type === 'pong');
    gateway.failWith = new Error('boom');
    tab.send({ type: 'message', text: '你好' });
    const failed = await tab.next(
      (f) => f.type === 'error' && (f.error as { code: string }).code === 'internal_error',
    );
    expect((failed.error as { message: string }).message).toContain('对不起');
    expect(tab.frames.at(-2)).toEqual({ type: 'typing', active: false });
    expect(tab.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('refuses sockets from origins outside allowedOrigins but always allows its own pages', async () => {
    const h = await harness({ allowedOrigins: ['https://www.example-broker.com'] });
    const address = await h.server.listen({ port: 0, host: '127.0.0.1' });
    const url = `${address.replace('http', 'ws')}/api/web/ws`;
    const connect = (origin: string) => {
      const socket = new TestSocket(url, origin);
      return socket;
    };
    const stranger = connect('https://evil.example');
    expect((await stranger.next((f) => f.type === 'error')).error).toMatchObject({
      code: 'forbidden_origin',
    });
    expect(await stranger.closed()).toBe(1008);
    for (const origin of ['https://www.example-broker.com', address]) {
      const socket = connect(origin);
      await socket.next((f) => f.type === 'history');
      socket.ws.close();
    }
  });

  it('ignores deliveries addressed to another channel', async () => {
    const { outlet, errors } = await listening();
    await outlet.deliver(
      { channel: 'wechaty', conversationId: 'wechaty:x', userId: 'x', channelRef: null },
      [{ type: 'text', text: 'hi' }],
    );
    expect(errors).toContain('web chat: asked to deliver to another channel; ignored');
  });
});
