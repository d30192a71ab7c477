// One bot, two channels: the same question asked on the web API and on the WeChat webhook gets the
// same answer, only rendered for the channel (WeChat shows quick replies as a numbered menu).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWechatXml } from '../../src/channels/wechat-mp/xml.ts';
import {
  buildHarness,
  pushWechat,
  say,
  WECHAT,
  wechatTextXml,
  type Harness,
  type WebLine,
} from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await buildHarness({ wechat: true });
});
afterAll(async () => {
  await h?.close();
});

/** The web replies as a text-only channel must show them: options become a numbered menu. */
function asNumberedText(messages: WebLine[]): string {
  return messages
    .map((m) => {
      const options = m.quickReplies ?? [];
      if (options.length === 0) return m.text;
      return [m.text, '回复数字选择：', ...options.map((o, i) => `${i + 1}. ${o.label}`)].join(
        '\n',
      );
    })
    .join('\n\n');
}

function passiveContent(body: string, openId: string): string {
  const parsed = parseWechatXml(body);
  if (!parsed.ok) throw new Error(`not a passive XML reply: ${body}`);
  expect(parsed.fields.ToUserName).toBe(openId);
  expect(parsed.fields.FromUserName).toBe(WECHAT.account);
  expect(parsed.fields.MsgType).toBe('text');
  return parsed.fields.Content ?? '';
}

describe.each([
  { question: '交易时间是几点到几点', expected: '9:30', slug: 'hours' },
  { question: '融资融券开通条件', expected: '50万', slug: 'margin' },
])('"$question" on web and WeChat', ({ question, expected, slug }) => {
  it('gets the same answer text', async () => {
    const web = await say(h, `same-${slug}`, question);
    expect(web.text).toContain(expected);
    expect(web.messages.some((m) => (m.quickReplies ?? []).length > 0)).toBe(true);

    const openId = `oUser_same_${slug}`;
    const res = await pushWechat(h, wechatTextXml(openId, question));
    expect(res.status).toBe(200);
    const wechat = passiveContent(res.body, openId);

    expect(wechat).toBe(asNumberedText(web.messages));
    for (const m of web.messages) expect(wechat).toContain(m.text);
    expect(wechat).toContain(`1. ${web.messages.flatMap((m) => m.quickReplies ?? [])[0]!.label}`);
    // Both were recorded as the same intent in their own conversations.
    const [webLines, wechatLines] = await Promise.all([
      h.stores.transcripts.list(`web:same-${slug}`),
      h.stores.transcripts.list(`wechat-mp:${openId}`),
    ]);
    expect(wechatLines.find((e) => e.direction === 'customer')?.intent).toBe(
      webLines.find((e) => e.direction === 'customer')?.intent,
    );
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
