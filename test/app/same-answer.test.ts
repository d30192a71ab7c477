// One bot, five channels: the same question asked on the web API, the WeChat Official Account
// webhook, the WeCom app webhook, wechaty and Bot Framework gets the same answer, only rendered the
// way each channel shows it: buttons on web, a numbered text menu on WeChat, WeCom and wechaty,
// suggested actions on Bot Framework. A menu answered on each channel leads to the same next answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWechatXml } from '../../src/channels/wechat-mp/xml.ts';
import {
  buildHarness,
  pushWechat,
  pushWecom,
  say,
  sayOnBotFramework,
  sayOnWechaty,
  tap,
  WECHAT,
  wechatTextXml,
  wechatyCustomer,
  WECOM,
  wecomTextXml,
  webConversation,
  type Harness,
  type WebLine,
} from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await buildHarness({ wechat: true, wecom: true, wechaty: true, botframework: true });
});
afterAll(async () => {
  await h?.close();
});

/**
 * The first reply of a conversation on a text-only channel carries the AI label (firm.yaml
 * `aiLabel`) at its start; the web widget shows it in its header instead.
 */
function labelled(messages: WebLine[]): WebLine[] {
  const label = h.content.firm.aiLabel;
  expect(label).toBeTruthy();
  return messages.map((m, i) => (i === 0 ? { ...m, text: `${label}\n${m.text}` } : m));
}

/** One web reply as a text-only channel must show it: options become a numbered menu. */
function numbered(m: WebLine): string {
  const options = m.quickReplies ?? [];
  if (options.length === 0) return m.text;
  return [m.text, '回复数字选择：', ...options.map((o, i) => `${i + 1}. ${o.label}`)].join('\n');
}

/** All web replies in the one passive reply WeChat allows (messages joined by a blank line). */
function asNumberedText(messages: WebLine[]): string {
  return messages.map(numbered).join('\n\n');
}

/** The web replies as Bot Framework activities: text, and options as imBack suggested actions. */
function asActivities(messages: WebLine[]) {
  return messages.map((m) => ({
    text: m.text,
    actions: (m.quickReplies ?? []).map((q) => ({
      type: 'imBack',
      title: q.label,
      value: q.value,
    })),
  }));
}

function passiveContent(body: string, openId: string): string {
  const parsed = parseWechatXml(body);
  if (!parsed.ok) throw new Error(`not a passive XML reply: ${body}`);
  expect(parsed.fields.ToUserName).toBe(openId);
  expect(parsed.fields.FromUserName).toBe(WECHAT.account);
  expect(parsed.fields.MsgType).toBe('text');
  return parsed.fields.Content ?? '';
}

interface Asked {
  web: Awaited<ReturnType<typeof say>>;
  /** Conversation ids, for the transcripts. */
  conversations: Record<'web' | 'wechat' | 'wecom' | 'wechaty' | 'botframework', string>;
  wechat: string;
  wecom: string;
  wechaty: string[];
  /** The wechaty customer, to continue the conversation. */
  contact: ReturnType<typeof wechatyCustomer>;
  botframework: { text: unknown; actions: unknown }[];
}

/** Asks `question` on every channel, each in a new conversation of its own. */
async function askEverywhere(slug: string, question: string): Promise<Asked> {
  const web = await say(h, `same-${slug}`, question);
  expect(web.messages.length).toBeGreaterThan(0);

  const openId = `oUser_same_${slug}`;
  const oa = await pushWechat(h, wechatTextXml(openId, question));
  expect(oa.status).toBe(200);

  const wecomUser = `Member_${slug}`;
  const wecom = await pushWecom(h, wecomTextXml(wecomUser, question));
  expect(wecom.status).toBe(200);
  expect(wecom.reply).toMatchObject({
    ToUserName: wecomUser,
    FromUserName: WECOM.corpId,
    MsgType: 'text',
  });

  const contact = wechatyCustomer(h);
  const wechaty = await sayOnWechaty(h, contact, question, web.messages.length);

  const bf = await sayOnBotFramework(h, `same-conv-${slug}`, `bf-user-${slug}`, question);
  expect(bf.status).toBe(200);

  return {
    web,
    conversations: {
      web: webConversation(h, `same-${slug}`),
      wechat: `wechat-mp:${openId}`,
      wecom: `wecom:${wecomUser}`,
      wechaty: `wechaty:${contact.id}`,
      botframework: `botframework:webchat:same-conv-${slug}`,
    },
    wechat: passiveContent(oa.body, openId),
    wecom: wecom.reply?.Content ?? '',
    wechaty,
    contact,
    botframework: bf.activities.map((a) => ({
      text: a.text,
      actions: (a.suggestedActions as { actions?: unknown[] } | undefined)?.actions ?? [],
    })),
  };
}

/** The intent each channel's transcript recorded for the customer's last message. */
async function recordedIntents(conversations: Asked['conversations']): Promise<unknown[]> {
  return Promise.all(
    Object.values(conversations).map(async (id) => {
      const lines = await h.stores.transcripts.list(id);
      return lines.filter((e) => e.direction === 'customer').at(-1)?.intent;
    }),
  );
}

describe.each([
  { question: '交易时间是几点到几点', expected: '9:30', slug: 'hours', options: true },
  { question: '融资融券开通条件', expected: '50万', slug: 'margin', options: true },
  { question: '今天天气怎么样', expected: '不在我的服务范围', slug: 'weather', options: true },
])(
  '"$question" on web, WeChat, WeCom, wechaty and Bot Framework',
  ({ question, expected, slug, options }) => {
    it('gets the same answer text, rendered for each channel', async () => {
      const asked = await askEverywhere(slug, question);
      const { web } = asked;
      expect(web.text).toContain(expected);
      expect(web.messages.some((m) => (m.quickReplies ?? []).length > 0)).toBe(options);

      // The conversation's first reply: on the text channels it opens with the AI label.
      const opening = labelled(web.messages);
      expect(asked.wechat).toBe(asNumberedText(opening));
      expect(asked.wecom).toBe(asNumberedText(opening));
      expect(asked.wechaty).toEqual(opening.map(numbered));
      expect(asked.botframework).toEqual(asActivities(opening));
      for (const m of web.messages) {
        expect(asked.wechat).toContain(m.text);
        expect(asked.wechaty.join('\n')).toContain(m.text);
      }
      if (options) {
        const first = web.messages.flatMap((m) => m.quickReplies ?? [])[0]!;
        expect(asked.wecom).toContain(`1. ${first.label}`);
        expect(asked.botframework.flatMap((a) => a.actions)).toContainEqual({
          type: 'imBack',
          title: first.label,
          value: first.value,
        });
      } else {
        expect(asked.wechat).not.toContain('回复数字选择');
        expect(asked.botframework.every((a) => (a.actions as unknown[]).length === 0)).toBe(true);
      }

      // Every channel recorded the same intent, each in its own conversation and channel.
      const intents = await recordedIntents(asked.conversations);
      expect(intents[0]).toEqual(expect.any(String));
      expect(new Set(intents).size).toBe(1);
      const channels = await Promise.all(
        Object.values(asked.conversations).map(
          async (id) => (await h.stores.transcripts.list(id)).at(-1)?.channel,
        ),
      );
      expect(channels).toEqual(['web', 'wechat-mp', 'wecom', 'wechaty', 'botframework']);
    });
  },
);

describe('answering a menu on every channel', () => {
  it('the second option, tapped or typed, leads to the same next answer', async () => {
    const asked = await askEverywhere('open', '怎么开户');
    const options = asked.web.messages.flatMap((m) => m.quickReplies ?? []);
    expect(options.length).toBeGreaterThanOrEqual(2);
    const second = options[1]!;
    expect(asked.wecom).toContain(`2. ${second.label}`);

    // Web taps the button; the text channels type "2"; Bot Framework's imBack posts the value.
    const web = await tap(h, 'same-open', asked.web, second.label);
    // The tapped standard question is answered (not the first answer again).
    expect(web.text.length).toBeGreaterThan(10);
    expect(web.text).not.toBe(asked.web.text);
    const openId = asked.conversations.wechat.slice('wechat-mp:'.length);
    const oa = passiveContent((await pushWechat(h, wechatTextXml(openId, '2'))).body, openId);
    const wecomUser = asked.conversations.wecom.slice('wecom:'.length);
    const wecom = await pushWecom(h, wecomTextXml(wecomUser, '2'));
    const wechaty = await sayOnWechaty(h, asked.contact, '2', web.messages.length);
    const bf = await sayOnBotFramework(h, 'same-conv-open', 'bf-user-open', second.value);

    expect(oa).toBe(asNumberedText(web.messages));
    expect(wecom.reply?.Content).toBe(asNumberedText(web.messages));
    expect(wechaty).toEqual(web.messages.map(numbered));
    expect(
      bf.activities.map((a) => ({
        text: a.text,
        actions: (a.suggestedActions as { actions?: unknown[] } | undefined)?.actions ?? [],
      })),
    ).toEqual(asActivities(web.messages));
    // The choice reached the pipeline as the same choice everywhere.
    const intents = await recordedIntents(asked.conversations);
    expect(intents[0]).toEqual(expect.any(String));
    expect(new Set(intents).size).toBe(1);
  });
});

describe('WeChat messages the bot cannot read', () => {
  it('answers an image politely instead of failing', async () => {
    const openId = 'oUser_image_0001';
    const xml =
      `<xml><ToUserName><![CDATA[${WECHAT.account}]]></ToUserName>` +
      `<FromUserName><![CDATA[${openId}]]></FromUserName>` +
      `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[image]]></MsgType>` +
      `<PicUrl><![CDATA[http://127.0.0.1:9/pic.jpg]]></PicUrl><MediaId><![CDATA[media_1]]></MediaId>` +
      `<MsgId>7054768590064799001</MsgId></xml>`;
    const res = await pushWechat(h, xml);
    expect(res.status).toBe(200);
    const text = passiveContent(res.body, openId);
    expect(text).toMatch(/抱歉|对不起/);
    expect(text).toContain('文字');
  });

  it('answers an over-long WeChat message politely', async () => {
    const openId = 'oUser_long_0001';
    const res = await pushWechat(h, wechatTextXml(openId, '请问'.repeat(300)));
    expect(res.status).toBe(200);
    const text = passiveContent(res.body, openId);
    expect(text).toMatch(/对不起|抱歉/);
    expect(text).toContain('500');
  });

  it('rejects a push with a wrong signature', async () => {
    const res = await pushWechat(h, wechatTextXml('oUser_forged', '你好'), {
      signature: 'a'.repeat(40),
      timestamp: String(Math.floor(Date.now() / 1000)),
      nonce: '12345',
    });
    expect(res.status).toBe(401);
    expect(await h.stores.transcripts.list('wechat-mp:oUser_forged')).toEqual([]);
  });
});

describe('metrics by channel', () => {
  it('count the Official Account and WeCom apart', async () => {
    await askEverywhere('metrics', '交易时间是几点到几点');
    const text = await (await fetch(`${h.url}/metrics`)).text();
    const count = (channel: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`csbot_messages_total{channel="${channel}",direction="in"}`))
          ?.split(' ')
          .at(-1) ?? 0,
      );
    expect(count('wechat-mp')).toBeGreaterThan(0);
    expect(count('wecom')).toBeGreaterThan(0);
  });
});
