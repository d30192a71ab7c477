// An impatient customer through the real app with the settings `npm start` uses: seven messages
// 250 ms apart (在吗 / 人呢 / 怎么不回 / 转人工 ...) on the web API, the widget's WebSocket and the
// WeChat webhook. None is dropped, every one is in the transcript in order, and the customer is
// answered; a retried send (same messageId) runs no second turn, also across two instances.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import { internalConversationId } from '../../src/channels/web/index.ts';
import { closeRedis, connectRedis, type Redis } from '../../src/store/index.ts';
import { RedisIdempotencyStore } from '../../src/store/idempotency.ts';
import { createStores, type Stores } from '../../src/store/index.ts';
import {
  buildHarness,
  eventually,
  history,
  postWeb,
  pushWechat,
  wechatTextXml,
  type Harness,
} from './harness.ts';

const SEVEN = ['在吗', '人呢', '怎么不回', '有人吗', '我要查一下交易时间', '快点回复', '转人工'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let h: Harness;

beforeAll(async () => {
  h = await buildHarness({ wechat: true, batching: true });
});
afterAll(async () => {
  await h?.close();
});

/** What the customer said, as the transcript keeps it. */
async function customerLines(conversationId: string): Promise<string[]> {
  const lines = await h.stores.transcripts.list(conversationId);
  return lines.filter((l) => l.direction === 'customer').map((l) => l.text);
}

describe('seven messages 250 ms apart from one customer', () => {
  it('on the web API: all read, in order, and answered', async () => {
    const opened = await postWeb(h, { conversationId: 'burst-rest', text: '你好' });
    expect(opened.status).toBe(200);
    await sleep(1200);
    const answers: Promise<Awaited<ReturnType<typeof postWeb>>>[] = [];
    for (const text of SEVEN) {
      answers.push(postWeb(h, { conversationId: 'burst-rest', text }));
      await sleep(250);
    }
    const results = await Promise.all(answers);
    expect(results.map((r) => r.status)).toEqual(SEVEN.map(() => 200));
    // Read together: fewer turns than messages, the last of each burst carries the answer.
    expect(results.at(-1)?.messages.length).toBeGreaterThan(0);
    const answered = results.filter((r) => r.messages.length > 0).length;
    expect(answered).toBeLessThan(SEVEN.length);

    const { messages } = await history(h, 'burst-rest');
    const said = messages.filter((m) => m.direction === 'customer').map((m) => m.text);
    expect(said).toEqual(['你好', ...SEVEN]);
    expect(messages.at(-1)?.direction).not.toBe('customer');
  });

  it('on the widget WebSocket: all read, in order, and answered', async () => {
    const socket = new WebSocket(`${h.url.replace('http', 'ws')}/api/web/ws`);
    const frames: { type: string; conversationId?: string; messages?: { text: string }[] }[] = [];
    socket.on('message', (data) =>
      frames.push(JSON.parse(String(data)) as (typeof frames)[number]),
    );
    const historyFrame = await eventually(() => {
      const found = frames.find((f) => f.type === 'history');
      if (!found) throw new Error('no history yet');
      return found;
    });
    const id = historyFrame.conversationId!;
    for (const [i, text] of SEVEN.entries()) {
      socket.send(JSON.stringify({ type: 'message', text, messageId: `ws-burst-${i}` }));
      await sleep(250);
    }
    await eventually(async () => {
      const res = await fetch(`${h.url}/api/web/messages?conversationId=${id}`);
      const body = (await res.json()) as { messages: { direction: string; text: string }[] };
      const said = body.messages.filter((m) => m.direction === 'customer').map((m) => m.text);
      expect(said).toEqual(SEVEN);
      expect(body.messages.at(-1)?.direction).not.toBe('customer');
    }, 8000);
    socket.close();
  });

  it('on the WeChat webhook: every push acknowledged, all read in order, and answered', async () => {
    const openId = 'oBurst_customer_0001';
    const pushes: Promise<{ status: number; body: string }>[] = [];
    for (const text of SEVEN) {
      pushes.push(pushWechat(h, wechatTextXml(openId, text)));
      await sleep(250);
    }
    const results = await Promise.all(pushes);
    expect(results.map((r) => r.status)).toEqual(SEVEN.map(() => 200));
    // The pushes read with later ones are acknowledged; the last one carries the answer.
    expect(results.at(-1)?.body).toContain('<Content>');
    expect(await customerLines(`wechat-mp:${openId}`)).toEqual(SEVEN);
    const lines = await h.stores.transcripts.list(`wechat-mp:${openId}`);
    expect(lines.at(-1)?.direction).not.toBe('customer');
  });
});

describe('a retried web message (same messageId)', () => {
  it('runs one turn and gets the same answer', async () => {
    const first = await postWeb(h, {
      conversationId: 'retry-1',
      text: '股票交易时间是几点',
      messageId: 'r-1',
    });
    const retry = await postWeb(h, {
      conversationId: 'retry-1',
      text: '股票交易时间是几点',
      messageId: 'r-1',
    });
    expect(retry.messages).toEqual(first.messages);
    const said = (await history(h, 'retry-1')).messages.filter((m) => m.direction === 'customer');
    expect(said).toHaveLength(1);
  });
});

describe('a retried web message on two instances sharing Redis', () => {
  const url = inject('redisUrl');
  const prefix = `csbot-test:retries-${process.pid}-${Date.now()}:`;
  const connections: Redis[] = [];
  const opened: Stores[] = [];
  let a: Harness;
  let b: Harness;

  /** One bot instance: its own store and receipt connections to the shared Redis. */
  async function instance(): Promise<Harness> {
    const stores = await createStores({ redisUrl: url, keyPrefix: prefix });
    const redis = await connectRedis(url, { connectionName: 'csbot-retry-test' });
    opened.push(stores);
    connections.push(redis);
    const receipts = new RedisIdempotencyStore((args) => redis.sendCommand(args), prefix);
    return buildHarness({ stores, receipts });
  }

  async function post(
    on: Harness,
    body: object,
  ): Promise<{ conversationId: string; messages: unknown[] }> {
    const res = await fetch(`${on.url}/api/web/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { conversationId: string; messages: unknown[] };
  }

  beforeAll(async () => {
    a = await instance();
    b = await instance();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    const redis = connections[0];
    const keys = redis ? await redis.keys(`${prefix}*`) : [];
    if (redis && keys.length > 0) await redis.del(keys);
    await Promise.all(connections.map((c) => closeRedis(c)));
    await Promise.all(opened.map((s) => s.close()));
  });

  it('is answered once, whichever instance the retry reaches', async () => {
    const { conversationId } = await post(a, { text: '你好' });
    const turn = { conversationId, text: '融资融券开通条件', messageId: 'x-2' };
    const first = await post(a, turn);
    const retry = await post(b, turn);
    expect(retry.messages).toEqual(first.messages);
    const lines = await b.stores.transcripts.list(internalConversationId(conversationId));
    expect(lines.filter((l) => l.direction === 'customer').map((l) => l.text)).toEqual([
      '你好',
      '融资融券开通条件',
    ]);
  });
});
