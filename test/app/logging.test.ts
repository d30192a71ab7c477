// The service's logs as an operator reads them: JSON lines, one per turn with the conversation id,
// and never a customer's phone, ID-card or bank-card number.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
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

async function say(conversationId: string, text: string): Promise<void> {
  const res = await fetch(`${url}/api/web/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ conversationId, text }),
  });
  expect(res.status).toBe(200);
}

describe('structured logs', () => {
  it('write one JSON line per turn with the conversation, channel, intent and time taken', async () => {
    await say('log-1', '科创板开户要什么条件');
    const turn = lines.find((l) => l.msg === 'turn' && l.conversationId === 'web:log-1');
    expect(turn).toMatchObject({
      level: 30,
      channel: 'web',
      intent: 'faq.permission_star',
    });
    expect(typeof turn?.ms).toBe('number');
  });

  it('never carry personal data in clear, even when the customer types it', async () => {
    const before = lines.length;
    await say(
      'log-2',
      '我手机13812345678，身份证110101199003074477，卡号6222021234567890128，转账失败',
    );
    const written = JSON.stringify(lines.slice(before));
    expect(lines.length).toBeGreaterThan(before);
    expect(written).toContain('web:log-2');
    for (const secret of ['13812345678', '110101199003074477', '6222021234567890128'])
      expect(written).not.toContain(secret);
  });
});
