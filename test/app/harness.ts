// One real app per test file, built the way src/main.ts builds it: the shipped content, dialogs and
// trained classifier, memory stores, and optionally the channels against local fakes speaking their
// protocols: the WeChat Official Account and WeCom webhooks (fake WeChat APIs), wechaty (on
// wechaty-puppet-mock), Bot Framework (fake connector with RS256-signed channel tokens), and the
// Slack desk (fake Slack). Listens on an ephemeral port.
import { join } from 'node:path';
import { expect } from 'vitest';
import { WechatyBuilder } from 'wechaty';
import { mock, PuppetMock } from 'wechaty-puppet-mock';
import {
  createApp,
  DEFAULT_BATCHING,
  type App,
  type AppConfig,
  type ChannelModule,
} from '../../src/app.ts';
import type { LlmPorts } from '../../src/core/llm-ports.ts';
import { botFrameworkChannelModule } from '../../src/channels/botframework/module.ts';
import { internalConversationId } from '../../src/channels/web/index.ts';
import { wechatWebhookModules } from '../../src/channels/wechat-mp/module.ts';
import { wechatyChannelModule } from '../../src/channels/wechaty/module.ts';
import { loadContent, type LoadedContent } from '../../src/content/load.ts';
import { createSlackDesk } from '../../src/desks/slack/slack-desk.ts';
import { loadDialogs } from '../../src/dialog/loader.ts';
import type { DialogSet } from '../../src/dialog/types.ts';
import { DEFAULT_HANDOFF_SETTINGS } from '../../src/handoff/handoff-service.ts';
import { parseServiceHours } from '../../src/handoff/service-hours.ts';
import { buildNluEngine, type NluEngine } from '../../src/nlu/engine.ts';
import type { IdempotencyStore } from '../../src/store/idempotency.ts';
import { createMemoryStores, type Stores } from '../../src/store/index.ts';
import {
  startFakeBotFrameworkConnector,
  type FakeBotFrameworkConnector,
} from '../support/fake-bf-connector.ts';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import {
  FakeWechatSender,
  startFakeWechatApi,
  type FakeWechatApi,
} from '../support/fake-wechat-api.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const SLACK_SECRET = 'app-test-signing-secret';
export const SLACK_TOKEN = 'xoxb-app-test';
export const SLACK_CHANNEL = 'C_HANDOFF';
export const WECHAT = {
  token: 'brokerToken2024',
  appId: 'wx1234567890abcdef',
  appSecret: 'secret-of-the-fake-account',
  account: 'gh_brokerage01',
} as const;
export const WECOM = {
  token: 'wecomAppToken2024',
  corpId: 'ww7d3e5a9c1b0f2468',
  agentId: 1000002,
  secret: 'secret-of-the-fake-wecom-app',
  encodingAESKey: 'Qm3dT7wZ1cF5hJ9kN2pR6tV0xB4eG8iL3nQ7sU1yA5c',
} as const;
export const BOTFRAMEWORK = {
  appId: '6a0e4c2b-1d3f-4a5b-8c7d-9e0f1a2b3c4d',
  appPassword: 'fake-app-test-client-secret~0',
  bot: { id: '28:6a0e4c2b-1d3f-4a5b-8c7d-9e0f1a2b3c4d', name: '证券客服' },
} as const;
export const WECHATY_BOT_NAME = '证券客服小助手';

type MockContact = InstanceType<typeof mock.ContactMock>;
type MockMessage = InstanceType<typeof mock.MessageMock>;

export interface Content {
  content: LoadedContent;
  dialogs: DialogSet;
  nlu: NluEngine;
}

/** Loads and trains once per test file (each file runs in its own worker). */
let shared: Content | null = null;
export function sharedContent(): Content {
  if (shared) return shared;
  const content = loadContent({ rootDir: ROOT });
  const loaded = loadDialogs(join(ROOT, 'dialogs'), ROOT);
  const errors = [...content.issues, ...loaded.issues].filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new Error(`content has errors: ${JSON.stringify(errors)}`);
  shared = { content, dialogs: loaded.dialogs, nlu: buildNluEngine(content) };
  return shared;
}

export interface Harness {
  app: App;
  /** http://127.0.0.1:PORT */
  url: string;
  stores: Stores;
  content: LoadedContent;
  slack: FakeSlack | null;
  wechatApi: FakeWechatApi | null;
  sender: FakeWechatSender;
  /** The fake qyapi.weixin.qq.com, with `wecom: true`. */
  wecomApi: FakeWechatApi | null;
  /** Signs and encrypts WeCom callbacks for WECOM.corpId. */
  wecomSender: FakeWechatSender;
  /** The mock WeChat world of the wechaty channel, logged in as `bot`, with `wechaty: true`. */
  wechaty: { mocker: mock.Mocker; bot: MockContact } | null;
  /** The fake Bot Framework connector and channel, with `botframework: true`. */
  botframework: FakeBotFrameworkConnector | null;
  close(): Promise<void>;
}

export interface HarnessOptions {
  slack?: boolean;
  /** The Official Account webhook on /wechat/mp. */
  wechat?: boolean;
  /** The WeCom app webhook on /wechat/work (beside the Official Account when both are on). */
  wecom?: boolean;
  wechaty?: boolean;
  botframework?: boolean;
  maxMessageLength?: number;
  /** The optional LLM layer (test/app/llm.test.ts builds it against a fake model). */
  llm?: LlmPorts;
  /** Read quick bursts together as `npm start` does (off by default in tests). */
  batching?: boolean;
  /** Settings beside the test defaults (limits, timeouts, TRUST_PROXY...). */
  config?: Partial<AppConfig>;
  /** Shared receipts (another instance's), else one in memory. */
  receipts?: IdempotencyStore;
  stores?: Stores;
}

export function appConfig(content: LoadedContent, maxMessageLength = 500): AppConfig {
  return {
    adminToken: ADMIN_TOKEN,
    maxMessageLength,
    ipRateLimit: false,
    // Tests that read bursts together turn it on; the others get every answer at once.
    batching: false,
    handoff: {
      ...DEFAULT_HANDOFF_SETTINGS,
      serviceHours: parseServiceHours('always'),
      // Nobody times out or gets re-informed while a test runs.
      claimTimeoutMs: 60 * 60_000,
      reinformEveryMs: 60 * 60_000,
      firm: {
        hotline: content.firm.hotline ?? '',
        agentServiceHours: content.firm.agentServiceHours ?? '',
      },
    },
    redisKeyPrefix: 'csbot-app-test:',
    instanceId: 'app-test',
  };
}

export async function buildHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { content, dialogs, nlu } = sharedContent();
  const stores = options.stores ?? createMemoryStores();
  const slack = options.slack ? await startFakeSlack({ botToken: SLACK_TOKEN }) : null;
  const wechatApi = options.wechat
    ? await startFakeWechatApi({ appId: WECHAT.appId, appSecret: WECHAT.appSecret })
    : null;
  const wecomApi = options.wecom
    ? await startFakeWechatApi({
        platform: 'wecom',
        corpId: WECOM.corpId,
        corpSecret: WECOM.secret,
        agentId: WECOM.agentId,
      })
    : null;
  const connector = options.botframework
    ? await startFakeBotFrameworkConnector({
        appId: BOTFRAMEWORK.appId,
        appPassword: BOTFRAMEWORK.appPassword,
      })
    : null;
  const channels: ChannelModule[] = [];
  if (wechatApi || wecomApi) {
    // The module main.ts builds from WECHAT_* / WECOM_*, pointed at the fakes.
    channels.push(
      ...wechatWebhookModules({
        ...(wechatApi
          ? {
              officialAccount: {
                token: WECHAT.token,
                appId: WECHAT.appId,
                appSecret: WECHAT.appSecret,
                apiBaseUrl: wechatApi.baseUrl,
              },
            }
          : {}),
        ...(wecomApi ? { wecom: { ...WECOM, apiBaseUrl: wecomApi.baseUrl } } : {}),
      }),
    );
  }
  const mocker = options.wechaty ? new mock.Mocker() : null;
  const mockWechaty = mocker ? WechatyBuilder.build({ puppet: new PuppetMock({ mocker }) }) : null;
  // What wechatyModule builds from WECHATY_PUPPET, here on wechaty-puppet-mock.
  if (mockWechaty) channels.push(wechatyChannelModule(mockWechaty));
  if (connector) {
    channels.push(
      botFrameworkChannelModule({
        appId: BOTFRAMEWORK.appId,
        appPassword: BOTFRAMEWORK.appPassword,
        appType: 'MultiTenant',
        endpoints: {
          channelOpenIdMetadataUrl: connector.openIdMetadataUrl,
          loginUrl: connector.loginUrl,
        },
      }),
    );
  }
  const config = { ...appConfig(content, options.maxMessageLength), ...options.config };
  if (options.batching) config.batching = { ...DEFAULT_BATCHING };
  const app = await createApp(config, {
    ...(options.receipts ? { receipts: options.receipts } : {}),
    content,
    dialogs,
    nlu,
    stores,
    channels,
    ...(options.llm ? { llm: options.llm } : {}),
    ...(slack
      ? {
          desk: {
            create: (actions) =>
              createSlackDesk(
                {
                  botToken: SLACK_TOKEN,
                  signingSecret: SLACK_SECRET,
                  channelId: SLACK_CHANNEL,
                  apiUrl: slack.apiUrl,
                  log: () => {},
                },
                actions,
              ),
          },
        }
      : {}),
  });
  // listen() starts the channels: the wechaty bot is then waiting for its login.
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  let wechaty: Harness['wechaty'] = null;
  if (mocker && mockWechaty) {
    const bot = mocker.createContact({ name: WECHATY_BOT_NAME });
    const loggedIn = new Promise<void>((resolve) => mockWechaty.once('login', () => resolve()));
    mocker.login(bot);
    await loggedIn;
    wechaty = { mocker, bot };
  }
  return {
    app,
    url,
    stores,
    content,
    slack,
    wechatApi,
    sender: new FakeWechatSender({ token: WECHAT.token, appId: WECHAT.appId }),
    wecomApi,
    wecomSender: new FakeWechatSender({
      token: WECOM.token,
      appId: WECOM.corpId,
      encodingAESKey: WECOM.encodingAESKey,
    }),
    wechaty,
    botframework: connector,
    async close() {
      await app.close();
      await slack?.close();
      await wechatApi?.close();
      await wecomApi?.close();
      await connector?.close();
    },
  };
}

// ---- the web API as a client uses it -----------------------------------------------------------

export interface WebLine {
  /** GET history lines. */
  direction?: string;
  /** POST replies (OutboundMessage). */
  from?: string;
  type: string;
  text: string;
  quickReplies?: { label: string; value: string }[];
  event?: string;
  agent?: string;
  seq?: number;
}

export interface TurnResult {
  status: number;
  messages: WebLine[];
  /** All reply texts joined, quick-reply labels included. */
  text: string;
}

function joined(messages: WebLine[]): string {
  return messages
    .map((m) => [m.text, ...(m.quickReplies ?? []).map((q) => q.label)].join('\n'))
    .join('\n');
}

/** A test's names for its web conversations -> the ids the server issued for them. */
const issuedIds = new WeakMap<Harness, Map<string, string>>();

function namesOf(h: Harness): Map<string, string> {
  let names = issuedIds.get(h);
  if (!names) {
    names = new Map();
    issuedIds.set(h, names);
  }
  return names;
}

/** The id the server issued for the conversation a test calls `name` (after its first POST). */
export function webId(h: Harness, name: string): string {
  const id = namesOf(h).get(name);
  if (!id) throw new Error(`no web conversation "${name}" was opened yet`);
  return id;
}

/** The bot's own name (transcripts, states, tickets, logs) for the conversation called `name`. */
export function webConversation(h: Harness, name: string): string {
  return internalConversationId(webId(h, name));
}

/**
 * POSTs a turn as a client does: the first message of a conversation the test calls
 * `body.conversationId` opens it and the server's id is used from then on.
 */
export async function postWeb(h: Harness, body: unknown): Promise<TurnResult> {
  const names = namesOf(h);
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const name = typeof fields.conversationId === 'string' ? fields.conversationId : undefined;
  const sent = name && names.has(name) ? { ...fields, conversationId: names.get(name) } : body;
  const res = await fetch(`${h.url}/api/web/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(sent),
  });
  const json = (await res.json()) as { messages?: WebLine[]; conversationId?: string };
  if (name && res.status === 200 && json.conversationId) names.set(name, json.conversationId);
  const messages = json.messages ?? [];
  return { status: res.status, messages, text: joined(messages) };
}

export async function say(h: Harness, conversationId: string, text: string): Promise<TurnResult> {
  const result = await postWeb(h, { conversationId, text });
  expect(result.status).toBe(200);
  return result;
}

/** Taps the quick reply labelled `label` among the last reply's options. */
export async function tap(
  h: Harness,
  conversationId: string,
  previous: TurnResult,
  label: string,
): Promise<TurnResult> {
  const option = previous.messages
    .flatMap((m) => m.quickReplies ?? [])
    .find((q) => q.label === label);
  if (!option) throw new Error(`no quick reply "${label}" in: ${previous.text}`);
  const result = await postWeb(h, { conversationId, choice: option });
  expect(result.status).toBe(200);
  return result;
}

export async function history(
  h: Harness,
  conversationId: string,
  after?: number,
): Promise<{ status: number; messages: WebLine[]; cursor: number }> {
  const query = new URLSearchParams({
    conversationId: namesOf(h).get(conversationId) ?? conversationId,
  });
  if (after !== undefined) query.set('after', String(after));
  const res = await fetch(`${h.url}/api/web/messages?${query.toString()}`);
  const json = (await res.json()) as { messages?: WebLine[]; cursor?: number };
  return { status: res.status, messages: json.messages ?? [], cursor: json.cursor ?? -1 };
}

// ---- the WeChat webhook as WeChat's servers use it --------------------------------------------

let msgSerial = 7_054_768_590_064_700_000n;

export function wechatTextXml(openId: string, content: string): string {
  msgSerial += 1n;
  return (
    `<xml><ToUserName><![CDATA[${WECHAT.account}]]></ToUserName>` +
    `<FromUserName><![CDATA[${openId}]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${msgSerial.toString()}</MsgId></xml>`
  );
}

/** A signed plain-mode push; returns the HTTP status and the raw body (passive XML reply). */
export async function pushWechat(
  h: Harness,
  xml: string,
  query: Record<string, string> = h.sender.plainQuery(
    String(Math.floor(Date.now() / 1000)),
    String(100_000 + Math.floor(Math.random() * 900_000)),
  ),
): Promise<{ status: number; body: string }> {
  const res = await fetch(`${h.url}/wechat/mp?${new URLSearchParams(query).toString()}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: xml,
  });
  return { status: res.status, body: await res.text() };
}

/** Polls `check` until it stops throwing, at most `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

// ---- WeCom as its servers call the app --------------------------------------------------------

let wecomSerial = 7_300_000_000_000_000_000n;

/** The decrypted callback XML of a member's text message to the WeCom app. */
export function wecomTextXml(userId: string, content: string): string {
  wecomSerial += 1n;
  return (
    `<xml><ToUserName><![CDATA[${WECOM.corpId}]]></ToUserName>` +
    `<FromUserName><![CDATA[${userId}]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${wecomSerial.toString()}</MsgId>` +
    `<AgentID>${WECOM.agentId}</AgentID></xml>`
  );
}

/** An encrypted, signed WeCom callback of `xml`; returns the status and the decrypted reply. */
export async function pushWecom(
  h: Harness,
  xml: string,
): Promise<{ status: number; body: string; reply: Record<string, string> | null }> {
  const signed = h.wecomSender.wecomPush(
    xml,
    String(Math.floor(Date.now() / 1000)),
    String(100_000 + Math.floor(Math.random() * 900_000)),
    WECOM.agentId,
  );
  const res = await fetch(`${h.url}/wechat/work?${new URLSearchParams(signed.query).toString()}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: signed.body,
  });
  const body = await res.text();
  const reply = res.status === 200 && body !== '' ? h.wecomSender.openEncryptedReply(body) : null;
  return { status: res.status, body, reply };
}

// ---- wechaty as a WeChat user talks to the bot ------------------------------------------------

/** A new WeChat contact of the mock world, befriended with the bot. */
export function wechatyCustomer(h: Harness): MockContact {
  if (!h.wechaty) throw new Error('the harness was built without wechaty');
  const [contact] = h.wechaty.mocker.createContacts(1);
  if (!contact) throw new Error('wechaty-puppet-mock created no contact');
  return contact;
}

/** `customer` says `text` to the bot one-to-one; resolves with the bot's next `count` messages. */
export function sayOnWechaty(
  h: Harness,
  customer: MockContact,
  text: string,
  count: number,
  timeoutMs = 5000,
): Promise<string[]> {
  const bot = h.wechaty?.bot;
  if (!bot) throw new Error('the harness was built without wechaty');
  const emitter = customer as unknown as {
    on(event: 'message', listener: (message: MockMessage) => void): unknown;
    off(event: 'message', listener: (message: MockMessage) => void): unknown;
  };
  return new Promise((resolve, reject) => {
    const fromBot: string[] = [];
    const timer = setTimeout(() => {
      emitter.off('message', onMessage);
      reject(new Error(`wechaty: ${fromBot.length}/${count} bot messages: ${fromBot.join(' | ')}`));
    }, timeoutMs);
    function onMessage(message: MockMessage): void {
      if (message.talker().id !== bot!.id) return;
      fromBot.push(message.text() ?? '');
      if (fromBot.length >= count) {
        clearTimeout(timer);
        emitter.off('message', onMessage);
        resolve(fromBot);
      }
    }
    emitter.on('message', onMessage);
    customer.say(text).to(bot);
  });
}

// ---- Bot Framework as the channel service calls the bot ---------------------------------------

let activitySerial = 0;

/**
 * Posts a message activity from `userId` in `conversationId` with a channel token signed by the
 * fake channel; resolves with the status and the activities the bot sent to that conversation.
 */
export async function sayOnBotFramework(
  h: Harness,
  conversationId: string,
  userId: string,
  text: string,
): Promise<{ status: number; activities: Record<string, unknown>[] }> {
  const connector = h.botframework;
  if (!connector) throw new Error('the harness was built without Bot Framework');
  activitySerial += 1;
  const before = connector.activities.length;
  const res = await fetch(`${h.url}/api/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${connector.signChannelToken({ serviceUrl: connector.serviceUrl })}`,
    },
    body: JSON.stringify({
      type: 'message',
      id: `app-act-${activitySerial}`,
      timestamp: new Date().toISOString(),
      channelId: 'webchat',
      serviceUrl: connector.serviceUrl,
      from: { id: userId, name: '客户' },
      recipient: BOTFRAMEWORK.bot,
      conversation: { id: conversationId },
      locale: 'zh-CN',
      text,
    }),
  });
  return {
    status: res.status,
    activities: connector.activities
      .slice(before)
      .filter((a) => a.conversationId === conversationId)
      .map((a) => a.activity),
  };
}
