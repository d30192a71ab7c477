// The WeChat side of the channel, locally: a stand-in for api.weixin.qq.com on 127.0.0.1 (access
// tokens, customer-service messages, real errcodes) or, started with WeCom credentials, for
// qyapi.weixin.qq.com (gettoken with corpid/corpsecret, application messages through message/send
// with the agentid), and the sender that signs and encrypts pushes as either platform does.
// The crypto here is written independently of src/ and checked against WeChat's official vectors.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CustomSendRecord {
  touser: string;
  msgtype: string;
  content: string;
  accessToken: string;
  /** WeCom message/send only: the app the message was sent as. */
  agentid?: number;
}

export type FakeWechatCredentials =
  | { appId: string; appSecret: string }
  | {
      platform: 'wecom';
      corpId: string;
      corpSecret: string;
      agentId: number;
      /** Members visible to the app; others are refused (invaliduser / 81013). Default: anyone. */
      members?: string[];
    };

export interface FakeWechatApi {
  /** e.g. http://127.0.0.1:41234 — pass as apiBaseUrl. */
  baseUrl: string;
  /** Texts accepted by /cgi-bin/message/custom/send (WeCom: /cgi-bin/message/send), in order. */
  sent: CustomSendRecord[];
  /** How many tokens /cgi-bin/token (WeCom: /cgi-bin/gettoken) handed out. */
  tokenRequests: number;
  /** Every send call, accepted or not (errcode returned). */
  sendAttempts: { accessToken: string; errcode: number }[];
  /**
   * The next send answers "token expired" once and forgets the token, as the platform does after a
   * rotation: 40001 by default on the Official Account, 42001 on WeCom (or 40014, invalid token).
   */
  expireTokenOnce(errcode?: 40001 | 40014 | 42001): void;
  /** Resolves when `count` messages have been accepted. */
  waitForSent(count: number, timeoutMs?: number): Promise<CustomSendRecord[]>;
  close(): Promise<void>;
}

export async function startFakeWechatApi(
  credentials: FakeWechatCredentials,
): Promise<FakeWechatApi> {
  const wecom = 'platform' in credentials ? credentials : null;
  let tokenSerial = 0;
  const validTokens = new Set<string>();
  let pendingExpiry: 40001 | 40014 | 42001 | null = null;
  const waiters: { count: number; resolve: () => void }[] = [];

  const api: FakeWechatApi = {
    baseUrl: '',
    sent: [],
    tokenRequests: 0,
    sendAttempts: [],
    expireTokenOnce(errcode) {
      pendingExpiry = errcode ?? (wecom ? 42001 : 40001);
    },
    waitForSent(count, timeoutMs = 5000) {
      if (api.sent.length >= count) return Promise.resolve(api.sent);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `fake WeChat API: ${api.sent.length}/${count} messages after ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(api.sent);
          },
        });
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  function json(response: ServerResponse, body: object): void {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(body));
  }

  async function readBody(request: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  function accepted(record: CustomSendRecord): void {
    api.sendAttempts.push({ accessToken: record.accessToken, errcode: 0 });
    api.sent.push(record);
    for (const waiter of [...waiters]) {
      if (api.sent.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  function issueToken(): string {
    api.tokenRequests += 1;
    tokenSerial += 1;
    const token = `fake-${wecom ? 'wecom-' : ''}token-${tokenSerial}`;
    validTokens.add(token);
    return token;
  }

  /** The token check every send starts with; answers and returns null when it fails. */
  function checkToken(url: URL, response: ServerResponse): string | null {
    const accessToken = url.searchParams.get('access_token') ?? '';
    if (accessToken === '') {
      api.sendAttempts.push({ accessToken, errcode: 41001 });
      json(response, { errcode: 41001, errmsg: 'access_token missing' });
      return null;
    }
    if (!validTokens.has(accessToken)) {
      const errcode = wecom ? 40014 : 40001;
      api.sendAttempts.push({ accessToken, errcode });
      json(response, {
        errcode,
        errmsg: wecom ? 'invalid access_token' : 'invalid credential, access_token is invalid',
      });
      return null;
    }
    if (pendingExpiry !== null) {
      const errcode = pendingExpiry;
      pendingExpiry = null;
      validTokens.delete(accessToken);
      api.sendAttempts.push({ accessToken, errcode });
      json(response, { errcode, errmsg: 'access_token expired' });
      return null;
    }
    return accessToken;
  }

  /** qyapi.weixin.qq.com: gettoken and message/send of a self-built app. */
  async function handleWecom(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    app: Extract<FakeWechatCredentials, { platform: 'wecom' }>,
  ): Promise<void> {
    if (request.method === 'GET' && url.pathname === '/cgi-bin/gettoken') {
      const q = url.searchParams;
      if (q.get('corpid') !== app.corpId) {
        return json(response, { errcode: 40013, errmsg: 'invalid corpid' });
      }
      if (q.get('corpsecret') !== app.corpSecret) {
        return json(response, { errcode: 40001, errmsg: 'invalid credential' });
      }
      return json(response, {
        errcode: 0,
        errmsg: 'ok',
        access_token: issueToken(),
        expires_in: 7200,
      });
    }
    if (request.method === 'POST' && url.pathname === '/cgi-bin/message/send') {
      const accessToken = checkToken(url, response);
      if (accessToken === null) return;
      let body: {
        touser?: unknown;
        msgtype?: unknown;
        agentid?: unknown;
        text?: { content?: unknown };
      };
      try {
        body = JSON.parse(await readBody(request)) as typeof body;
      } catch {
        return json(response, { errcode: 40035, errmsg: 'invalid args' });
      }
      if (body.agentid === undefined) {
        return json(response, { errcode: 41011, errmsg: 'missing agentid' });
      }
      if (Number(body.agentid) !== app.agentId) {
        return json(response, { errcode: 40056, errmsg: 'invalid agentid' });
      }
      const content = body.text?.content;
      if (
        typeof body.touser !== 'string' ||
        body.msgtype !== 'text' ||
        typeof content !== 'string'
      ) {
        return json(response, { errcode: 40008, errmsg: 'invalid message type' });
      }
      if (content === '') return json(response, { errcode: 44004, errmsg: 'empty content' });
      if (Buffer.byteLength(content, 'utf8') > 2048) {
        return json(response, { errcode: 45002, errmsg: 'content size out of limit' });
      }
      const users = body.touser.split('|');
      const invalid = app.members ? users.filter((u) => !app.members!.includes(u)) : [];
      if (invalid.length === users.length) {
        return json(response, { errcode: 81013, errmsg: 'user & party & tag all invalid' });
      }
      accepted({
        touser: body.touser,
        msgtype: body.msgtype,
        content,
        accessToken,
        agentid: Number(body.agentid),
      });
      return json(response, {
        errcode: 0,
        errmsg: 'ok',
        invaliduser: invalid.join('|'),
        msgid: `fake-msgid-${api.sent.length}`,
      });
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ errcode: 404, errmsg: 'not found' }));
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if ('platform' in credentials) return handleWecom(request, response, url, credentials);
    if (request.method === 'GET' && url.pathname === '/cgi-bin/token') {
      const q = url.searchParams;
      if (q.get('grant_type') !== 'client_credential') {
        return json(response, { errcode: 40002, errmsg: 'invalid grant_type' });
      }
      if (q.get('appid') !== credentials.appId) {
        return json(response, { errcode: 40013, errmsg: 'invalid appid' });
      }
      if (q.get('secret') !== credentials.appSecret) {
        return json(response, { errcode: 40125, errmsg: 'invalid appsecret' });
      }
      return json(response, { access_token: issueToken(), expires_in: 7200 });
    }
    if (request.method === 'POST' && url.pathname === '/cgi-bin/message/custom/send') {
      const accessToken = checkToken(url, response);
      if (accessToken === null) return;
      let body: { touser?: unknown; msgtype?: unknown; text?: { content?: unknown } };
      try {
        body = JSON.parse(await readBody(request)) as typeof body;
      } catch {
        return json(response, { errcode: 47001, errmsg: 'data format error' });
      }
      const content = body.text?.content;
      if (
        typeof body.touser !== 'string' ||
        body.msgtype !== 'text' ||
        typeof content !== 'string'
      ) {
        return json(response, { errcode: 47001, errmsg: 'data format error' });
      }
      if (content === '') return json(response, { errcode: 44004, errmsg: 'empty content' });
      if (Buffer.byteLength(content, 'utf8') > 2048) {
        return json(response, { errcode: 45002, errmsg: 'content size out of limit' });
      }
      accepted({ touser: body.touser, msgtype: body.msgtype, content, accessToken });
      return json(response, { errcode: 0, errmsg: 'ok' });
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ errcode: 404, errmsg: 'not found' }));
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

export interface WechatSenderConfig {
  token: string;
  /** The Official Account appId, or the WeCom CorpID (the receive id inside the ciphertext). */
  appId: string;
  encodingAESKey?: string;
}

/** The fields of flat callback XML (CDATA or bare values), read independently of src/. */
export function readFlatXml(xml: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of xml.matchAll(/<(\w+)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)) {
    fields[match[1]!] = match[2] ?? match[3] ?? '';
  }
  return fields;
}

function sha1Sorted(...parts: string[]): string {
  return createHash('sha1').update(parts.sort().join('')).digest('hex');
}

/** Signs and encrypts what WeChat's servers push to the webhook, and opens encrypted replies. */
export class FakeWechatSender {
  constructor(private readonly config: WechatSenderConfig) {}

  private aesKey(): Buffer {
    if (!this.config.encodingAESKey) throw new Error('this sender has no EncodingAESKey');
    return Buffer.from(`${this.config.encodingAESKey}=`, 'base64');
  }

  /** Query of a plain-mode push or URL check. */
  plainQuery(timestamp: string, nonce: string): Record<string, string> {
    return { signature: sha1Sorted(this.config.token, timestamp, nonce), timestamp, nonce };
  }

  /** random(16) + length(4, big-endian) + message + appId, PKCS#7-padded to 32 bytes, AES-256-CBC. */
  encrypt(plaintext: string, random: Buffer = randomBytes(16), appId = this.config.appId): string {
    const key = this.aesKey();
    const message = Buffer.from(plaintext, 'utf8');
    const header = Buffer.alloc(20);
    random.copy(header, 0, 0, 16);
    header.writeUInt32BE(message.length, 16);
    const raw = Buffer.concat([header, message, Buffer.from(appId, 'utf8')]);
    const padLength = 32 - (raw.length % 32);
    const padded = Buffer.concat([raw, Buffer.alloc(padLength, padLength)]);
    const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
  }

  decrypt(encrypted: string): { message: string; appId: string } {
    const key = this.aesKey();
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(
      false,
    );
    const padded = Buffer.concat([
      decipher.update(Buffer.from(encrypted, 'base64')),
      decipher.final(),
    ]);
    const raw = padded.subarray(0, padded.length - (padded[padded.length - 1] ?? 0));
    const length = raw.readUInt32BE(16);
    return {
      message: raw.subarray(20, 20 + length).toString('utf8'),
      appId: raw.subarray(20 + length).toString('utf8'),
    };
  }

  msgSignature(timestamp: string, nonce: string, encrypted: string): string {
    return sha1Sorted(this.config.token, timestamp, nonce, encrypted);
  }

  /** Query and body of a safe-mode push of `xml`, as the Official Account platform sends it. */
  encryptedPush(
    xml: string,
    timestamp: string,
    nonce: string,
  ): { query: Record<string, string>; body: string } {
    const encrypted = this.encrypt(xml);
    return {
      query: {
        ...this.plainQuery(timestamp, nonce),
        encrypt_type: 'aes',
        msg_signature: this.msgSignature(timestamp, nonce, encrypted),
      },
      body: `<xml><ToUserName><![CDATA[gh_fake]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
    };
  }

  /** A WeCom URL check: `echo` encrypted for the CorpID, signed with msg_signature only. */
  wecomVerifyQuery(echo: string, timestamp: string, nonce: string): Record<string, string> {
    const echostr = this.encrypt(echo);
    return {
      msg_signature: this.msgSignature(timestamp, nonce, echostr),
      timestamp,
      nonce,
      echostr,
    };
  }

  /**
   * A WeCom callback of `xml`: the query carries msg_signature, timestamp and nonce only (WeCom has
   * no plain mode), the body ToUserName (the CorpID), AgentID and Encrypt. `receiveId` overrides the
   * CorpID put inside the ciphertext (a message for another enterprise).
   */
  wecomPush(
    xml: string,
    timestamp: string,
    nonce: string,
    agentId: number,
    receiveId = this.config.appId,
  ): { query: Record<string, string>; body: string } {
    const encrypted = this.encrypt(xml, randomBytes(16), receiveId);
    return {
      query: { msg_signature: this.msgSignature(timestamp, nonce, encrypted), timestamp, nonce },
      body:
        `<xml><ToUserName><![CDATA[${receiveId}]]></ToUserName>` +
        `<Encrypt><![CDATA[${encrypted}]]></Encrypt><AgentID><![CDATA[${agentId}]]></AgentID></xml>`,
    };
  }

  /**
   * Opens an encrypted passive reply as the platform does: checks MsgSignature over its own
   * TimeStamp, Nonce and Encrypt, decrypts, checks the receive id; returns the inner XML's fields.
   */
  openEncryptedReply(body: string): Record<string, string> {
    const outer = readFlatXml(body);
    const { Encrypt: encrypt, MsgSignature: signature, TimeStamp: timestamp, Nonce: nonce } = outer;
    if (!encrypt || !signature || !timestamp || !nonce) {
      throw new Error(`not an encrypted reply: ${body}`);
    }
    if (this.msgSignature(timestamp, nonce, encrypt) !== signature) {
      throw new Error('the reply MsgSignature does not match');
    }
    const { message, appId } = this.decrypt(encrypt);
    if (appId !== this.config.appId) throw new Error(`reply encrypted for ${appId}`);
    return readFlatXml(message);
  }
}
