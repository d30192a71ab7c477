// The WeCom (企业微信 self-built app) webhook against a local stand-in for qyapi.weixin.qq.com:
// encrypted URL verification, encrypted pushes answered passively or through message/send,
// token refresh, retries, forged signatures and messages for another enterprise or app.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelOutlet, ConversationGateway } from '../../src/core/gateway.ts';
import { MemoryIdempotencyStore } from '../../src/store/idempotency.ts';
import {
  registerWecomChannel,
  WECOM_PATH,
  type WecomOptions,
} from '../../src/channels/wechat-mp/adapter.ts';
import { WechatApiError } from '../../src/channels/wechat-mp/api.ts';
import {
  wechatSettingsFromEnv,
  wechatWebhookModules,
} from '../../src/channels/wechat-mp/module.ts';
import {
  FakeWechatSender,
  startFakeWechatApi,
  type FakeWechatApi,
} from '../support/fake-wechat-api.ts';
import { accountMenuOrEcho, EchoGateway } from '../support/echo-gateway.ts';

const TOKEN = 'wecomCallbackToken7';
const CORP_ID = 'ww4f2a9c81d07e6b35';
const AGENT_ID = 1000002;
const SECRET = 'fake-wecom-app-secret-0123456789abcdef';
const AES_KEY = 'Zx8aQ3lK5mN7pR9tV1wY3bD5fH7jL9nP1rT3vX5zB7d';
const USER = 'ZhangSan';
const silentLogger = { info() {}, warn() {}, error() {} };

const sender = new FakeWechatSender({ token: TOKEN, appId: CORP_ID, encodingAESKey: AES_KEY });
let fakeApi: FakeWechatApi;
let server: FastifyInstance | null = null;
let msgSerial = 7_200_000_000_000_000_000n;

beforeAll(async () => {
  fakeApi = await startFakeWechatApi({
    platform: 'wecom',
    corpId: CORP_ID,
    corpSecret: SECRET,
    agentId: AGENT_ID,
    members: [USER, 'LiSi', 'WangWu', 'ZhaoLiu', 'SunQi'],
  });
});
afterAll(async () => {
  await fakeApi.close();
});
afterEach(async () => {
  await server?.close();
  server = null;
  fakeApi.sent.length = 0;
  fakeApi.sendAttempts.length = 0;
});

function options(overrides: Partial<WecomOptions> = {}): WecomOptions {
  return {
    token: TOKEN,
    corpId: CORP_ID,
    agentId: AGENT_ID,
    secret: SECRET,
    encodingAESKey: AES_KEY,
    apiBaseUrl: fakeApi.baseUrl,
    replyDeadlineMs: 1500,
    guard: false,
    ...overrides,
  };
}

async function start(
  gateway: ConversationGateway,
  overrides: Partial<WecomOptions> = {},
  clock?: () => Date,
): Promise<{ app: FastifyInstance; outlet: ChannelOutlet }> {
  const app = Fastify({ logger: false });
  const outlet = registerWecomChannel(app, {
    gateway,
    options: options(overrides),
    logger: silentLogger,
    ...(clock ? { clock } : {}),
  });
  await app.ready();
  server = app;
  return { app, outlet };
}

function nowSec(): string {
  return String(Math.floor(Date.now() / 1000));
}

function nextMsgId(): string {
  msgSerial += 1n;
  return msgSerial.toString();
}

/** The decrypted callback XML WeCom sends for a member's text message. */
function textXml(content: string, msgId: string, from = USER, agentId = AGENT_ID): string {
  return (
    `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
    `<CreateTime>${nowSec()}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId><AgentID>${agentId}</AgentID></xml>`
  );
}

async function push(
  app: FastifyInstance,
  xml: string,
  tweak: (p: { query: Record<string, string>; body: string }) => {
    query: Record<string, string>;
    body: string;
  } = (p) => p,
) {
  const signed = tweak(
    sender.wecomPush(xml, nowSec(), String(Math.random()).slice(2, 11), AGENT_ID),
  );
  return app.inject({
    method: 'POST',
    url: WECOM_PATH,
    query: signed.query,
    headers: { 'content-type': 'text/xml' },
    payload: signed.body,
  });
}

describe('WeCom URL verification (GET /wechat/work)', () => {
  it('decrypts the echostr and echoes it in plain when msg_signature matches', async () => {
    const { app } = await start(new EchoGateway());
    const query = sender.wecomVerifyQuery('3872517926084931273', '1409659589', '263014780');
    const ok = await app.inject({ method: 'GET', url: WECOM_PATH, query });
    expect(ok.statusCode).toBe(200);
    // Plain text, no quotes, no BOM, no newline: exactly what WeCom compares.
    expect(ok.body).toBe('3872517926084931273');
  });

  it('refuses a forged msg_signature, a plain-mode signature and an echostr for another corp', async () => {
    const { app } = await start(new EchoGateway());
    const query = sender.wecomVerifyQuery('3872517926084931273', '1409659589', '263014780');
    const forged = await app.inject({
      method: 'GET',
      url: WECOM_PATH,
      query: { ...query, msg_signature: 'e'.repeat(40) },
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.body).not.toContain('3872517926084931273');

    // The Official Account's plain check (signature over token, timestamp, nonce) is not enough.
    const plain = await app.inject({
      method: 'GET',
      url: WECOM_PATH,
      query: {
        ...sender.plainQuery('1409659589', '263014780'),
        echostr: '3872517926084931273',
      },
    });
    expect(plain.statusCode).toBe(401);

    const otherCorp = sender.encrypt('42', undefined, 'wwOtherCorp00000001');
    const foreign = await app.inject({
      method: 'GET',
      url: WECOM_PATH,
      query: {
        msg_signature: sender.msgSignature('1409659589', '1', otherCorp),
        timestamp: '1409659589',
        nonce: '1',
        echostr: otherCorp,
      },
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.body).not.toBe('42');
  });
});

describe('WeCom callbacks (POST /wechat/work)', () => {
  it('answers an encrypted text message with an encrypted passive reply', async () => {
    const gateway = new EchoGateway();
    const { app } = await start(gateway);
    const res = await push(app, textXml('开户需要什么材料', nextMsgId()));
    expect(res.statusCode).toBe(200);
    const reply = sender.openEncryptedReply(res.body);
    expect(reply).toMatchObject({
      ToUserName: USER,
      FromUserName: CORP_ID,
      MsgType: 'text',
      Content: '您好，收到：开户需要什么材料',
    });
    expect(gateway.received).toHaveLength(1);
    expect(gateway.received[0]).toMatchObject({
      channel: 'wecom',
      conversationId: `wecom:${USER}`,
      userId: USER,
      content: { kind: 'text', text: '开户需要什么材料' },
      channelRef: { userId: USER, corpId: CORP_ID, agentId: AGENT_ID },
    });
    expect(fakeApi.sent).toHaveLength(0);
  });

  it('acknowledges a slow turn with an empty 200 and answers through message/send', async () => {
    const gateway = new EchoGateway();
    gateway.delayMs = 400;
    const { app } = await start(gateway, { replyDeadlineMs: 100 });
    const res = await push(app, textXml('查询佣金', nextMsgId(), 'LiSi'));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    const [sent] = await fakeApi.waitForSent(1);
    expect(sent).toMatchObject({
      touser: 'LiSi',
      msgtype: 'text',
      agentid: AGENT_ID,
      content: '您好，收到：查询佣金',
    });
  });

  it('runs one turn for the retries of a push and gives every retry the same reply', async () => {
    const gateway = new EchoGateway();
    gateway.delayMs = 200;
    const { app } = await start(gateway);
    const xml = textXml('融资融券', nextMsgId(), 'WangWu');
    const replies = await Promise.all([push(app, xml), push(app, xml), push(app, xml)]);
    expect(gateway.received).toHaveLength(1);
    const contents = replies.map((r) => sender.openEncryptedReply(r.body).Content);
    expect(new Set(contents)).toEqual(new Set(['您好，收到：融资融券']));

    // A retry that arrives after the async path took over: still one turn, one message sent.
    gateway.delayMs = 300;
    const { app: slow } = await restart(gateway, { replyDeadlineMs: 50 });
    const slowXml = textXml('港股通', nextMsgId(), 'ZhaoLiu');
    expect((await push(slow, slowXml)).body).toBe('');
    expect((await push(slow, slowXml)).body).toBe('');
    await fakeApi.waitForSent(1);
    expect(gateway.received.filter((m) => m.userId === 'ZhaoLiu')).toHaveLength(1);
    // Instead of waiting a while for a second send that should not come: a new message's answer
    // comes after a full turn, later than anything the retries could have set off.
    expect((await push(slow, textXml('再问一句', nextMsgId(), 'ZhaoLiu'))).body).toBe('');
    await fakeApi.waitForSent(2);
    expect(gateway.received.filter((m) => m.userId === 'ZhaoLiu')).toHaveLength(2);
    expect(fakeApi.sent.filter((s) => s.touser === 'ZhaoLiu').map((s) => s.content)).toEqual([
      '您好，收到：港股通',
      '您好，收到：再问一句',
    ]);
  });

  it('rejects forged, unsigned, plain-mode and stale pushes without running a turn', async () => {
    const gateway = new EchoGateway();
    const { app } = await start(gateway);
    const xml = textXml('你好', nextMsgId());
    const forged = await push(app, xml, (p) => ({
      ...p,
      query: { ...p.query, msg_signature: 'a'.repeat(40) },
    }));
    expect(forged.statusCode).toBe(401);
    // The ciphertext was swapped for another one under the same signature.
    const swapped = await push(app, xml, (p) => ({
      ...p,
      body: p.body.replace(/<Encrypt>.*<\/Encrypt>/, `<Encrypt>${sender.encrypt(xml)}</Encrypt>`),
    }));
    expect(swapped.statusCode).toBe(401);
    const unsigned = await push(app, xml, (p) => ({
      ...p,
      query: { timestamp: p.query.timestamp!, nonce: p.query.nonce! },
    }));
    expect(unsigned.statusCode).toBe(401);
    // WeCom has no plain mode: a plaintext push signed like an Official Account's is refused.
    const plain = await app.inject({
      method: 'POST',
      url: WECOM_PATH,
      query: sender.plainQuery(nowSec(), '5'),
      headers: { 'content-type': 'text/xml' },
      payload: xml,
    });
    expect(plain.statusCode).toBe(401);
    const staleTime = String(Number(nowSec()) - 3600);
    const stale = sender.wecomPush(xml, staleTime, '9', AGENT_ID);
    const staleRes = await app.inject({
      method: 'POST',
      url: WECOM_PATH,
      query: stale.query,
      payload: stale.body,
      headers: { 'content-type': 'text/xml' },
    });
    expect(staleRes.statusCode).toBe(401);
    expect(gateway.received).toHaveLength(0);
  });

  it('rejects a message encrypted for another CorpID and drops one for another AgentID', async () => {
    const gateway = new EchoGateway();
    const { app } = await start(gateway);
    const xml = textXml('你好', nextMsgId());
    const otherCorp = sender.wecomPush(xml, nowSec(), '11', AGENT_ID, 'wwOtherCorp00000001');
    const res = await app.inject({
      method: 'POST',
      url: WECOM_PATH,
      query: otherCorp.query,
      payload: otherCorp.body,
      headers: { 'content-type': 'text/xml' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/another/);

    // Authentic, but for a different app of the same enterprise: acknowledged, not answered.
    const otherApp = await push(app, textXml('你好', nextMsgId(), USER, 1000099));
    expect(otherApp.statusCode).toBe(200);
    expect(otherApp.body).toBe('');
    expect(gateway.received).toHaveLength(0);
  });

  it('renders quick replies as a numbered menu and maps a typed number to the choice', async () => {
    const gateway = new EchoGateway();
    gateway.reply = accountMenuOrEcho;
    const { app } = await start(gateway);
    const menu = sender.openEncryptedReply((await push(app, textXml('开户', nextMsgId()))).body);
    expect(menu.Content).toBe('请问您要办理哪种开户？\n回复数字选择：\n1. 个人开户\n2. 机构开户');
    const picked = sender.openEncryptedReply((await push(app, textXml('2', nextMsgId()))).body);
    expect(picked.Content).toBe('您好，收到：choice:open_institution');
  });

  it('starts the conversation when a member follows the app and ignores enter_agent', async () => {
    const gateway = new EchoGateway();
    const { app } = await start(gateway);
    const event = (name: string, time: string) =>
      `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><FromUserName><![CDATA[SunQi]]></FromUserName>` +
      `<CreateTime>${time}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
      `<Event><![CDATA[${name}]]></Event><AgentID>${AGENT_ID}</AgentID></xml>`;
    const entered = await push(app, event('enter_agent', nowSec()));
    expect(entered.statusCode).toBe(200);
    expect(entered.body).toBe('');
    const followed = await push(app, event('subscribe', nowSec()));
    expect(sender.openEncryptedReply(followed.body).Content).toBe(
      '您好，收到：event:conversation_start',
    );
    expect(gateway.received.map((m) => m.content)).toEqual([
      { kind: 'event', event: 'conversation_start' },
    ]);
  });
});

describe('WeCom message/send (outlet and asynchronous replies)', () => {
  it('caches the token and refreshes it once on 42001 and on 40014', async () => {
    const { outlet } = await start(new EchoGateway());
    const target = {
      channel: 'wecom' as const,
      conversationId: `wecom:${USER}`,
      userId: USER,
      channelRef: {},
    };
    const tokensBefore = fakeApi.tokenRequests;
    await outlet.deliver(target, [{ type: 'text', text: '客服小王：您好' }]);
    await outlet.deliver(target, [{ type: 'text', text: '客服小王：请问还有什么问题' }]);
    expect(fakeApi.tokenRequests).toBe(tokensBefore + 1);

    fakeApi.expireTokenOnce(42001);
    await outlet.deliver(target, [{ type: 'text', text: '令牌过期后' }]);
    fakeApi.expireTokenOnce(40014);
    await outlet.deliver(target, [{ type: 'text', text: '令牌无效后' }]);
    expect(fakeApi.tokenRequests).toBe(tokensBefore + 3);
    expect(fakeApi.sendAttempts.map((a) => a.errcode)).toEqual([0, 0, 42001, 0, 40014, 0]);
    expect(fakeApi.sent.map((s) => s.content)).toEqual([
      '客服小王：您好',
      '客服小王：请问还有什么问题',
      '令牌过期后',
      '令牌无效后',
    ]);
    expect(fakeApi.sent.every((s) => s.agentid === AGENT_ID)).toBe(true);
  });

  it('fetches a new token when the cached one reaches its expires_in', async () => {
    let now = Date.now();
    const { outlet } = await start(new EchoGateway(), {}, () => new Date(now));
    const target = {
      channel: 'wecom' as const,
      conversationId: `wecom:${USER}`,
      userId: USER,
      channelRef: {},
    };
    const before = fakeApi.tokenRequests;
    await outlet.deliver(target, [{ type: 'text', text: '第一条' }]);
    now += 2 * 60 * 60 * 1000; // expires_in is 7200 s
    await outlet.deliver(target, [{ type: 'text', text: '两小时后' }]);
    expect(fakeApi.tokenRequests).toBe(before + 2);
    expect(new Set(fakeApi.sent.map((s) => s.accessToken)).size).toBe(2);
  });

  it('fails delivery clearly when WeCom refuses the member or the secret is wrong', async () => {
    const { outlet } = await start(new EchoGateway());
    const stranger = {
      channel: 'wecom' as const,
      conversationId: 'wecom:NotAMember',
      userId: 'NotAMember',
      channelRef: {},
    };
    await expect(outlet.deliver(stranger, [{ type: 'text', text: '您好' }])).rejects.toMatchObject({
      errcode: 81013,
    });
    await server?.close();
    const { outlet: badSecret } = await restart(new EchoGateway(), { secret: 'wrong' });
    const error = await badSecret
      .deliver({ ...stranger, conversationId: `wecom:${USER}`, userId: USER }, [
        { type: 'text', text: '您好' },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatApiError);
    expect(error).toMatchObject({ errcode: 40001, endpoint: 'gettoken' });
    expect(fakeApi.sent).toHaveLength(0);
  });
});

describe('WeCom beside an Official Account', () => {
  it('mounts both paths as two channels, each delivering to its own customers', async () => {
    const official = await startFakeWechatApi({ appId: 'wx1234567890abcdef', appSecret: 's' });
    try {
      const gateway = new EchoGateway();
      const modules = wechatWebhookModules({
        officialAccount: {
          token: 'oaToken',
          appId: 'wx1234567890abcdef',
          appSecret: 's',
          apiBaseUrl: official.baseUrl,
        },
        wecom: options(),
      });
      expect(modules.map((m) => m.channel)).toEqual(['wechat-mp', 'wecom']);
      const app = Fastify({ logger: false });
      server = app;
      const context = {
        gateway,
        guard: { maxMessageLength: 500 },
        logger: app.log,
        clock: () => new Date(),
        receipts: new MemoryIdempotencyStore(),
      };
      const [mpOutlet, wecomOutlet] = await Promise.all(
        modules.map((m) => m.register(app, context)),
      );
      await app.ready();
      expect([mpOutlet?.channel, wecomOutlet?.channel]).toEqual(['wechat-mp', 'wecom']);

      const oaSender = new FakeWechatSender({ token: 'oaToken', appId: 'wx1234567890abcdef' });
      const oaXml =
        `<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[oOpenId1]]></FromUserName>` +
        `<CreateTime>${nowSec()}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
        `<Content><![CDATA[公众号提问]]></Content><MsgId>${nextMsgId()}</MsgId></xml>`;
      const oa = await app.inject({
        method: 'POST',
        url: '/wechat/mp',
        query: oaSender.plainQuery(nowSec(), '3'),
        payload: oaXml,
        headers: { 'content-type': 'text/xml' },
      });
      expect(oa.body).toContain('公众号提问');
      const work = await push(app, textXml('企业微信提问', nextMsgId()));
      expect(sender.openEncryptedReply(work.body).Content).toBe('您好，收到：企业微信提问');
      expect(gateway.received.map((m) => [m.channel, m.conversationId])).toEqual([
        ['wechat-mp', 'wechat-mp:oOpenId1'],
        ['wecom', `wecom:${USER}`],
      ]);

      await mpOutlet?.deliver(
        {
          channel: 'wechat-mp',
          conversationId: 'wechat-mp:oOpenId1',
          userId: 'oOpenId1',
          channelRef: {},
        },
        [{ type: 'text', text: '给公众号用户' }],
      );
      await wecomOutlet?.deliver(
        { channel: 'wecom', conversationId: `wecom:${USER}`, userId: USER, channelRef: {} },
        [{ type: 'text', text: '给企业微信成员' }],
      );
      // An outlet never sends to the other platform's customers.
      await wecomOutlet?.deliver(
        {
          channel: 'wechat-mp',
          conversationId: 'wechat-mp:oOpenId1',
          userId: 'oOpenId1',
          channelRef: {},
        },
        [{ type: 'text', text: '不该发出' }],
      );
      expect(official.sent.map((s) => [s.touser, s.content])).toEqual([
        ['oOpenId1', '给公众号用户'],
      ]);
      expect(fakeApi.sent.map((s) => [s.touser, s.content])).toEqual([[USER, '给企业微信成员']]);
    } finally {
      await official.close();
    }
  });

  it('reads WECOM_* settings and names the missing or bad one', () => {
    const env = {
      WECOM_CORP_ID: CORP_ID,
      WECOM_AGENT_ID: String(AGENT_ID),
      WECOM_TOKEN: TOKEN,
      WECOM_ENCODING_AES_KEY: AES_KEY,
      WECOM_SECRET: SECRET,
    };
    expect(wechatSettingsFromEnv(env)).toEqual({
      wecom: {
        token: TOKEN,
        encodingAESKey: AES_KEY,
        corpId: CORP_ID,
        agentId: AGENT_ID,
        secret: SECRET,
      },
    });
    expect(
      wechatSettingsFromEnv({ ...env, WECHAT_TOKEN: 't', WECHAT_APP_ID: 'wx1' }).officialAccount,
    ).toEqual({ token: 't', appId: 'wx1' });
    expect(() => wechatSettingsFromEnv({ ...env, WECOM_AGENT_ID: 'abc' })).toThrow(
      /WECOM_AGENT_ID/,
    );
    expect(() => wechatSettingsFromEnv({ ...env, WECOM_TOKEN: '' })).toThrow(/WECOM_TOKEN/);
    expect(() => wechatSettingsFromEnv({ ...env, WECOM_ENCODING_AES_KEY: 'short' })).toThrow(/43/);
    expect(() => wechatWebhookModules({})).toThrow(/Official Account or a WeCom app/);
  });
});

async function restart(
  gateway: ConversationGateway,
  overrides: Partial<WecomOptions> = {},
): Promise<{ app: FastifyInstance; outlet: ChannelOutlet }> {
  await server?.close();
  server = null;
  return start(gateway, overrides);
}
