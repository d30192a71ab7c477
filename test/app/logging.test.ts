// The service's logs as an operator reads them: JSON lines, one per turn with the conversation id,
// and never a customer's phone, ID-card or bank-card number.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { internalConversationId } from '../../src/channels/web/index.ts';
import { createMemoryStores } from '../../src/store/index.ts';
import { appConfig, sharedContent } from './harness.ts';

const lines: Record<string, unknown>[] = [];
let app: App;
let url = '';

beforeAll(async () => {
  const { content, dialogs, nlu } = sharedContent();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  app = await createApp(appConfig(content), {
    content,
    dialogs,
    nlu,
    stores: createMemoryStores(),
    logger: { level: 'info', stream } as never,
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
});

/** Opens a web conversation with `text`; resolves with the id the server issued. */
async function say(text: string): Promise<string> {
  const res = await fetch(`${url}/api/web/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { conversationId: string }).conversationId;
}

describe('structured logs', () => {
  it('write one JSON line per turn with the conversation, channel, intent and time taken', async () => {
    const id = await say('科创板开户要什么条件');
    const turn = lines.find(
      (l) => l.msg === 'turn' && l.conversationId === internalConversationId(id),
    );
    expect(turn).toMatchObject({
      level: 30,
      channel: 'web',
      intent: 'faq.permission_star',
    });
    expect(typeof turn?.ms).toBe('number');
  });

  it('never carry personal data in clear, even when the customer types it', async () => {
    const before = lines.length;
    const id = await say(
      '我手机13812345678，身份证110101199003074477，卡号6222021234567890128，转账失败',
    );
    const written = JSON.stringify(lines.slice(before));
    expect(lines.length).toBeGreaterThan(before);
    expect(written).toContain(internalConversationId(id));
    for (const secret of ['13812345678', '110101199003074477', '6222021234567890128'])
      expect(written).not.toContain(secret);
  });

  it('never carry query strings: neither the web conversation id nor a signed URL', async () => {
    const before = lines.length;
    const id = await say('你好');
    await fetch(`${url}/api/web/messages?conversationId=${id}&after=0`);
    await fetch(`${url}/wechat/mp?signature=abcdef0123&timestamp=1&nonce=2`, { method: 'POST' });
    const written = lines.slice(before);
    const requests = written.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.method, l.path, l.status])).toEqual(
      expect.arrayContaining([
        ['POST', '/api/web/messages', 200],
        ['GET', '/api/web/messages', 200],
        ['POST', '/wechat/mp', 404],
      ]),
    );
    const text = JSON.stringify(written);
    expect(text).not.toContain(id);
    expect(text).not.toContain('abcdef0123');
    expect(text).not.toContain('?');
  });
});
