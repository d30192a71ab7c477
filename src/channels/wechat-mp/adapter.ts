// The WeChat Official Account and WeCom (企业微信 self-built app) webhooks: verify every request,
// turn pushes into turns, answer inside the 5-second window (passive reply) or later through the
// platform's message API, and drop the platform's retries of a push already received. Both speak
// the same callback protocol; WeCom always encrypts, signs with msg_signature only, puts the CorpID
// inside the ciphertext and sends asynchronous replies through message/send with the AgentId.
import { createHash, randomInt } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChannelOutlet, ConversationGateway, DeliveryTarget } from '../../core/gateway.ts';
import type { InboundMessage, OutboundMessage } from '../../core/message.ts';
import { MemoryIdempotencyStore, type IdempotencyStore } from '../../store/idempotency.ts';
import type { Json } from '../../store/types.ts';
import { guardGateway, type GuardOptions } from '../edge-policy.ts';
import { MenuMemory, outboundAsText } from '../text-menu.ts';
import { WechatApiClient, WechatApiError } from './api.ts';
import { signatureMatches, wechatSignature, WechatMessageCrypto } from './crypto.ts';
import { splitText, type TextLimit } from './split.ts';
import { passiveTextReply, readWechatCallback, type WechatCallback } from './translate.ts';
import { buildWechatXml, parseWechatXml, type WechatFields } from './xml.ts';

export const WECHAT_MP_PATH = '/wechat/mp';
export const WECOM_PATH = '/wechat/work';
export const DEFAULT_WECHAT_API_BASE_URL = 'https://api.weixin.qq.com';
export const DEFAULT_WECOM_API_BASE_URL = 'https://qyapi.weixin.qq.com';
/** Conversation ids: `wechat-mp:<openid>` for the Official Account, `wecom:<UserID>` for WeCom. */
export const WECOM_CONVERSATION_PREFIX = 'wecom:';
/** WeChat gives up after 5 s; leave room for the network. */
export const DEFAULT_REPLY_DEADLINE_MS = 4500;

const PASSIVE_LIMIT: TextLimit = { maxChars: 600, maxBytes: 2000 };
const CUSTOM_SEND_LIMIT: TextLimit = { maxBytes: 2000 };
/**
 * WeChat retries a push three times within about 15 s, but a captured push stays replayable for
 * as long as its timestamp is accepted: pushes are remembered at least that long.
 */
const MIN_RETRY_MEMORY_MS = 60_000;
const MAX_REMEMBERED_PUSHES = 10_000;
const BODY_LIMIT = 256 * 1024;
const APOLOGY = '对不起，系统暂时繁忙，请您稍后再试，谢谢。';

/** Behaviour shared by both platforms. */
interface WebhookTuning {
  /** A turn that takes longer is answered asynchronously. Default 4500 ms. */
  replyDeadlineMs?: number;
  /**
   * Reject pushes whose `timestamp` is further than this from our clock (replayed signed URLs).
   * Default 300 s; `false` turns the check off.
   */
  maxTimestampSkewSec?: number | false;
  /** How long a numbered menu stays answerable by number. Default 30 min. */
  menuTtlMs?: number;
  /** Maximum length (and refusal metrics); `false` turns the guard off. */
  guard?: GuardOptions | false;
}

export interface WechatMpOptions extends WebhookTuning {
  /** The Token set in the WeChat admin console (signs every request). */
  token: string;
  /** Official Account appId (the receiver id inside encrypted messages). */
  appId: string;
  /** Needed for the access_token: asynchronous replies and deliver() work only with it. */
  appSecret?: string;
  /** 43-character key for safe (encrypted) mode; without it only plain messages are accepted. */
  encodingAESKey?: string;
  /**
   * With the key set, plain (unencrypted) pushes are refused: their signature covers only the
   * query, so anyone holding a signed URL could post any body. `true` accepts them while the
   * account moves from plain to safe mode (兼容模式); never leave it on.
   */
  allowPlaintext?: boolean;
  /** Default https://api.weixin.qq.com; tests point it at a local fake. */
  apiBaseUrl?: string;
}

export interface WecomOptions extends WebhookTuning {
  /** The Token of the app's 接收消息 (API receive) settings. */
  token: string;
  /** The 43-character EncodingAESKey of the same settings: WeCom encrypts every callback. */
  encodingAESKey: string;
  /** The enterprise's CorpID (the receiver id inside every encrypted callback). */
  corpId: string;
  /** The self-built app's AgentId (pushes for another app are dropped; replies are sent as it). */
  agentId: number;
  /** The app's Secret, for the access_token: asynchronous replies and deliver() need it. */
  secret?: string;
  /** Default https://qyapi.weixin.qq.com; tests point it at a local fake. */
  apiBaseUrl?: string;
  /** Default /wechat/work, so an Official Account on /wechat/mp can run beside it. */
  path?: string;
}

/** The part of a pino/fastify logger the channel uses. */
export interface WechatMpLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

interface ChannelDeps<Options> {
  gateway: ConversationGateway;
  options: Options;
  logger?: WechatMpLogger;
  clock?: () => Date;
  /** Replaces global fetch for the WeChat API (tests normally use a local fake server instead). */
  fetch?: typeof fetch;
  /** Nonces already seen (shared by the instances on Redis); one in memory without it. */
  receipts?: IdempotencyStore;
}

export type WechatMpChannelDeps = ChannelDeps<WechatMpOptions>;
export type WecomChannelDeps = ChannelDeps<WecomOptions>;

/** What differs between the Official Account and WeCom once the options are read. */
interface Platform {
  /** The channel id, also the log prefix. */
  name: 'wechat-mp' | 'wecom';
  path: string;
  /** `${prefix}${userId}` is the conversation id. */
  conversationPrefix: string;
  token: string;
  crypto: WechatMessageCrypto | null;
  /** WeCom has no plain mode: unsigned-by-msg_signature requests are refused. */
  encryptedOnly: boolean;
  /** Plain pushes accepted although a key is set (the Official Account's 兼容模式 migration). */
  allowPlaintext: boolean;
  api: WechatApiClient;
  /** The answer that acknowledges a push without a passive reply. */
  ack: string;
  /** WeCom: pushes carrying another AgentID are not for this app. */
  agentId?: number;
  /** Where a reply goes, in the platform's own terms (stored with the message). */
  channelRef(userId: string, accountId: string): Json;
  tuning: WebhookTuning;
}

/** What we know about one push (and its retries). */
interface PushRecord {
  /** Settles when the turn's replies are known. */
  settled: Promise<void>;
  replies: OutboundMessage[] | null;
  /** 'async' once some response said "success" before the replies were ready. */
  mode: 'passive' | 'async';
  /** The passive reply, built once so every retry gets the same one. */
  passiveXml: string | null;
  expiresAt: number;
}

type Verified =
  | { ok: true; fields: WechatFields; encrypted: boolean; timestamp: string }
  | { ok: false; status: 400 | 401; error: string };

/** Registers `GET/POST /wechat/mp` on `server` and returns the outlet for later messages. */
export function registerWechatMpChannel(
  server: FastifyInstance,
  deps: WechatMpChannelDeps,
): ChannelOutlet {
  const { options } = deps;
  if (!options.token) throw new RangeError('the WeChat channel needs the Token');
  if (!options.appId) throw new RangeError('the WeChat channel needs the appId');
  const clock = deps.clock ?? (() => new Date());
  return mountWebhook(server, deps, {
    name: 'wechat-mp',
    path: WECHAT_MP_PATH,
    conversationPrefix: 'wechat-mp:',
    token: options.token,
    crypto: options.encodingAESKey
      ? new WechatMessageCrypto(options.token, options.encodingAESKey, options.appId)
      : null,
    encryptedOnly: false,
    allowPlaintext: options.allowPlaintext === true,
    api: new WechatApiClient({
      platform: 'official-account',
      apiBaseUrl: options.apiBaseUrl ?? DEFAULT_WECHAT_API_BASE_URL,
      appId: options.appId,
      ...(options.appSecret ? { appSecret: options.appSecret } : {}),
      now: () => clock().getTime(),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    }),
    // "success" (or an empty body) tells WeChat not to retry and not to show an error.
    ack: 'success',
    channelRef: (openId, accountId) => ({ openId, accountId }),
    tuning: options,
  });
}

/**
 * Registers `GET/POST /wechat/work` (or `options.path`) for a WeCom self-built app and returns its
 * outlet. WeCom's conversations are `wecom:<UserID>`, on the 'wecom' channel.
 */
export function registerWecomChannel(
  server: FastifyInstance,
  deps: WecomChannelDeps,
): ChannelOutlet {
  const { options } = deps;
  if (!options.token) throw new RangeError('the WeCom channel needs the Token');
  if (!options.corpId) throw new RangeError('the WeCom channel needs the CorpID');
  if (!options.encodingAESKey) throw new RangeError('the WeCom channel needs the EncodingAESKey');
  if (!Number.isInteger(options.agentId) || options.agentId <= 0) {
    throw new RangeError('the WeCom channel needs the numeric AgentId');
  }
  const clock = deps.clock ?? (() => new Date());
  return mountWebhook(server, deps, {
    name: 'wecom',
    path: options.path ?? WECOM_PATH,
    conversationPrefix: WECOM_CONVERSATION_PREFIX,
    token: options.token,
    crypto: new WechatMessageCrypto(options.token, options.encodingAESKey, options.corpId),
    encryptedOnly: true,
    allowPlaintext: false,
    api: new WechatApiClient({
      platform: 'wecom',
      apiBaseUrl: options.apiBaseUrl ?? DEFAULT_WECOM_API_BASE_URL,
      appId: options.corpId,
      agentId: options.agentId,
      ...(options.secret ? { appSecret: options.secret } : {}),
      now: () => clock().getTime(),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    }),
    // WeCom: an empty 200 acknowledges the push; the reply follows through message/send.
    ack: '',
    agentId: options.agentId,
    channelRef: (userId, corpId) => ({ userId, corpId, agentId: options.agentId }),
    tuning: options,
  });
}

function mountWebhook(
  server: FastifyInstance,
  deps: ChannelDeps<unknown>,
  platform: Platform,
): ChannelOutlet {
  const options = platform.tuning;
  const { crypto, api, name } = platform;
  const logger: WechatMpLogger = deps.logger ?? server.log;
  const clock = deps.clock ?? (() => new Date());
  const nowMs = (): number => clock().getTime();
  const deadlineMs = options.replyDeadlineMs ?? DEFAULT_REPLY_DEADLINE_MS;
  const maxSkewSec = options.maxTimestampSkewSec ?? 300;
  const retryMemoryMs =
    maxSkewSec === false
      ? MIN_RETRY_MEMORY_MS
      : Math.max(MIN_RETRY_MEMORY_MS, (maxSkewSec + 60) * 1000);
  const receipts = deps.receipts ?? new MemoryIdempotencyStore();
  const conversationOf = (userId: string): string => `${platform.conversationPrefix}${userId}`;
  const gateway =
    options.guard === false ? deps.gateway : guardGateway(deps.gateway, options.guard ?? {});
  const menus = new MenuMemory({
    now: nowMs,
    ...(options.menuTtlMs !== undefined ? { ttlMs: options.menuTtlMs } : {}),
  });
  const pushes = new Map<string, PushRecord>();

  /** Sends texts one after another through the platform's message API, each cut to its limit. */
  async function sendThroughApi(userId: string, texts: string[]): Promise<void> {
    for (const text of texts) {
      for (const piece of splitText(text, CUSTOM_SEND_LIMIT)) {
        await api.sendText(userId, piece);
      }
    }
  }

  function sendLater(userId: string, conversationId: string, texts: string[]): void {
    if (texts.length === 0) return;
    if (!api.canSend) {
      logger.error(
        { conversationId },
        `${name}: a reply missed the passive window but no secret is configured; it is lost`,
      );
      return;
    }
    sendThroughApi(userId, texts).catch((error: unknown) => {
      logger.error(
        {
          conversationId,
          errcode: error instanceof WechatApiError ? error.errcode : undefined,
          err: error,
        },
        `${name}: asynchronous reply failed`,
      );
    });
  }

  function verifyUrl(query: Record<string, unknown>): { status: number; body: string } {
    const { timestamp, nonce, echostr } = query;
    if (typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof echostr !== 'string') {
      return { status: 400, body: 'timestamp, nonce and echostr are required' };
    }
    if (query.msg_signature !== undefined || platform.encryptedOnly) {
      // WeCom (and encrypted verification): the echostr itself is encrypted and signed.
      if (!crypto) return { status: 400, body: 'encrypted verification needs the EncodingAESKey' };
      if (!signatureMatches(query.msg_signature, crypto.signature(timestamp, nonce, echostr))) {
        return { status: 401, body: 'invalid signature' };
      }
      const decrypted = crypto.decrypt(echostr);
      return decrypted.ok
        ? { status: 200, body: decrypted.plaintext }
        : { status: 400, body: 'echostr cannot be decrypted' };
    }
    if (!signatureMatches(query.signature, wechatSignature(platform.token, timestamp, nonce))) {
      return { status: 401, body: 'invalid signature' };
    }
    return { status: 200, body: echostr };
  }

  function verifyPush(query: Record<string, unknown>, body: unknown): Verified {
    const { timestamp, nonce } = query;
    if (typeof timestamp !== 'string' || typeof nonce !== 'string') {
      return { ok: false, status: 401, error: 'timestamp and nonce are required' };
    }
    if (typeof body !== 'string') return { ok: false, status: 400, error: 'expected an XML body' };
    let fields: WechatFields;
    let encrypted = false;
    if (query.msg_signature !== undefined || platform.encryptedOnly) {
      // WeCom signs only with msg_signature (over the ciphertext): a push without it is refused.
      if (typeof query.msg_signature !== 'string') {
        return { ok: false, status: 401, error: 'msg_signature is required' };
      }
      if (!crypto) return { ok: false, status: 400, error: 'encrypted push but no EncodingAESKey' };
      const outer = parseWechatXml(body);
      if (!outer.ok) return { ok: false, status: 400, error: outer.error };
      const encrypt = outer.fields.Encrypt;
      if (!encrypt) return { ok: false, status: 400, error: 'encrypted push without <Encrypt>' };
      if (!signatureMatches(query.msg_signature, crypto.signature(timestamp, nonce, encrypt))) {
        return { ok: false, status: 401, error: 'invalid msg_signature' };
      }
      const decrypted = crypto.decrypt(encrypt);
      if (!decrypted.ok) return { ok: false, status: 400, error: decrypted.error };
      const inner = parseWechatXml(decrypted.plaintext);
      if (!inner.ok) return { ok: false, status: 400, error: inner.error };
      fields = inner.fields;
      encrypted = true;
    } else {
      if (crypto && !platform.allowPlaintext) {
        // Safe mode is on: a plain push is a downgrade (its signature does not cover the body).
        return {
          ok: false,
          status: 401,
          error: 'plain push refused: safe mode requires encryption',
        };
      }
      // Plain mode signs only the query: check it before reading the body at all.
      if (!signatureMatches(query.signature, wechatSignature(platform.token, timestamp, nonce))) {
        return { ok: false, status: 401, error: 'invalid signature' };
      }
      const parsed = parseWechatXml(body);
      if (!parsed.ok) return { ok: false, status: 400, error: parsed.error };
      if (parsed.fields.Encrypt !== undefined && parsed.fields.MsgType === undefined) {
        return { ok: false, status: 400, error: 'encrypted push without msg_signature' };
      }
      fields = parsed.fields;
    }
    if (maxSkewSec !== false) {
      const skew = Math.abs(nowMs() / 1000 - Number(timestamp));
      if (!(skew <= maxSkewSec)) return { ok: false, status: 401, error: 'timestamp out of range' };
    }
    return { ok: true, fields, encrypted, timestamp };
  }

  function forgetOldPushes(now: number): void {
    for (const [key, record] of pushes) {
      if (pushes.size <= MAX_REMEMBERED_PUSHES && record.expiresAt > now) break;
      // Entries are in arrival order; in-flight ones expire only once settled.
      if (record.expiresAt <= now || pushes.size > MAX_REMEMBERED_PUSHES) pushes.delete(key);
    }
  }

  function startTurn(push: Extract<WechatCallback, { kind: 'turn' }>): PushRecord {
    const conversationId = conversationOf(push.openId);
    const content =
      push.content.kind === 'text'
        ? menus.interpret(conversationId, push.content.text)
        : push.content;
    const inbound: InboundMessage = {
      channel: platform.name,
      conversationId,
      userId: push.openId,
      ...(push.msgId ? { channelMessageId: push.msgId } : {}),
      receivedAt: clock().toISOString(),
      content,
      channelRef: platform.channelRef(push.openId, push.accountId),
    };
    const record: PushRecord = {
      settled: Promise.resolve(),
      replies: null,
      mode: 'passive',
      passiveXml: null,
      expiresAt: Number.POSITIVE_INFINITY,
    };
    record.settled = gateway
      .handleInbound(inbound)
      .catch((error: unknown): OutboundMessage[] => {
        logger.error({ err: error, conversationId }, `${name}: turn failed`);
        return [{ type: 'text', text: APOLOGY, from: 'system' }];
      })
      .then((replies) => {
        record.replies = replies;
        record.expiresAt = nowMs() + retryMemoryMs;
        menus.noteShown(conversationId, replies);
        // Nobody is waiting for a passive reply any more: the answer goes out through the API.
        if (record.mode === 'async')
          sendLater(push.openId, conversationId, outboundAsText(replies));
      });
    return record;
  }

  /** Waits for the replies up to `ms`, then gives up without cancelling the turn. */
  async function waitAtMost(settled: Promise<void>, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, ms));
    });
    try {
      await Promise.race([settled, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The passive reply for a settled push, built once; text beyond its limit follows by API. */
  function passiveReplyOf(
    record: PushRecord,
    push: Extract<WechatCallback, { kind: 'turn' }>,
  ): string | null {
    if (record.passiveXml !== null) return record.passiveXml;
    const joined = outboundAsText(record.replies ?? []).join('\n\n');
    const [first, ...rest] = splitText(joined, PASSIVE_LIMIT);
    if (first === undefined) return null;
    record.passiveXml = passiveTextReply({
      openId: push.openId,
      accountId: push.accountId,
      createTime: Math.floor(nowMs() / 1000),
      content: first,
    });
    sendLater(push.openId, conversationOf(push.openId), rest);
    return record.passiveXml;
  }

  function sendXml(reply: FastifyReply, plaintextXml: string, encrypted: boolean): FastifyReply {
    reply.header('content-type', 'application/xml; charset=utf-8');
    if (!encrypted || !crypto) return reply.send(plaintextXml);
    const encrypt = crypto.encrypt(plaintextXml);
    const timestamp = String(Math.floor(nowMs() / 1000));
    const nonce = String(randomInt(100_000_000, 1_000_000_000));
    return reply.send(
      buildWechatXml({
        Encrypt: encrypt,
        MsgSignature: crypto.signature(timestamp, nonce, encrypt),
        TimeStamp: Number(timestamp),
        Nonce: nonce,
      }),
    );
  }

  /**
   * A signed query (timestamp, nonce, signature) is good for one body: the same request again is
   * a retry (answered from memory), the same signature with another body is a replay.
   */
  async function replayed(query: Record<string, unknown>, body: string): Promise<boolean> {
    const signature = String(query.msg_signature ?? query.signature ?? '');
    const key = `wechat-nonce:${name}:${String(query.timestamp)}:${String(query.nonce)}:${signature}`;
    const digest = createHash('sha256').update(body, 'utf8').digest('hex');
    const ttlMs = ((maxSkewSec === false ? 300 : maxSkewSec) * 2 + 60) * 1000;
    try {
      const seen = await receipts.claim(key, digest, ttlMs);
      return !seen.claimed && seen.value !== digest;
    } catch (error) {
      // The timestamp window and the push memory still stand; a store outage must not stop chat.
      logger.warn({ err: error }, `${name}: nonce check unavailable`);
      return false;
    }
  }

  async function handlePush(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const arrivedAt = nowMs();
    const query = request.query as Record<string, unknown>;
    const verified = verifyPush(query, request.body);
    if (!verified.ok) {
      logger.warn({ status: verified.status, reason: verified.error }, `${name}: push rejected`);
      return reply.code(verified.status).type('text/plain').send(verified.error);
    }
    if (await replayed(query, request.body as string)) {
      logger.warn({ status: 401, reason: 'replayed signature' }, `${name}: push rejected`);
      return reply.code(401).type('text/plain').send('signature already used for another message');
    }
    const push = readWechatCallback(verified.fields);
    if (push.kind === 'invalid') return reply.code(400).type('text/plain').send(push.error);
    if (push.kind === 'ignore') return reply.type('text/plain').send(platform.ack);
    const agentId = verified.fields.AgentID;
    if (platform.agentId !== undefined && agentId !== undefined && agentId !== '') {
      if (Number(agentId) !== platform.agentId) {
        // Authentic (signed and encrypted with our keys) but for another app of the enterprise.
        logger.warn({ agentId }, `${name}: push for another AgentID dropped`);
        return reply.type('text/plain').send(platform.ack);
      }
    }

    let record = pushes.get(push.dedupeKey);
    if (record) {
      logger.info(
        { conversationId: conversationOf(push.openId) },
        `${name}: retry of a known push`,
      );
    } else {
      forgetOldPushes(arrivedAt);
      record = startTurn(push);
      pushes.set(push.dedupeKey, record);
    }
    if (record.mode === 'passive' && record.replies === null) {
      await waitAtMost(record.settled, deadlineMs - (nowMs() - arrivedAt));
    }
    if (record.mode === 'passive' && record.replies !== null) {
      const xml = passiveReplyOf(record, push);
      if (xml !== null) return sendXml(reply, xml, verified.encrypted);
    } else if (record.replies === null) {
      // Too slow for the passive window: acknowledge now, the replies follow through the API.
      record.mode = 'async';
    }
    return reply.type('text/plain').send(platform.ack);
  }

  server.register(async (scope) => {
    // WeChat posts XML as text/xml (sometimes with no type at all); read every body as a string.
    scope.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: BODY_LIMIT },
      (_req, body, done) => done(null, body),
    );
    scope.get(platform.path, async (request, reply) => {
      const result = verifyUrl(request.query as Record<string, unknown>);
      if (result.status !== 200)
        logger.warn({ reason: result.body }, `${name}: URL verification failed`);
      return reply.code(result.status).type('text/plain').send(result.body);
    });
    scope.post(platform.path, { bodyLimit: BODY_LIMIT }, handlePush);
  });

  return {
    channel: platform.name,
    async deliver(target: DeliveryTarget, messages: OutboundMessage[]): Promise<void> {
      if (
        target.channel !== platform.name ||
        !target.conversationId.startsWith(platform.conversationPrefix)
      ) {
        logger.warn(
          { channel: target.channel, conversationId: target.conversationId },
          `${name}: asked to deliver to another channel; ignored`,
        );
        return;
      }
      menus.noteShown(target.conversationId, messages);
      await sendThroughApi(target.userId, outboundAsText(messages));
    },
  };
}
