import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationGateway } from '../../src/core/gateway.ts';
import {
  registerWechatMpChannel,
  type WechatMpOptions,
} from '../../src/channels/wechat-mp/adapter.ts';
import { parseWechatXml } from '../../src/channels/wechat-mp/xml.ts';
import {
  FakeWechatSender,
  startFakeWechatApi,
  type FakeWechatApi,
} from '../support/fake-wechat-api.ts';
import { accountMenuOrEcho, EchoGateway } from '../support/echo-gateway.ts';

const TOKEN = 'brokerToken2024';
const APP_ID = 'wx1234567890abcdef';
const APP_SECRET = 'secret-of-the-fake-account';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const OPENID = 'oUser_openid_0001';
const ACCOUNT = 'gh_brokerage01';

/** A gateway that answers from a script, optionally after a delay, and records every turn. */
const sender = new FakeWechatSender({ token: TOKEN, appId: APP_ID, encodingAESKey: AES_KEY });
let fakeApi: FakeWechatApi;
let server: FastifyInstance | null = null;
let msgSerial = 6_054_768_590_064_700_000n;

beforeAll(async () => {
  fakeApi = await startFakeWechatApi({ appId: APP_ID, appSecret: APP_SECRET });
});
afterAll(async () => {
  await fakeApi.close();
});
afterEach(async () => {
  await server?.close();
  server = null;
});

async function startChannel(
  gateway: ConversationGateway,
  options: Partial<WechatMpOptions> = {},
): Promise<{ app: FastifyInstance; outlet: ReturnType<typeof registerWechatMpChannel> }> {
  const app = Fastify({ logger: false });
  const outlet = registerWechatMpChannel(app, {
    gateway,
    options: {
      token: TOKEN,
      appId: APP_ID,
      appSecret: APP_SECRET,
      apiBaseUrl: fakeApi.baseUrl,
      replyDeadlineMs: 1500,
      guard: false,
      ...options,
    },
  });
  await app.ready();
  server = app;
  return { app, outlet };
}

function nowSec(): string {
  return String(Math.floor(Date.now() / 1000));
}

function textXml(content: string, msgId: string, from = OPENID): string {
  return (
    `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
    `<CreateTime>${nowSec()}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`
  );
}

function nextMsgId(): string {
  msgSerial += 1n;
  return msgSerial.toString();
}

/** WeChat signs each push with a fresh random nonce. */
function freshNonce(): string {
  return String(100_000_000 + Math.floor(Math.random() * 900_000_000));
}

async function pushPlain(
  app: FastifyInstance,
  xml: string,
  query = sender.plainQuery(nowSec(), freshNonce()),
) {
  return app.inject({
    method: 'POST',
    url: '/wechat/mp',
    query,
    headers: { 'content-type': 'text/xml' },
    payload: xml,
  });
}

function fieldsOf(body: string): Record<string, string> {
  const parsed = parseWechatXml(body);
  if (!parsed.ok) throw new Error(`reply is not WeChat XML: ${parsed.error}: ${body}`);
  return parsed.fields;
}

describe('URL verification (GET /wechat/mp)', () => {
  it('echoes echostr when the token signature matches, 401 otherwise', async () => {
    const { app } = await startChannel(new EchoGateway());
    const query = {
      ...sender.plainQuery('1409735669', '263014780'),
      echostr: '5837397520965253128',
    };
    const ok = await app.inject({ method: 'GET', url: '/wechat/mp', query });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('5837397520965253128');

    const forged = await app.inject({
      method: 'GET',
      url: '/wechat/mp',
      query: { ...query, signature: 'a'.repeat(40) },
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.body).not.toContain('5837397520965253128');
    const missing = await app.inject({
      method: 'GET',
      url: '/wechat/mp',
      query: { timestamp: '1409735669', nonce: '263014780', echostr: 'x' },
    });
    expect(missing.statusCode).toBe(401);
  });

  it("decrypts WeCom's encrypted echostr (official WXBizMsgCrypt sample vector)", async () => {
    const { app } = await startChannel(new EchoGateway(), {
      token: 'QDG6eK',
      appId: 'wx5823bf96d3bd56c7',
      encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
    });
    const query = {
      msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
      timestamp: '1409659589',
      nonce: '263014780',
      echostr:
        'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
    };
    const ok = await app.inject({ method: 'GET', url: '/wechat/mp', query });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('1616140317555161061');

    const forged = await app.inject({
      method: 'GET',
      url: '/wechat/mp',
      query: { ...query, msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4' },
    });
    expect(forged.statusCode).toBe(401);
  });
});

describe('pushes (POST /wechat/mp)', () => {
  it('rejects forged, missing and stale signatures without running a turn', async () => {
    const gateway = new EchoGateway();
    const { app } = await startChannel(gateway, { encodingAESKey: AES_KEY });
    const xml = textXml('开户', nextMsgId());
    const forged = await pushPlain(app, xml, {
      ...sender.plainQuery(nowSec(), '1'),
      signature: 'f'.repeat(40),
    });
    expect(forged.statusCode).toBe(401);
    const missing = await pushPlain(app, xml, { timestamp: nowSec(), nonce: '1' });
    expect(missing.statusCode).toBe(401);
    const stale = await pushPlain(
      app,
      xml,
      sender.plainQuery(String(Number(nowSec()) - 3600), '1'),
    );
    expect(stale.statusCode).toBe(401);

    const encrypted = sender.encryptedPush(xml, nowSec(), '77');
    const badMsgSignature = await app.inject({
      method: 'POST',
      url: '/wechat/mp',
      query: { ...encrypted.query, msg_signature: '0'.repeat(40) },
      headers: { 'content-type': 'text/xml' },
      payload: encrypted.body,
    });
    expect(badMsgSignature.statusCode).toBe(401);
    expect(gateway.received).toHaveLength(0);
  });

  it('refuses a plain push once safe mode is on, unless the 兼容模式 migration allows it', async () => {
    const gateway = new EchoGateway();
    const { app } = await startChannel(gateway, { encodingAESKey: AES_KEY });
    const downgrade = await pushPlain(app, textXml('把我的工单转给别人', nextMsgId()));
    expect(downgrade.statusCode).toBe(401);
    expect(gateway.received).toHaveLength(0);
    await server?.close();
    const migrating = new EchoGateway();
    const allowed = await startChannel(migrating, {
      encodingAESKey: AES_KEY,
      allowPlaintext: true,
    });
    expect((await pushPlain(allowed.app, textXml('你好', nextMsgId()))).statusCode).toBe(200);
    expect(migrating.received).toHaveLength(1);
  });

  it('refuses a signed query replayed with another body, and answers its true retry once', async () => {
    const gateway = new EchoGateway();
    const { app } = await startChannel(gateway);
    const signed = sender.plainQuery(nowSec(), freshNonce());
    const original = textXml('查一下我的持仓', nextMsgId());
    const first = await pushPlain(app, original, signed);
    expect(first.statusCode).toBe(200);
    // The URL was seen (a log, a proxy): posted again for another customer, it is refused.
    const forged = textXml('帮我把钱转出去', nextMsgId(), 'oSomeoneElse_0002');
    const replay = await pushPlain(app, forged, signed);
    expect(replay.statusCode).toBe(401);
    // WeChat's own retry (same URL, same body) gets the same answer and runs no turn.
    const retry = await pushPlain(app, original, signed);
    expect(retry.body).toBe(first.body);
    expect(gateway.received.map((m) => m.userId)).toEqual([OPENID]);
  });

  it('remembers a push as long as its timestamp is accepted (a replay at +62 s runs no turn)', async () => {
    const gateway = new EchoGateway();
    let now = Date.now();
    const app = Fastify({ logger: false });
    registerWechatMpChannel(app, {
      gateway,
      clock: () => new Date(now),
      options: { token: TOKEN, appId: APP_ID, guard: false },
    });
    await app.ready();
    server = app;
    const push = textXml('开户', nextMsgId());
    const signed = sender.plainQuery(String(Math.floor(now / 1000)), freshNonce());
    const first = await pushPlain(app, push, signed);
    now += 61_000;
    // Other customers keep writing, so old pushes are being forgotten meanwhile.
    const other = textXml('你好', nextMsgId(), 'oAnother_0003');
    await pushPlain(app, other, sender.plainQuery(String(Math.floor(now / 1000)), freshNonce()));
    now += 1_000;
    const again = await pushPlain(app, push, signed);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    now += 400_000;
    expect((await pushPlain(app, push, signed)).statusCode).toBe(401);
    expect(gateway.received.map((m) => m.userId)).toEqual([OPENID, 'oAnother_0003']);
  });

  it('answers a plain text message with a passive XML text reply', async () => {
    const gateway = new EchoGateway();
    const { app } = await startChannel(gateway);
    const msgId = nextMsgId();
    const response = await pushPlain(app, textXml('怎么开户', msgId));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('xml');
    const reply = fieldsOf(response.body);
    expect(reply).toMatchObject({
      ToUserName: OPENID,
      FromUserName: ACCOUNT,
      MsgType: 'text',
      Content: '您好，收到：怎么开户',
    });
    expect(Number(reply.CreateTime)).toBeGreaterThan(1_700_000_000);

    expect(gateway.received).toHaveLength(1);
    expect(gateway.received[0]).toMatchObject({
      channel: 'wechat-mp',
      conversationId: `wechat-mp:${OPENID}`,
      userId: OPENID,
      channelMessageId: msgId,
      content: { kind: 'text', text: '怎么开户' },
      channelRef: { openId: OPENID },
    });
  });

  it('joins several bot messages into the one passive reply WeChat allows', async () => {
    const gateway = new EchoGateway();
    gateway.reply = () => [
      { type: 'text', text: '您好，开户需要身份证和银行卡。' },
      { type: 'event', event: 'handoff_queued', text: '正在为您转接人工客服，预计等待 2 分钟。' },
    ];
    const { app } = await startChannel(gateway);
    const reply = fieldsOf((await pushPlain(app, textXml('开户', nextMsgId()))).body);
    expect(reply.Content).toBe(
      '您好，开户需要身份证和银行卡。\n\n正在为您转接人工客服，预计等待 2 分钟。',
    );
  });

  it('decrypts a safe-mode message and encrypts the reply with a fresh valid signature', async () => {
    const gateway = new EchoGateway();
    const { app } = await startChannel(gateway, { encodingAESKey: AES_KEY });
    const push = sender.encryptedPush(textXml('佣金多少', nextMsgId()), nowSec(), '1372623149');
    const response = await app.inject({
      method: 'POST',
      url: '/wechat/mp',
      query: push.query,
      headers: { 'content-type': 'text/xml' },
      payload: push.body,
    });
    expect(response.statusCode).toBe(200);
    const outer = fieldsOf(response.body);
    const { Encrypt, MsgSignature, TimeStamp, Nonce } = outer;
    expect(Encrypt && MsgSignature && TimeStamp && Nonce).toBeTruthy();
    expect(MsgSignature).toBe(sender.msgSignature(TimeStamp!, Nonce!, Encrypt!));
    expect(response.body).not.toContain('佣金多少');
    const opened = sender.decrypt(Encrypt!);
    expect(opened.appId).toBe(APP_ID);
    expect(fieldsOf(opened.message)).toMatchObject({
      ToUserName: OPENID,
      MsgType: 'text',
      Content: '您好，收到：佣金多少',
    });
    expect(gateway.received[0]?.content).toEqual({ kind: 'text', text: '佣金多少' });
  });

  it('rejects an encrypted message meant for another appId', async () => {
    const gateway = new EchoGateway();
    const { app } = await startChannel(gateway, { encodingAESKey: AES_KEY });
    const encrypted = sender.encrypt(textXml('你好', nextMsgId()), undefined, 'wxSomeoneElse0000');
    const ts = nowSec();
    const response = await app.inject({
      method: 'POST',
      url: '/wechat/mp',
      query: { timestamp: ts, nonce: '5', msg_signature: sender.msgSignature(ts, '5', encrypted) },
      headers: { 'content-type': 'text/xml' },
      payload: `<xml><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
    });
    expect(response.statusCode).toBe(400);
    expect(gateway.received).toHaveLength(0);
  });

  it("answers 'success' when the turn is too slow and sends the reply through custom send", async () => {
    const gateway = new EchoGateway();
    gateway.delayMs = 300;
    const { app } = await startChannel(gateway, { replyDeadlineMs: 50 });
    const sentBefore = fakeApi.sent.length;
    const response = await pushPlain(app, textXml('查询我的工单', nextMsgId()));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('success');
    const sent = await fakeApi.waitForSent(sentBefore + 1);
    expect(sent[sentBefore]).toMatchObject({
      touser: OPENID,
      msgtype: 'text',
      content: '您好，收到：查询我的工单',
    });
  });

  it("runs a turn once for WeChat's retries of the same MsgId", async () => {
    const gateway = new EchoGateway();
    gateway.delayMs = 100;
    const { app } = await startChannel(gateway);
    const xml = textXml('两融开通条件', nextMsgId());
    const [first, retry] = await Promise.all([pushPlain(app, xml), pushPlain(app, xml)]);
    const late = await pushPlain(app, xml);
    expect(gateway.received).toHaveLength(1);
    for (const response of [first, retry, late]) {
      expect(fieldsOf(response.body).Content).toBe('您好，收到：两融开通条件');
    }
  });

  it("answers a retry of a push already answered asynchronously with 'success' and sends once", async () => {
    const gateway = new EchoGateway();
    gateway.delayMs = 200;
    const { app } = await startChannel(gateway, { replyDeadlineMs: 30 });
    const sentBefore = fakeApi.sent.length;
    const xml = textXml('慢慢查', nextMsgId());
    expect((await pushPlain(app, xml)).body).toBe('success');
    expect((await pushPlain(app, xml)).body).toBe('success');
    await fakeApi.waitForSent(sentBefore + 1);
    expect((await pushPlain(app, xml)).body).toBe('success');
    expect(gateway.received).toHaveLength(1);
    // Instead of waiting a while for a second send that should not come: a new message's answer
    // comes after a full turn, later than anything the retry could have set off.
    expect((await pushPlain(app, textXml('再问一句', nextMsgId()))).body).toBe('success');
    await fakeApi.waitForSent(sentBefore + 2);
    expect(fakeApi.sent.slice(sentBefore).map((s) => s.content)).toEqual([
      '您好，收到：慢慢查',
      '您好，收到：再问一句',
    ]);
    expect(gateway.received).toHaveLength(2);
  });

  it('renders quick replies as a numbered menu and maps a typed number or label to the choice', async () => {
    const gateway = new EchoGateway();
    gateway.reply = accountMenuOrEcho;
    const { app } = await startChannel(gateway);
    const menu = fieldsOf((await pushPlain(app, textXml('开户', nextMsgId()))).body);
    expect(menu.Content).toBe('请问您要办理哪种开户？\n回复数字选择：\n1. 个人开户\n2. 机构开户');

    await pushPlain(app, textXml('２', nextMsgId()));
    expect(gateway.received[1]?.content).toEqual({
      kind: 'choice',
      value: 'open_institution',
      label: '机构开户',
    });
    // The menu is gone once the bot answered without one: "1" is just text now.
    await pushPlain(app, textXml('1', nextMsgId()));
    expect(gateway.received[2]?.content).toEqual({ kind: 'text', text: '1' });

    await pushPlain(app, textXml('开户', nextMsgId()));
    await pushPlain(app, textXml('个人开户', nextMsgId()));
    expect(gateway.received[4]?.content).toEqual({
      kind: 'choice',
      value: 'open_personal',
      label: '个人开户',
    });
    // Another customer never answers this customer's menu.
    await pushPlain(app, textXml('开户', nextMsgId()));
    await pushPlain(app, textXml('1', nextMsgId(), 'oOtherCustomer'));
    expect(gateway.received[6]?.content).toEqual({ kind: 'text', text: '1' });
  });

  it('passes images, voice and other media as media content; voice with recognition as text', async () => {
    const gateway = new EchoGateway();
    const { app } = await startChannel(gateway);
    const base = `<ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${OPENID}]]></FromUserName><CreateTime>${nowSec()}</CreateTime>`;
    const image = await pushPlain(
      app,
      `<xml>${base}<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://mmbiz.example/x.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId><MsgId>${nextMsgId()}</MsgId></xml>`,
    );
    expect(fieldsOf(image.body).Content).toBe('您好，收到：media:image');
    await pushPlain(
      app,
      `<xml>${base}<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[m2]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>${nextMsgId()}</MsgId></xml>`,
    );
    await pushPlain(
      app,
      `<xml>${base}<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[m3]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[我要投诉]]></Recognition><MsgId>${nextMsgId()}</MsgId></xml>`,
    );
    await pushPlain(
      app,
      `<xml>${base}<MsgType><![CDATA[location]]></MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>${nextMsgId()}</MsgId></xml>`,
    );
    expect(gateway.received.map((message) => message.content)).toEqual([
      { kind: 'media', media: 'image' },
      { kind: 'media', media: 'voice' },
      { kind: 'text', text: '我要投诉' },
      { kind: 'media', media: 'location' },
    ]);
  });

  it('opens the conversation on subscribe, ignores unsubscribe, dedupes event retries', async () => {
    const gateway = new EchoGateway();
    gateway.reply = () => [{ type: 'text', text: '您好，欢迎关注！' }];
    const { app } = await startChannel(gateway);
    const event = (name: string, time: string) =>
      `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${OPENID}]]></FromUserName><CreateTime>${time}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${name}]]></Event></xml>`;
    const time = nowSec();
    const welcome = await pushPlain(app, event('subscribe', time));
    expect(fieldsOf(welcome.body).Content).toBe('您好，欢迎关注！');
    await pushPlain(app, event('subscribe', time));
    const bye = await pushPlain(app, event('unsubscribe', time));
    expect(bye.body).toBe('success');
    expect(gateway.received.map((message) => message.content)).toEqual([
      { kind: 'event', event: 'conversation_start' },
    ]);
  });

  it('answers 400 to malformed XML even when signed', async () => {
    const gateway = new EchoGateway();
    const { app } = await startChannel(gateway);
    for (const body of [
      '<xml><Content>unclosed</xml>',
      '{"text":"hi"}',
      '<!DOCTYPE x [<!ENTITY e "x">]><xml></xml>',
    ]) {
      const response = await pushPlain(app, body);
      expect(response.statusCode).toBe(400);
    }
    const noType = await app.inject({
      method: 'POST',
      url: '/wechat/mp',
      query: sender.plainQuery(nowSec(), '9'),
      payload: textXml('没有类型', nextMsgId()),
    });
    expect(noType.statusCode).toBe(200);
    expect(gateway.received).toHaveLength(1);
  });

  it('cuts a long answer: the first part passively, the rest through custom send', async () => {
    const gateway = new EchoGateway();
    const paragraph = '融资融券业务需要满足资产和交易经验等条件，具体以本公司规定为准。'.repeat(8);
    gateway.reply = () => [{ type: 'text', text: `${paragraph}\n\n${paragraph}\n\n${paragraph}` }];
    const { app } = await startChannel(gateway);
    const sentBefore = fakeApi.sent.length;
    const passive =
      fieldsOf((await pushPlain(app, textXml('两融', nextMsgId()))).body).Content ?? '';
    expect([...passive].length).toBeLessThanOrEqual(600);
    const sent = await fakeApi.waitForSent(sentBefore + 1);
    const rest = sent.slice(sentBefore).map((record) => record.content);
    expect([passive, ...rest].join('\n\n')).toBe(`${paragraph}\n\n${paragraph}\n\n${paragraph}`);
  });
});

describe('outlet (messages outside a turn)', () => {
  it('delivers through custom send, caching the token and refreshing it on 40001', async () => {
    const api = await startFakeWechatApi({ appId: APP_ID, appSecret: APP_SECRET });
    try {
      const { outlet } = await startChannel(new EchoGateway(), { apiBaseUrl: api.baseUrl });
      const target = {
        channel: 'wechat-mp' as const,
        conversationId: `wechat-mp:${OPENID}`,
        userId: OPENID,
        channelRef: { openId: OPENID },
      };
      await outlet.deliver(target, [{ type: 'text', text: '您好，我是客服小王。', from: 'agent' }]);
      await outlet.deliver(target, [
        { type: 'text', text: '请问还有什么可以帮您？', from: 'agent' },
      ]);
      expect(api.tokenRequests).toBe(1);

      api.expireTokenOnce(40001);
      await outlet.deliver(target, [
        {
          type: 'choices',
          text: '请您为本次服务评分：',
          quickReplies: [
            { label: '满意', value: 'csat_good' },
            { label: '不满意', value: 'csat_bad' },
          ],
        },
      ]);
      expect(api.tokenRequests).toBe(2);
      expect(api.sendAttempts.map((attempt) => attempt.errcode)).toEqual([0, 0, 40001, 0]);
      expect(api.sent.map((record) => record.content)).toEqual([
        '您好，我是客服小王。',
        '请问还有什么可以帮您？',
        '请您为本次服务评分：\n回复数字选择：\n1. 满意\n2. 不满意',
      ]);
      expect(new Set(api.sent.map((record) => record.touser))).toEqual(new Set([OPENID]));
    } finally {
      await api.close();
    }
  });

  it('makes a delivered menu answerable by number', async () => {
    const gateway = new EchoGateway();
    const { app, outlet } = await startChannel(gateway);
    await outlet.deliver(
      {
        channel: 'wechat-mp',
        conversationId: `wechat-mp:${OPENID}`,
        userId: OPENID,
        channelRef: null,
      },
      [
        {
          type: 'choices',
          text: '请评分：',
          quickReplies: [{ label: '满意', value: 'csat_good' }],
        },
      ],
    );
    await pushPlain(app, textXml('1', nextMsgId()));
    expect(gateway.received[0]?.content).toEqual({
      kind: 'choice',
      value: 'csat_good',
      label: '满意',
    });
  });

  it('fails delivery clearly when WeChat refuses the message', async () => {
    const { outlet } = await startChannel(new EchoGateway(), { appSecret: 'wrong-secret' });
    await expect(
      outlet.deliver(
        {
          channel: 'wechat-mp',
          conversationId: `wechat-mp:${OPENID}`,
          userId: OPENID,
          channelRef: null,
        },
        [{ type: 'text', text: '您好' }],
      ),
    ).rejects.toMatchObject({ name: 'WechatApiError', errcode: 40125 });
  });
});
