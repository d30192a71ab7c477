// The complaint path on every channel, answered the way customers really answer: a name with a
// middle dot, a landline, 不方便 for the account, a date in traditional characters, 确认 at the
// read-back, 跳過 for the survey comment. Each must end in one complete ticket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWechatXml } from '../../src/channels/wechat-mp/xml.ts';
import type { ChannelId } from '../../src/core/message.ts';
import {
  buildHarness,
  pushWechat,
  pushWecom,
  say,
  sayOnBotFramework,
  wechatTextXml,
  wechatyCustomer,
  wecomTextXml,
  type Harness,
} from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await buildHarness({ wechat: true, wecom: true, wechaty: true, botframework: true });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** What the customer types, and what the bot's reply to it must (and must not) show. */
const SCRIPT: { text: string; shows: string[]; hides?: string[] }[] = [
  { text: '我要投诉', shows: ['姓名'] },
  { text: '阿依古丽·买买提', shows: ['联系电话'] },
  { text: '0571-87654321', shows: ['资金账号'] },
  { text: '不方便', shows: ['什么时候'] },
  { text: '上週五下午三點', shows: ['投诉类别'] },
  { text: '收费', shows: ['经过'] },
  { text: '佣金比开户时约定的高了很多', shows: ['如何处理'] },
  {
    text: '退还多收的佣金',
    shows: ['请核对', '0571-****4321', '上週五下午三點', '（未提供）'],
    hides: ['87654321'],
  },
  { text: '确认', shows: ['工单号：TS'] },
  { text: '不用了', shows: ['满意'] },
  { text: '5', shows: ['意见或建议'] },
  { text: '跳過', shows: ['感谢您的评价'] },
];

type Talk = (text: string) => Promise<string>;

async function walk(talk: Talk, channel: ChannelId): Promise<void> {
  for (const step of SCRIPT) {
    const reply = await talk(step.text);
    for (const s of step.shows) expect(reply, `${channel}: reply to ${step.text}`).toContain(s);
    for (const s of step.hides ?? [])
      expect(reply, `${channel}: reply to ${step.text}`).not.toContain(s);
  }
  const tickets = (await h.stores.tickets.list()).filter((t) => t.channel === channel);
  expect(tickets, `${channel}: tickets`).toHaveLength(1);
  const ticket = tickets[0]!;
  expect(ticket).toMatchObject({
    kind: 'complaint',
    complainant: { name: '阿依古丽·买买提', phone: '0571-87654321' },
    category: '收费',
    description: '佣金比开户时约定的高了很多',
    desiredOutcome: '退还多收的佣金',
    occurredAt: { text: '上週五下午三點' },
    feedback: { score: 5 },
    status: 'open',
  });
  expect(ticket.occurredAt?.iso).toMatch(/^\d{4}-\d{2}-\d{2}T15:00:00\+08:00$/);
  expect(ticket.complainant.account).toBeUndefined();
  expect(ticket.incomplete).toBeUndefined();
}

describe('a complaint with off-script answers ends in a complete ticket', () => {
  it('on the web chat', async () => {
    await walk(async (text) => (await say(h, 'complaint-offscript', text)).text, 'web');
  });

  it('on a WeChat Official Account', async () => {
    const openId = 'oComplaintOffScript0001';
    await walk(async (text) => {
      const res = await pushWechat(h, wechatTextXml(openId, text));
      expect(res.status).toBe(200);
      const parsed = parseWechatXml(res.body);
      if (!parsed.ok) throw new Error(`not WeChat XML: ${res.body}`);
      return parsed.fields.Content ?? '';
    }, 'wechat-mp');
  });

  it('on WeCom', async () => {
    await walk(async (text) => {
      const res = await pushWecom(h, wecomTextXml('ComplaintOffScript', text));
      expect(res.status).toBe(200);
      return res.reply?.Content ?? '';
    }, 'wecom');
  });

  it('on WeChat through wechaty', async () => {
    const customer = wechatyCustomer(h);
    const bot = h.wechaty!.bot;
    await walk((text) => {
      // The bot answers in one or more chat messages: collect them until it falls quiet.
      return new Promise<string>((resolve, reject) => {
        const said: string[] = [];
        let quiet: NodeJS.Timeout | null = null;
        const emitter = customer as unknown as {
          on(
            event: 'message',
            listener: (m: { talker(): { id: string }; text(): string }) => void,
          ): void;
          off(
            event: 'message',
            listener: (m: { talker(): { id: string }; text(): string }) => void,
          ): void;
        };
        const done = (): void => {
          emitter.off('message', onMessage);
          clearTimeout(timeout);
          resolve(said.join('\n'));
        };
        const timeout = setTimeout(() => {
          emitter.off('message', onMessage);
          reject(new Error(`wechaty: no reply to ${text}`));
        }, 8000);
        function onMessage(m: { talker(): { id: string }; text(): string }): void {
          if (m.talker().id !== bot.id) return;
          said.push(m.text());
          if (quiet) clearTimeout(quiet);
          quiet = setTimeout(done, 300);
        }
        emitter.on('message', onMessage);
        customer.say(text).to(bot);
      });
    }, 'wechaty');
  });

  it('on Bot Framework', async () => {
    await walk(async (text) => {
      const res = await sayOnBotFramework(h, 'bf-complaint-offscript', 'bf-user-7', text);
      expect(res.status).toBeLessThan(300);
      return res.activities
        .map((a) => {
          const actions = (a.suggestedActions as { actions?: { title?: string }[] } | undefined)
            ?.actions;
          return [String(a.text ?? ''), ...(actions ?? []).map((x) => x.title ?? '')].join('\n');
        })
        .join('\n');
    }, 'botframework');
  });
});
