import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { registerWebChannel, type WebChannelOptions } from '../../src/channels/web/index.ts';
import type { ChannelOutlet } from '../../src/core/gateway.ts';
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

describe('POST /api/web/messages', () => {
  it('runs a text turn and returns the replies, namespacing the conversation', async () => {
    const { server, gateway } = await harness();
    const res = await post(server, {
      conversationId: 'visitor-1',
      text: '我想开户',
      messageId: 'm1',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      conversationId: 'visitor-1',
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
    expect(inbound).toMatchObject({
      channel: 'web',
      conversationId: 'web:visitor-1',
      userId: 'web:visitor-1',
      channelMessageId: 'm1',
      content: { kind: 'text', text: '我想开户' },
    });
    expect(Number.isNaN(Date.parse(inbound?.receivedAt ?? ''))).toBe(false);
  });

  it('passes a quick-reply tap as a choice', async () => {
    const { server, gateway } = await harness();
    const res = await post(server, {
      conversationId: 'visitor-2',
      choice: { value: 'open_online', label: '线上开户' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().messages[0].text).toBe(ONLINE_ANSWER);
    expect(gateway.received[0]?.content).toEqual({
      kind: 'choice',
      value: 'open_online',
      label: '线上开户',
    });
  });

  it.each([
    ['no conversationId', { text: '你好' }, 'invalid_conversation_id'],
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

  it('rate-limits one conversation politely while others go on', async () => {
    const { server, gateway } = await harness({
      guard: { perConversation: { capacity: 2, refillPerSecond: 0.01 } },
    });
    await post(server, { conversationId: 'fast', text: '一' });
    await post(server, { conversationId: 'fast', text: '二' });
    const third = await post(server, { conversationId: 'fast', text: '三' });
    expect(third.json().messages).toEqual([
      { type: 'event', event: 'rate_limited', text: RATE_LIMITED_TEXT, from: 'system' },
    ]);
    const other = await post(server, { conversationId: 'calm', text: '你好' });
    expect(other.json().messages[0].type).toBe('text');
    expect(gateway.received.map((m) => m.conversationId)).toEqual([
      'web:fast',
      'web:fast',
      'web:calm',
    ]);
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
    await post(server, { conversationId: 'h1', text: '我想开户' });
    await post(server, {
      conversationId: 'h1',
      choice: { value: 'open_online', label: '线上开户' },
    });
    await post(server, { conversationId: 'other', text: '你好' });

    const all = await server.inject({ url: '/api/web/messages?conversationId=h1' });
    expect(all.statusCode).toBe(200);
    const body = all.json();
    expect(body.conversationId).toBe('h1');
    expect(body.cursor).toBe(4);
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
      conversationId: 'web:h1',
      at,
      channel: 'web',
      direction: 'agent',
      kind: 'message',
      text: '您好，我是人工客服小王。',
      agent: '小王',
    });
    await transcripts.append({
      conversationId: 'web:h1',
      at,
      channel: 'web',
      direction: 'system',
      kind: 'note',
      text: 'internal handoff note',
    });
    const later = await server.inject({ url: '/api/web/messages?conversationId=h1&after=4' });
    expect(later.json()).toEqual({
      conversationId: 'h1',
      cursor: 6,
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
    const none = await server.inject({ url: '/api/web/messages?conversationId=h1&after=6' });
    expect(none.json()).toEqual({ conversationId: 'h1', cursor: 6, messages: [] });
  });

  it('validates the query', async () => {
    const { server } = await harness();
    const missing = await server.inject({ url: '/api/web/messages' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('invalid_conversation_id');
    const badCursor = await server.inject({ url: '/api/web/messages?conversationId=a&after=-1' });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().error.code).toBe('invalid_request');
  });
});

describe('widget files', () => {
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
    const tab = open('conversationId=ws1');
    const history = await tab.next((f) => f.type === 'history');
    expect(history).toEqual({ type: 'history', conversationId: 'ws1', messages: [], cursor: 0 });

    tab.send({ type: 'start' });
    const greeting = await tab.next((f) => f.type === 'messages');
    expect(greeting.messages).toEqual([
      { direction: 'bot', type: 'text', text: GREETING, at: expect.any(String) },
    ]);
    expect(gateway.received[0]?.content).toEqual({ kind: 'event', event: 'conversation_start' });

    const second = open('conversationId=ws1');
    await second.next((f) => f.type === 'history');
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
    await post(server, { conversationId: 'ws2', text: '我想开户' });
    await post(server, {
      conversationId: 'ws2',
      choice: { value: 'open_online', label: '线上开户' },
    });
    const full = await open('conversationId=ws2').next((f) => f.type === 'history');
    expect((full.messages as { text: string }[]).map((m) => m.text)).toEqual([
      '我想开户',
      ACCOUNT_QUESTION,
      '线上开户',
      ONLINE_ANSWER,
    ]);
    expect(full.cursor).toBe(4);
    const tail = await open('conversationId=ws2&after=3').next((f) => f.type === 'history');
    expect(tail.messages).toEqual([
      expect.objectContaining({ seq: 4, direction: 'bot', text: ONLINE_ANSWER }),
    ]);
  });

  it('pushes messages delivered later (agent replies) to every open tab of that conversation', async () => {
    const { open, outlet } = await listening();
    const a = open('conversationId=ws3');
    const b = open('conversationId=ws3');
    const stranger = open('conversationId=ws4');
    await Promise.all([a, b, stranger].map((s) => s.next((f) => f.type === 'history')));
    expect(outlet.channel).toBe('web');
    await outlet.deliver(
      { channel: 'web', conversationId: 'web:ws3', userId: 'web:ws3', channelRef: null },
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
    const tab = open('conversationId=ws5');
    await tab.next((f) => f.type === 'history');
    await post(server, { conversationId: 'ws5', text: '我想开户' });
    const seen = await tab.next((f) => f.type === 'messages');
    expect((seen.messages as { text: string }[]).map((m) => m.text)).toEqual([
      '我想开户',
      ACCOUNT_QUESTION,
    ]);
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
    const tab = open('conversationId=ws6');
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
    const url = `${address.replace('http', 'ws')}/api/web/ws?conversationId=o1`;
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
