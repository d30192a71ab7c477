// WeChat Official Account and WeCom message crypto against the vectors published with Tencent's
// WXBizMsgCrypt samples (Java WXBizMsgCryptTest, Python Sample.py, C++ Sample.cpp, the WeCom
// sample), through the real webhooks where a push is involved. Neither side of these checks was
// produced by the product or by our test sender, so a mistake shared by both cannot pass.
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  registerWechatMpChannel,
  registerWecomChannel,
  WECOM_PATH,
} from '../../src/channels/wechat-mp/adapter.ts';
import { WechatMessageCrypto } from '../../src/channels/wechat-mp/crypto.ts';
import { parseWechatXml } from '../../src/channels/wechat-mp/xml.ts';
import { EchoGateway } from '../support/echo-gateway.ts';
import {
  FakeWechatSender,
  startFakeWechatApi,
  type FakeWechatApi,
} from '../support/fake-wechat-api.ts';

// Official Account samples: one key and token, the Java test's fixed 16 "random" bytes.
const OA_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const JAVA_TEST = {
  token: 'pamtest',
  appId: 'wxb11529c136998cb6',
  random: 'aaaabbbbccccdddd',
  replyMsg: '我是中文abcd123',
  afterAesEncrypt:
    'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
  replyMsg2:
    '<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>',
  afterAesEncrypt2:
    'jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb',
};

/** Encrypted pushes from the Python and C++ samples (same key, token "spamtest"). */
const SAMPLE_PUSHES = [
  {
    sample: 'Python Sample.py',
    timestamp: '1409735669',
    nonce: '1320562132',
    msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
    msgId: '6054768590064713728',
    encrypt:
      'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
  },
  {
    sample: 'C++ Sample.cpp',
    timestamp: '1410349438',
    nonce: '298025754',
    msgSignature: '003fee52ecc56afb46c00b5c7721be87860ce785',
    msgId: '6057404712141979648',
    encrypt:
      'mfBCs65c67CeJw22u4VT2TD73q5H06+ocrAIxswCaeZ/d/Lw0msSZFHY0teqgSYiI1zR2gD2DKrB3TIrmX/liNSDrGqS8jSI/WPeKB5VPr7Ezr7gomZAyGCwJSgT1TRFWPfONGJMxuj2nk4faTuspAuVIFQ6SHwZuJBZC7mcJp7Cgr9cUhATQWDbOPaE7ukZBTV2YqyzH+UI2AK+J1S47cE79k1RX8t0hcTz/O0hlK8DGXKnvYv88qKQcI7z4iaajqHfRVZKBNyOODabs+It+ZfM3dWTeFcPgDbGtIEnpt/EDtuuA/zMvtkaKdHdswPnVZQ+xdwbYr3ldGvfT8HlEYEgkgKaThxTFobVlwzu2ZkXCjicbP3xdr15Iq48ObgzPpqYuZ3IEoyggZDKClquk0u0orMck4GTF/XyE8yGzc4=',
  },
];
const SAMPLE_ACCOUNT = {
  token: 'spamtest',
  appId: 'wx2c2769f8efd9abc2',
  account: 'gh_10f6c3c3ac5a',
};
const SAMPLE_OPENID = 'oyORnuP8q7ou2gfYjqLzSIWZf0rs';

// The WeCom sample: a member "mycreate" writes "hello" to agent 218.
const WECOM_SAMPLE = {
  token: 'QDG6eK',
  corpId: 'wx5823bf96d3bd56c7',
  encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  agentId: 218,
  msgSignature: '477715d11cdb4164915debcba66cb864d751f3e6',
  timestamp: '1409659813',
  nonce: '1372623149',
  encrypt:
    'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
};

/** The plain-mode query signature, written here from the spec: sha1 of the sorted parts. */
function querySignature(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

const atSeconds = (timestamp: string) => () => new Date(Number(timestamp) * 1000 + 2_000);

let fakeApi: FakeWechatApi;
let server: FastifyInstance | null = null;
beforeAll(async () => {
  fakeApi = await startFakeWechatApi({ appId: SAMPLE_ACCOUNT.appId, appSecret: 'sample-secret' });
});
afterAll(async () => {
  await fakeApi.close();
});
afterEach(async () => {
  await server?.close();
  server = null;
});

async function officialAccount(gateway: EchoGateway, now: () => Date): Promise<FastifyInstance> {
  server = Fastify({ logger: false });
  registerWechatMpChannel(server, {
    gateway,
    clock: now,
    options: {
      token: SAMPLE_ACCOUNT.token,
      appId: SAMPLE_ACCOUNT.appId,
      appSecret: 'sample-secret',
      encodingAESKey: OA_KEY,
      apiBaseUrl: fakeApi.baseUrl,
      replyDeadlineMs: 1500,
      guard: false,
    },
  });
  await server.ready();
  return server;
}

describe('Official Account crypto: the Java sample test vectors', () => {
  const crypto = new WechatMessageCrypto(JAVA_TEST.token, OA_KEY, JAVA_TEST.appId);

  it('encrypts to the published ciphertext with the published random bytes', () => {
    const random = Buffer.from(JAVA_TEST.random);
    expect(crypto.encrypt(JAVA_TEST.replyMsg, random)).toBe(JAVA_TEST.afterAesEncrypt);
    expect(crypto.encrypt(JAVA_TEST.replyMsg2, random)).toBe(JAVA_TEST.afterAesEncrypt2);
  });

  it('decrypts the published ciphertexts back to the messages', () => {
    expect(crypto.decrypt(JAVA_TEST.afterAesEncrypt)).toEqual({
      ok: true,
      plaintext: JAVA_TEST.replyMsg,
    });
    expect(crypto.decrypt(JAVA_TEST.afterAesEncrypt2)).toEqual({
      ok: true,
      plaintext: JAVA_TEST.replyMsg2,
    });
  });
});

describe('Official Account webhook: the encrypted pushes of the Python and C++ samples', () => {
  it.each(SAMPLE_PUSHES)('takes the $sample push as the customer message it is', async (push) => {
    const gateway = new EchoGateway();
    const app = await officialAccount(gateway, atSeconds(push.timestamp));
    const response = await app.inject({
      method: 'POST',
      url: '/wechat/mp',
      query: {
        signature: querySignature(SAMPLE_ACCOUNT.token, push.timestamp, push.nonce),
        timestamp: push.timestamp,
        nonce: push.nonce,
        openid: SAMPLE_OPENID,
        encrypt_type: 'aes',
        msg_signature: push.msgSignature,
      },
      headers: { 'content-type': 'text/xml' },
      payload: `<xml><ToUserName><![CDATA[${SAMPLE_ACCOUNT.account}]]></ToUserName><Encrypt><![CDATA[${push.encrypt}]]></Encrypt></xml>`,
    });
    expect(response.statusCode).toBe(200);
    expect(gateway.received).toHaveLength(1);
    expect(gateway.received[0]).toMatchObject({
      channel: 'wechat-mp',
      userId: SAMPLE_OPENID,
      channelMessageId: push.msgId,
      content: { kind: 'text', text: 'abcdteT' },
    });
    // The passive reply is encrypted for the same account: an independent decryption reads it.
    const outer = parseWechatXml(response.body);
    if (!outer.ok) throw new Error(`not WeChat XML: ${response.body}`);
    const independent = new FakeWechatSender({
      token: SAMPLE_ACCOUNT.token,
      appId: SAMPLE_ACCOUNT.appId,
      encodingAESKey: OA_KEY,
    });
    const inner = independent.decrypt(outer.fields.Encrypt ?? '');
    expect(inner.appId).toBe(SAMPLE_ACCOUNT.appId);
    expect(inner.message).toContain(`<ToUserName><![CDATA[${SAMPLE_OPENID}]]></ToUserName>`);
    expect(inner.message).toContain('您好，收到：abcdteT');
  });

  it('refuses the sample push with one digit of its msg_signature changed', async () => {
    const [push] = SAMPLE_PUSHES;
    const gateway = new EchoGateway();
    const app = await officialAccount(gateway, atSeconds(push!.timestamp));
    const forged = push!.msgSignature.replace(/.$/, (d) => (d === '0' ? '1' : '0'));
    const response = await app.inject({
      method: 'POST',
      url: '/wechat/mp',
      query: {
        signature: querySignature(SAMPLE_ACCOUNT.token, push!.timestamp, push!.nonce),
        timestamp: push!.timestamp,
        nonce: push!.nonce,
        openid: SAMPLE_OPENID,
        encrypt_type: 'aes',
        msg_signature: forged,
      },
      headers: { 'content-type': 'text/xml' },
      payload: `<xml><ToUserName><![CDATA[${SAMPLE_ACCOUNT.account}]]></ToUserName><Encrypt><![CDATA[${push!.encrypt}]]></Encrypt></xml>`,
    });
    expect(response.statusCode).toBe(401);
    expect(gateway.received).toHaveLength(0);
  });
});

describe('WeCom webhook: the push of the WeCom sample', () => {
  it("takes the sample push for agent 218 as the member's message", async () => {
    const wecomApi = await startFakeWechatApi({
      platform: 'wecom',
      corpId: WECOM_SAMPLE.corpId,
      corpSecret: 'sample-corp-secret',
      agentId: WECOM_SAMPLE.agentId,
      members: ['mycreate'],
    });
    try {
      const gateway = new EchoGateway();
      server = Fastify({ logger: false });
      registerWecomChannel(server, {
        gateway,
        clock: atSeconds(WECOM_SAMPLE.timestamp),
        options: {
          token: WECOM_SAMPLE.token,
          corpId: WECOM_SAMPLE.corpId,
          agentId: WECOM_SAMPLE.agentId,
          secret: 'sample-corp-secret',
          encodingAESKey: WECOM_SAMPLE.encodingAESKey,
          apiBaseUrl: wecomApi.baseUrl,
          replyDeadlineMs: 1500,
          guard: false,
        },
      });
      await server.ready();
      const response = await server.inject({
        method: 'POST',
        url: WECOM_PATH,
        query: {
          msg_signature: WECOM_SAMPLE.msgSignature,
          timestamp: WECOM_SAMPLE.timestamp,
          nonce: WECOM_SAMPLE.nonce,
        },
        headers: { 'content-type': 'text/xml' },
        payload: `<xml><ToUserName><![CDATA[${WECOM_SAMPLE.corpId}]]></ToUserName><Encrypt><![CDATA[${WECOM_SAMPLE.encrypt}]]></Encrypt><AgentID><![CDATA[${WECOM_SAMPLE.agentId}]]></AgentID></xml>`,
      });
      expect(response.statusCode).toBe(200);
      expect(gateway.received).toHaveLength(1);
      expect(gateway.received[0]).toMatchObject({
        userId: 'mycreate',
        channelMessageId: '4561255354251345929',
        content: { kind: 'text', text: 'hello' },
      });
    } finally {
      await wecomApi.close();
    }
  });
});
