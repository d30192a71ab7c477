// Fault: captured WeChat and WeCom webhooks replayed against two real server instances sharing
// Redis (as `npm start` runs them with REDIS_URL). A replay of the same push, on either instance,
// runs no second turn; a signed URL posted with another body (another customer's message) is
// refused; a plain push to an account in safe mode is refused; a stale one too; and no signed
// query string reaches the log.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeRedis, connectRedis, type Redis } from '../../src/store/index.ts';
import {
  FakeWechatSender,
  startFakeWechatApi,
  type FakeWechatApi,
} from '../support/fake-wechat-api.ts';
import { startServer, type RunningServer } from './server.ts';

const OA = {
  token: 'replayToken2024',
  appId: 'wx00112233445566aa',
  appSecret: 'replay-app-secret',
  aesKey: 'Rp7cT2wK9mQ4xV8nB3jF6hL1sD5gZ0aE7uY2iO4pW9k',
};
const WECOM = {
  token: 'wecomReplayToken',
  corpId: 'ww00112233445566bb',
  agentId: 1000003,
  secret: 'wecom-replay-secret',
  aesKey: 'Wc3mN8qR1tY6uI0oP5aS9dF2gH7jK4lZ3xC8vB1nM6q',
};

const prefix = `csbot-replay-${process.pid}-${Date.now()}:`;
let oaApi: FakeWechatApi;
let wecomApi: FakeWechatApi;
let a: RunningServer;
let b: RunningServer;
let redis: Redis;
const dirs: string[] = [];
const oa = new FakeWechatSender({ token: OA.token, appId: OA.appId, encodingAESKey: OA.aesKey });
const wecom = new FakeWechatSender({
  token: WECOM.token,
  appId: WECOM.corpId,
  encodingAESKey: WECOM.aesKey,
});

beforeAll(async () => {
  oaApi = await startFakeWechatApi({ appId: OA.appId, appSecret: OA.appSecret });
  wecomApi = await startFakeWechatApi({
    platform: 'wecom',
    corpId: WECOM.corpId,
    corpSecret: WECOM.secret,
    agentId: WECOM.agentId,
  });
  const env = () => {
    const dir = mkdtempSync(join(tmpdir(), 'csbot-replay-'));
    dirs.push(dir);
    return {
      DATA_DIR: dir,
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: prefix,
      WECHAT_TOKEN: OA.token,
      WECHAT_APP_ID: OA.appId,
      WECHAT_APP_SECRET: OA.appSecret,
      WECHAT_ENCODING_AES_KEY: OA.aesKey,
      WECHAT_API_BASE_URL: oaApi.baseUrl,
      WECOM_CORP_ID: WECOM.corpId,
      WECOM_AGENT_ID: String(WECOM.agentId),
      WECOM_SECRET: WECOM.secret,
      WECOM_TOKEN: WECOM.token,
      WECOM_ENCODING_AES_KEY: WECOM.aesKey,
      WECOM_API_BASE_URL: wecomApi.baseUrl,
    };
  };
  [a, b] = await Promise.all([startServer(env()), startServer(env())]);
  redis = await connectRedis(inject('redisUrl'), { connectionName: 'csbot-replay-test' });
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  if (redis) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(keys);
    await closeRedis(redis);
  }
  await oaApi?.close();
  await wecomApi?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let serial = 7_100_000_000_000_000_000n;
const now = () => String(Math.floor(Date.now() / 1000));
const nonce = () => String(100_000_000 + Math.floor(Math.random() * 900_000_000));

function textXml(from: string, content: string, to = 'gh_replay'): string {
  serial += 1n;
  return (
    `<xml><ToUserName><![CDATA[${to}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
    `<CreateTime>${now()}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${serial.toString()}</MsgId>` +
    (to === WECOM.corpId ? `<AgentID>${WECOM.agentId}</AgentID>` : '') +
    `</xml>`
  );
}

async function post(
  server: RunningServer,
  path: string,
  query: Record<string, string>,
  body: string,
): Promise<number> {
  const res = await fetch(`${server.url}${path}?${new URLSearchParams(query).toString()}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body,
  });
  await res.text();
  return res.status;
}

/** What the customer said, as the shared transcript (Redis) holds it. */
async function customerLines(conversationId: string): Promise<string[]> {
  const lines: string[] = await redis.lRange(`${prefix}transcript:${conversationId}`, 0, -1);
  return lines
    .map((l) => JSON.parse(l) as { direction: string; text: string })
    .filter((l) => l.direction === 'customer')
    .map((l) => l.text);
}

describe('replayed webhooks against two instances sharing Redis', () => {
  it('Official Account: replays run no second turn, swapped bodies and downgrades are refused', async () => {
    const user = 'oReplayVictim_0001';
    const push = oa.encryptedPush(textXml(user, '查询一下我的持仓'), now(), nonce());
    expect(await post(a, '/wechat/mp', push.query, push.body)).toBe(200);

    const statuses: number[] = [];
    // The same push again, 10 times on each instance (the platform's retries, or an attacker's).
    for (let i = 0; i < 10; i++) {
      statuses.push(await post(i % 2 ? a : b, '/wechat/mp', push.query, push.body));
    }
    expect(statuses).toEqual(Array(10).fill(200));

    // The captured signed URL with another customer's message: refused on both instances.
    const other = oa.encrypt(textXml('oReplayOther_0002', '帮我把钱转出去'), randomBytes(16));
    const swapped = `<xml><ToUserName><![CDATA[gh_replay]]></ToUserName><Encrypt><![CDATA[${other}]]></Encrypt></xml>`;
    expect(await post(a, '/wechat/mp', push.query, swapped)).toBe(401);
    expect(await post(b, '/wechat/mp', push.query, swapped)).toBe(401);

    // Downgrade: a plain push (its signature covers no body) to an account in safe mode.
    const plain = oa.plainQuery(now(), nonce());
    expect(await post(b, '/wechat/mp', plain, textXml(user, '转账给别人'))).toBe(401);
    // Stale: a captured push replayed after the timestamp window.
    const stale = oa.encryptedPush(textXml(user, '旧消息'), String(Number(now()) - 3600), nonce());
    expect(await post(a, '/wechat/mp', stale.query, stale.body)).toBe(401);

    expect(await customerLines(`wechat-mp:${user}`)).toEqual(['查询一下我的持仓']);
    expect(await customerLines('wechat-mp:oReplayOther_0002')).toEqual([]);
    for (const server of [a, b]) {
      expect(server.log()).not.toContain(push.query.msg_signature);
      expect(server.log()).not.toContain(push.query.signature);
    }
  });

  it('WeCom: replays on either instance run no second turn, swapped bodies are refused', async () => {
    const user = 'ReplayMember01';
    const push = wecom.wecomPush(
      textXml(user, '我的工单处理到哪了', WECOM.corpId),
      now(),
      nonce(),
      WECOM.agentId,
    );
    expect(await post(b, '/wechat/work', push.query, push.body)).toBe(200);
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post(i % 2 ? a : b, '/wechat/work', push.query, push.body),
      ),
    );
    expect(statuses).toEqual(Array(10).fill(200));
    // The captured signed URL with another member's message: refused.
    const forged = wecom.wecomPush(
      textXml('ReplayOther02', '把我的权限关掉', WECOM.corpId),
      push.query.timestamp!,
      push.query.nonce!,
      WECOM.agentId,
    );
    expect(await post(a, '/wechat/work', push.query, forged.body)).toBe(401);
    expect(await customerLines(`wecom:${user}`)).toEqual(['我的工单处理到哪了']);
    expect(await customerLines('wecom:ReplayOther02')).toEqual([]);
    for (const server of [a, b]) expect(server.log()).not.toContain(push.query.msg_signature);
  });
});
