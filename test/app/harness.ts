// One real app per test file, built the way src/main.ts builds it: the shipped content, dialogs and
// trained classifier, memory stores, and optionally the WeChat webhook (against the local fake
// WeChat API) and the Slack desk (against the local fake Slack). Listens on an ephemeral port.
import { join } from 'node:path';
import { expect } from 'vitest';
import { createApp, type App, type AppConfig, type ChannelModule } from '../../src/app.ts';
import { registerWechatMpChannel } from '../../src/channels/wechat-mp/adapter.ts';
import { loadContent, type LoadedContent } from '../../src/content/load.ts';
import { createSlackDesk } from '../../src/desks/slack/slack-desk.ts';
import { loadDialogs } from '../../src/dialog/loader.ts';
import type { DialogSet } from '../../src/dialog/types.ts';
import { DEFAULT_HANDOFF_SETTINGS } from '../../src/handoff/handoff-service.ts';
import { parseServiceHours } from '../../src/handoff/service-hours.ts';
import { buildNluEngine, type NluEngine } from '../../src/nlu/engine.ts';
import { createMemoryStores, type Stores } from '../../src/store/index.ts';
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
  close(): Promise<void>;
}

export interface HarnessOptions {
  slack?: boolean;
  wechat?: boolean;
  maxMessageLength?: number;
}

export function appConfig(content: LoadedContent, maxMessageLength = 500): AppConfig {
  return {
    adminToken: ADMIN_TOKEN,
    maxMessageLength,
    conversationRateLimit: false,
    ipRateLimit: false,
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
  const stores = createMemoryStores();
  const slack = options.slack ? await startFakeSlack({ botToken: SLACK_TOKEN }) : null;
  const wechatApi = options.wechat
    ? await startFakeWechatApi({ appId: WECHAT.appId, appSecret: WECHAT.appSecret })
    : null;
  const channels: ChannelModule[] = [];
  if (wechatApi) {
    channels.push({
      channel: 'wechat-mp',
      register: (server, context) =>
        registerWechatMpChannel(server, {
          gateway: context.gateway,
          clock: context.clock,
          options: {
            token: WECHAT.token,
            appId: WECHAT.appId,
            appSecret: WECHAT.appSecret,
            apiBaseUrl: wechatApi.baseUrl,
            guard: context.guard,
          },
        }),
    });
  }
  const app = await createApp(appConfig(content, options.maxMessageLength), {
    content,
    dialogs,
    nlu,
    stores,
    channels,
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
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    url,
    stores,
    content,
    slack,
    wechatApi,
    sender: new FakeWechatSender({ token: WECHAT.token, appId: WECHAT.appId }),
    async close() {
      await app.close();
      await slack?.close();
      await wechatApi?.close();
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

export async function postWeb(h: Harness, body: unknown): Promise<TurnResult> {
  const res = await fetch(`${h.url}/api/web/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { messages?: WebLine[] };
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
  const query = new URLSearchParams({ conversationId });
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
