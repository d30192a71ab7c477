import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelOutlet, ConversationGateway } from '../../src/core/gateway.ts';
import {
  registerBotFrameworkChannel,
  type BotFrameworkOptions,
} from '../../src/channels/botframework/index.ts';
import { checkAuthOptions } from '../../src/channels/botframework/auth.ts';
import { botFrameworkModule } from '../../src/channels/botframework/module.ts';
import {
  startFakeBotFrameworkConnector,
  type FakeBotFrameworkConnector,
} from '../support/fake-bf-connector.ts';
import { echo, EchoGateway } from '../support/echo-gateway.ts';

const APP_ID = '3f1c2a8e-6b7d-4e21-9a0f-5c4d3b2a1e0f';
const APP_PASSWORD = 'fake-client-secret~for.tests';
const BOT = { id: `28:${APP_ID}`, name: '证券客服' };
const USER = { id: 'user-29:1abc', name: '张先生' };

const silentLogger = { info() {}, warn() {}, error() {} };

let fake: FakeBotFrameworkConnector;
let server: FastifyInstance | null = null;
let serial = 0;

beforeAll(async () => {
  fake = await startFakeBotFrameworkConnector({ appId: APP_ID, appPassword: APP_PASSWORD });
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await server?.close();
  server = null;
  fake.activities.length = 0;
  fake.attempts.length = 0;
});

function options(overrides: Partial<BotFrameworkOptions> = {}): BotFrameworkOptions {
  return {
    appId: APP_ID,
    appPassword: APP_PASSWORD,
    appType: 'MultiTenant',
    endpoints: { channelOpenIdMetadataUrl: fake.openIdMetadataUrl, loginUrl: fake.loginUrl },
    guard: false,
    ...overrides,
  };
}

async function start(
  gateway: ConversationGateway,
  overrides: Partial<BotFrameworkOptions> = {},
): Promise<ChannelOutlet> {
  server = Fastify();
  const outlet = registerBotFrameworkChannel(server, {
    gateway,
    options: options(overrides),
    logger: silentLogger,
  });
  await server.ready();
  return outlet;
}

function activity(fields: Record<string, unknown> = {}): Record<string, unknown> {
  serial += 1;
  return {
    type: 'message',
    id: `act-${serial}`,
    timestamp: new Date().toISOString(),
    channelId: 'webchat',
    serviceUrl: fake.serviceUrl,
    from: USER,
    recipient: BOT,
    conversation: { id: 'conv-001' },
    locale: 'zh-CN',
    ...fields,
  };
}

async function post(body: unknown, authorization: string | null = 'channel') {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization === 'channel') {
    headers.authorization = `Bearer ${fake.signChannelToken({ serviceUrl: fake.serviceUrl })}`;
  } else if (authorization !== null) {
    headers.authorization = authorization;
  }
  return server!.inject({
    method: 'POST',
    url: '/api/messages',
    headers,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('Bot Framework channel: turns', () => {
  it('answers a text message on the connector, as a reply to that activity', async () => {
    const gateway = new EchoGateway();
    await start(gateway);
    const inbound = activity({ text: '  怎么开户？ ' });
    const response = await post(inbound);
    expect(response.statusCode).toBe(200);

    expect(gateway.received).toHaveLength(1);
    const message = gateway.received[0]!;
    expect(message.channel).toBe('botframework');
    expect(message.conversationId).toBe('botframework:webchat:conv-001');
    expect(message.userId).toBe(USER.id);
    expect(message.channelMessageId).toBe(inbound.id);
    expect(message.content).toEqual({ kind: 'text', text: '怎么开户？' });
    expect(message.channelRef).toMatchObject({
      channelId: 'webchat',
      serviceUrl: fake.serviceUrl,
      conversation: { id: 'conv-001' },
      user: USER,
      bot: BOT,
      activityId: inbound.id,
    });

    expect(fake.activities).toHaveLength(1);
    const sent = fake.activities[0]!;
    expect(sent.conversationId).toBe('conv-001');
    expect(sent.replyToId).toBe(inbound.id);
    expect(sent.activity).toMatchObject({
      type: 'message',
      text: '您好，收到：怎么开户？',
      from: BOT,
      recipient: USER,
    });
    // The connector only accepted it because the bot fetched a token from the login endpoint.
    expect(sent.authorization).toMatch(/^Bearer fake-aad-/);
    expect(fake.tokenRequests).toBeGreaterThanOrEqual(1);
  });

  it('sends quick replies as suggested actions and maps a tap back to the choice', async () => {
    const gateway = new EchoGateway();
    gateway.reply = (message) =>
      message.content.kind === 'text' && message.content.text === '开户'
        ? [
            { type: 'text', text: '您好，开户有两种方式。' },
            {
              type: 'choices',
              text: '请问您要办理哪一种？',
              quickReplies: [
                { label: '个人开户', value: 'open_account.personal' },
                { label: '机构开户', value: 'open_account.institution' },
              ],
            },
          ]
        : echo(message);
    await start(gateway);

    expect((await post(activity({ text: '开户' }))).statusCode).toBe(200);
    expect(fake.activities).toHaveLength(2);
    expect(fake.activities[0]!.activity.text).toBe('您好，开户有两种方式。');
    expect(fake.activities[0]!.activity.suggestedActions).toBeUndefined();
    const menu = fake.activities[1]!.activity;
    expect(menu.text).toBe('请问您要办理哪一种？');
    expect((menu.suggestedActions as { actions: unknown[] }).actions).toEqual([
      { type: 'imBack', title: '个人开户', value: 'open_account.personal' },
      { type: 'imBack', title: '机构开户', value: 'open_account.institution' },
    ]);

    // imBack posts the value back as the message text.
    expect((await post(activity({ text: 'open_account.institution' }))).statusCode).toBe(200);
    expect(gateway.received[1]!.content).toEqual({
      kind: 'choice',
      value: 'open_account.institution',
      label: '机构开户',
    });
    // The menu was answered and replaced by a plain answer: the same words are text again.
    await post(activity({ text: 'open_account.personal' }));
    expect(gateway.received[2]!.content).toEqual({ kind: 'text', text: 'open_account.personal' });
  });

  it('keeps menus per conversation', async () => {
    const gateway = new EchoGateway();
    gateway.reply = () => [
      { type: 'choices', text: '请选择：', quickReplies: [{ label: '是', value: 'yes' }] },
    ];
    await start(gateway);
    await post(activity({ text: '你好' }));
    await post(activity({ text: 'yes', conversation: { id: 'conv-other' } }));
    expect(gateway.received[1]!.content).toEqual({ kind: 'text', text: 'yes' });
    await post(activity({ text: 'yes' }));
    expect(gateway.received[2]!.content).toEqual({ kind: 'choice', value: 'yes', label: '是' });
  });

  it('maps attachments without text to media', async () => {
    const gateway = new EchoGateway();
    await start(gateway);
    await post(
      activity({
        attachments: [{ contentType: 'image/png', contentUrl: 'https://files.example/a.png' }],
      }),
    );
    await post(
      activity({
        attachments: [
          {
            contentType: 'application/pdf',
            contentUrl: 'https://files.example/id.pdf',
            name: 'id.pdf',
          },
        ],
      }),
    );
    await post(activity({ attachments: [{ contentType: 'audio/ogg', contentUrl: 'x' }] }));
    expect(gateway.received.map((m) => m.content)).toEqual([
      { kind: 'media', media: 'image' },
      { kind: 'media', media: 'file' },
      { kind: 'media', media: 'voice' },
    ]);
    expect(fake.activities.map((sent) => sent.activity.text)).toEqual([
      '您好，收到：media:image',
      '您好，收到：media:file',
      '您好，收到：media:voice',
    ]);
  });

  it('starts the conversation when the customer joins, not when only the bot is added', async () => {
    const gateway = new EchoGateway();
    gateway.reply = () => [{ type: 'text', text: '您好，我是智能客服，请问有什么可以帮您？' }];
    await start(gateway);

    const botOnly = await post(
      activity({ type: 'conversationUpdate', membersAdded: [BOT], text: undefined }),
    );
    expect(botOnly.statusCode).toBe(200);
    expect(gateway.received).toHaveLength(0);

    const joined = await post(activity({ type: 'conversationUpdate', membersAdded: [USER] }));
    expect(joined.statusCode).toBe(200);
    expect(gateway.received).toHaveLength(1);
    expect(gateway.received[0]!.content).toEqual({ kind: 'event', event: 'conversation_start' });
    expect(fake.activities[0]!.activity.text).toBe('您好，我是智能客服，请问有什么可以帮您？');
  });

  it('acknowledges activities that are not turns without calling the pipeline', async () => {
    const gateway = new EchoGateway();
    await start(gateway);
    expect((await post(activity({ type: 'typing' }))).statusCode).toBe(200);
    expect((await post(activity({ text: '   ' }))).statusCode).toBe(200);
    expect(gateway.received).toHaveLength(0);
    expect(fake.activities).toHaveLength(0);
  });

  it('apologises when the pipeline fails instead of leaving the customer unanswered', async () => {
    const gateway = new EchoGateway();
    gateway.fail = true;
    await start(gateway);
    expect((await post(activity({ text: '在吗' }))).statusCode).toBe(200);
    expect(fake.activities[0]!.activity.text).toBe('对不起，系统暂时繁忙，请您稍后再试，谢谢。');
  });

  it('answers an over-long message politely through the guard', async () => {
    const gateway = new EchoGateway();
    await start(gateway, { guard: { maxMessageLength: 5 } });
    await post(activity({ text: '一' }));
    await post(activity({ text: '这条消息超过了五个字' }));
    expect(gateway.received).toHaveLength(1);
    expect(fake.activities[1]!.activity.text).toContain('5 字');
  });
});

describe('Bot Framework channel: proactive delivery', () => {
  it('delivers agent replies later to the stored conversation reference', async () => {
    const gateway = new EchoGateway();
    const outlet = await start(gateway);
    await post(activity({ text: '转人工' }));
    const stored = gateway.received[0]!;
    fake.activities.length = 0;

    // What the store gives back is JSON, so round-trip it as the store would.
    const channelRef = JSON.parse(JSON.stringify(stored.channelRef));
    await outlet.deliver(
      {
        channel: 'botframework',
        conversationId: stored.conversationId,
        userId: stored.userId,
        channelRef,
      },
      [
        { type: 'text', text: '您好，我是客服小王，很高兴为您服务。', from: 'agent' },
        {
          type: 'choices',
          text: '请您对本次服务评价：',
          quickReplies: [
            { label: '满意', value: 'csat.good' },
            { label: '不满意', value: 'csat.bad' },
          ],
          from: 'system',
        },
      ],
    );
    expect(fake.activities).toHaveLength(2);
    expect(fake.activities[0]!.conversationId).toBe('conv-001');
    expect(fake.activities[0]!.activity).toMatchObject({
      type: 'message',
      text: '您好，我是客服小王，很高兴为您服务。',
      from: BOT,
      recipient: USER,
    });
    expect(fake.activities[0]!.authorization).toMatch(/^Bearer fake-aad-/);
    expect(
      (fake.activities[1]!.activity.suggestedActions as { actions: { value: string }[] }).actions,
    ).toHaveLength(2);

    // The survey offered through deliver() is answerable by tapping.
    await post(activity({ text: 'csat.good' }));
    expect(gateway.received[1]!.content).toEqual({
      kind: 'choice',
      value: 'csat.good',
      label: '满意',
    });
  });

  it('refuses a channelRef that is not a conversation reference', async () => {
    const outlet = await start(new EchoGateway());
    await expect(
      outlet.deliver(
        { channel: 'botframework', conversationId: 'x', userId: 'y', channelRef: { foo: 1 } },
        [{ type: 'text', text: '您好' }],
      ),
    ).rejects.toThrow(/conversation reference/);
    expect(fake.activities).toHaveLength(0);
  });
});

describe('Bot Framework channel: authentication', () => {
  const cases: [string, () => string | null][] = [
    ['no Authorization header', () => null],
    [
      'a token signed with another key',
      () => `Bearer ${fake.forgeChannelToken({ serviceUrl: fake.serviceUrl })}`,
    ],
    [
      'an unsigned token',
      () => {
        // Same kid and claims as a real token, but "alg: none" and no signature.
        const [header = '', payload = ''] = fake
          .signChannelToken({ serviceUrl: fake.serviceUrl })
          .split('.');
        const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string };
        const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid })).toString(
          'base64url',
        );
        return `Bearer ${none}.${payload}.`;
      },
    ],
    [
      'a token for another bot',
      () =>
        `Bearer ${fake.signChannelToken({ serviceUrl: fake.serviceUrl, audience: 'other-app-id' })}`,
    ],
    [
      'a token from another issuer',
      () =>
        `Bearer ${fake.signChannelToken({ serviceUrl: fake.serviceUrl, issuer: 'https://evil.example' })}`,
    ],
    [
      'an expired token',
      () => `Bearer ${fake.signChannelToken({ serviceUrl: fake.serviceUrl, expiresInSec: -3600 })}`,
    ],
    [
      'a token issued for another serviceUrl',
      () =>
        `Bearer ${fake.signChannelToken({ serviceUrl: 'https://smba.trafficmanager.net/apac/' })}`,
    ],
    [
      'a Basic header',
      () => `Basic ${Buffer.from(`${APP_ID}:${APP_PASSWORD}`).toString('base64')}`,
    ],
  ];

  it.each(cases)('rejects %s with 401 and never runs a turn', async (_name, header) => {
    const gateway = new EchoGateway();
    await start(gateway);
    const response = await post(activity({ text: '我的身份证号是多少' }), header());
    expect(response.statusCode).toBe(401);
    expect(gateway.received).toHaveLength(0);
    expect(fake.activities).toHaveLength(0);
  });

  it('rejects a channel the signing key is not endorsed for', async () => {
    const gateway = new EchoGateway();
    await start(gateway);
    const response = await post(activity({ text: '你好', channelId: 'slack' }));
    expect(response.statusCode).toBe(401);
    expect(gateway.received).toHaveLength(0);
  });

  it('reports an outage (keys unreachable) as 503, not as the caller being wrong', async () => {
    const gateway = new EchoGateway();
    await start(gateway, {
      endpoints: {
        channelOpenIdMetadataUrl: `${fake.serviceUrl}missing/openid`,
        loginUrl: fake.loginUrl,
      },
    });
    const response = await post(activity({ text: '你好' }));
    expect(response.statusCode).toBe(503);
    expect(gateway.received).toHaveLength(0);
  });

  it('runs without authentication only when no app id is configured (Emulator)', async () => {
    const anonymous = await startFakeBotFrameworkConnector({
      appId: '',
      appPassword: '',
      allowAnonymous: true,
    });
    try {
      const gateway = new EchoGateway();
      await start(gateway, { appId: '', appPassword: '', endpoints: {} });
      const response = await post(
        activity({ text: '你好', channelId: 'emulator', serviceUrl: anonymous.serviceUrl }),
        null,
      );
      expect(response.statusCode).toBe(200);
      expect(gateway.received).toHaveLength(1);
      expect(anonymous.activities[0]!.activity.text).toBe('您好，收到：你好');
      expect(anonymous.activities[0]!.authorization).toBe('');
    } finally {
      await anonymous.close();
    }
  });

  it('checks the app settings at start-up', () => {
    expect(() =>
      checkAuthOptions({ appId: APP_ID, appType: 'SingleTenant', appPassword: 'x' }),
    ).toThrow(/tenantId/);
    expect(() => checkAuthOptions({ appId: APP_ID, appType: 'MultiTenant' })).toThrow(
      /appPassword/,
    );
    expect(() =>
      checkAuthOptions({
        appId: APP_ID,
        appType: 'UserAssignedMSI',
        tenantId: 't',
        appPassword: 'x',
      }),
    ).toThrow(/must not/);
    expect(() =>
      checkAuthOptions({ appId: APP_ID, appType: 'SingleTenant', appPassword: 'x', tenantId: 't' }),
    ).not.toThrow();
  });
});

describe('Bot Framework channel: outbound authentication (MSAL against the local Azure AD)', () => {
  it('gets one token through MSAL and reuses it for the next replies', async () => {
    const gateway = new EchoGateway();
    await start(gateway);
    const before = fake.tokenRequests;
    expect((await post(activity({ text: '你好' }))).statusCode).toBe(200);
    expect((await post(activity({ text: '还在吗' }))).statusCode).toBe(200);
    expect(fake.activities).toHaveLength(2);
    expect(fake.tokenRequests - before).toBe(1);
    const [first, second] = fake.activities;
    expect(first!.authorization).toMatch(/^Bearer fake-aad-[0-9a-f]{32}$/);
    expect(second!.authorization).toBe(first!.authorization);
  });

  it('sends nothing to the connector when Azure AD refuses the app password', async () => {
    const gateway = new EchoGateway();
    await start(gateway, { appPassword: 'a-password-Azure-AD-does-not-know' });
    const refusedBefore = fake.refusedTokenRequests;
    const response = await post(activity({ text: '你好' }));
    expect(gateway.received).toHaveLength(1);
    expect(fake.refusedTokenRequests - refusedBefore).toBeGreaterThanOrEqual(1);
    // No reply went out, and none was tried without a token.
    expect(fake.activities).toHaveLength(0);
    expect(fake.attempts).toEqual([]);
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
  });
});

describe('Bot Framework channel: environment', () => {
  it('reads the Azure bot settings and refuses incomplete ones before the server starts', () => {
    expect(botFrameworkModule({ MICROSOFT_APP_ID: '' }).channel).toBe('botframework');
    expect(
      botFrameworkModule({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: APP_PASSWORD })
        .channel,
    ).toBe('botframework');
    expect(() =>
      botFrameworkModule({
        MICROSOFT_APP_ID: APP_ID,
        MICROSOFT_APP_PASSWORD: APP_PASSWORD,
        MICROSOFT_APP_TYPE: 'singletenant',
      }),
    ).toThrow(/tenantId/);
    expect(() =>
      botFrameworkModule({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_TYPE: 'Personal' }),
    ).toThrow(/MICROSOFT_APP_TYPE/);
  });
});

describe('Bot Framework channel: malformed requests', () => {
  const bodies: [string, () => unknown][] = [
    ['invalid JSON', () => '{"type": "message", '],
    ['a JSON array', () => [activity({ text: 'hi' })]],
    ['an activity without type', () => ({ ...activity({ text: 'hi' }), type: undefined })],
    [
      'a message without conversation',
      () => ({ ...activity({ text: 'hi' }), conversation: undefined }),
    ],
    ['a message without sender', () => ({ ...activity({ text: 'hi' }), from: { name: 'x' } })],
    ['a message whose text is not a string', () => activity({ text: { evil: true } })],
    ['attachments that are not a list', () => activity({ attachments: 'image.png' })],
  ];

  it.each(bodies)('answers %s with 400', async (_name, body) => {
    const gateway = new EchoGateway();
    await start(gateway);
    const response = await post(body());
    expect(response.statusCode).toBe(400);
    expect(gateway.received).toHaveLength(0);
    // The server is still healthy afterwards.
    expect((await post(activity({ text: '还在吗' }))).statusCode).toBe(200);
  });
});
