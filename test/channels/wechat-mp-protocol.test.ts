import { describe, expect, it } from 'vitest';
import {
  WechatMessageCrypto,
  signatureMatches,
  wechatSignature,
} from '../../src/channels/wechat-mp/crypto.ts';
import { splitText } from '../../src/channels/wechat-mp/split.ts';
import { readWechatCallback } from '../../src/channels/wechat-mp/translate.ts';
import { buildWechatXml, parseWechatXml } from '../../src/channels/wechat-mp/xml.ts';
import { FakeWechatSender } from '../support/fake-wechat-api.ts';

// The official WXBizMsgCrypt sample (WeCom / Official Account safe mode).
const SAMPLE = {
  token: 'QDG6eK',
  appId: 'wx5823bf96d3bd56c7',
  encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  push: {
    msgSignature: '477715d11cdb4164915debcba66cb864d751f3e6',
    timestamp: '1409659813',
    nonce: '1372623149',
    encrypt:
      'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
  },
};

describe('WeChat message crypto', () => {
  const crypto = new WechatMessageCrypto(SAMPLE.token, SAMPLE.encodingAESKey, SAMPLE.appId);

  it('verifies and decrypts the official sample push', () => {
    const { push } = SAMPLE;
    expect(crypto.signature(push.timestamp, push.nonce, push.encrypt)).toBe(push.msgSignature);
    const decrypted = crypto.decrypt(push.encrypt);
    expect(decrypted.ok).toBe(true);
    if (!decrypted.ok) return;
    const fields = parseWechatXml(decrypted.plaintext);
    expect(fields).toEqual({
      ok: true,
      fields: {
        ToUserName: 'wx5823bf96d3bd56c7',
        FromUserName: 'mycreate',
        CreateTime: '1409659813',
        MsgType: 'text',
        Content: 'hello',
        MsgId: '4561255354251345929',
        AgentID: '218',
      },
    });
  });

  it('agrees with the independent test sender both ways, including multi-byte text', () => {
    const sender = new FakeWechatSender(SAMPLE);
    const xml = '<xml><Content><![CDATA[这是一个中文测试 a test]]></Content></xml>';
    const decrypted = crypto.decrypt(sender.encrypt(xml));
    expect(decrypted).toEqual({ ok: true, plaintext: xml });
    const random = Buffer.from('aaaabbbbccccdddd');
    expect(crypto.encrypt(xml, random)).toBe(sender.encrypt(xml, random));
    expect(sender.decrypt(crypto.encrypt(xml))).toEqual({ message: xml, appId: SAMPLE.appId });
  });

  it('refuses tampered ciphertext, a foreign appId and a bad key', () => {
    const sender = new FakeWechatSender(SAMPLE);
    expect(crypto.decrypt(sender.encrypt('<xml/>', undefined, 'wxOther')).ok).toBe(false);
    expect(crypto.decrypt('bm90LWEtYmxvY2s=').ok).toBe(false);
    const bytes = Buffer.from(SAMPLE.push.encrypt, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    expect(crypto.decrypt(bytes.toString('base64')).ok).toBe(false);
    expect(() => new WechatMessageCrypto('t', 'short', 'wx')).toThrow(RangeError);
  });

  it('signs plain pushes as sha1 of the sorted token, timestamp and nonce', () => {
    const expected = wechatSignature('1409735669', 'spamtest', '1320562132');
    expect(wechatSignature('spamtest', '1409735669', '1320562132')).toBe(expected);
    expect(signatureMatches(expected.toUpperCase(), expected)).toBe(true);
    expect(signatureMatches(undefined, expected)).toBe(false);
    expect(signatureMatches(expected.slice(1), expected)).toBe(false);
  });
});

describe('WeChat XML', () => {
  it('reads CDATA, bare values, entities and one level of nesting', () => {
    const parsed = parseWechatXml(
      '<?xml version="1.0"?>\n<xml>\n <Content><![CDATA[a < b ]]]]><![CDATA[> c]]></Content>\n' +
        ' <CreateTime>1348831860</CreateTime><Label>A &amp; B</Label>' +
        '<SendLocationInfo><Location_X><![CDATA[23.1]]></Location_X></SendLocationInfo><Empty/></xml>',
    );
    expect(parsed).toEqual({
      ok: true,
      fields: {
        Content: 'a < b ]]> c',
        CreateTime: '1348831860',
        Label: 'A & B',
        Location_X: '23.1',
        Empty: '',
      },
    });
  });

  it.each([
    ['not xml', 'hello'],
    ['other root', '<root><a>1</a></root>'],
    ['unclosed', '<xml><a>1</xml>'],
    ['entity declaration', '<!DOCTYPE xml [<!ENTITY x "y">]><xml><a>&x;</a></xml>'],
    ['unknown entity', '<xml><a>&nbsp;</a></xml>'],
    ['bare ampersand', '<xml><a>A & B</a></xml>'],
    ['attributes', '<xml><a x="1">1</a></xml>'],
  ])('rejects %s', (_name, input) => {
    expect(parseWechatXml(input).ok).toBe(false);
  });

  it('builds XML that survives "]]>" in a value', () => {
    const xml = buildWechatXml({ Content: 'x]]>y', CreateTime: 12 });
    expect(xml).toBe(
      '<xml><Content><![CDATA[x]]]]><![CDATA[>y]]></Content><CreateTime>12</CreateTime></xml>',
    );
    expect(parseWechatXml(xml)).toEqual({
      ok: true,
      fields: { Content: 'x]]>y', CreateTime: '12' },
    });
  });
});

describe('readWechatCallback', () => {
  const base = { ToUserName: 'gh_1', FromUserName: 'o1', CreateTime: '1700000000' };

  it('keys retries by MsgId, events by sender and time', () => {
    expect(
      readWechatCallback({ ...base, MsgType: 'text', Content: 'hi', MsgId: '42' }),
    ).toMatchObject({
      kind: 'turn',
      dedupeKey: 'msg:42',
      content: { kind: 'text', text: 'hi' },
    });
    expect(readWechatCallback({ ...base, MsgType: 'event', Event: 'subscribe' })).toMatchObject({
      kind: 'turn',
      dedupeKey: 'event:o1:1700000000:subscribe',
      content: { kind: 'event', event: 'conversation_start' },
    });
    expect(readWechatCallback({ ...base, MsgType: 'event', Event: 'CLICK' }).kind).toBe('ignore');
    expect(readWechatCallback({ ...base, MsgType: 'shortvideo', MsgId: '1' })).toMatchObject({
      content: { kind: 'media', media: 'video' },
    });
    expect(readWechatCallback({ ...base, MsgType: 'hologram', MsgId: '2' })).toMatchObject({
      content: { kind: 'media', media: 'other' },
    });
    expect(readWechatCallback({ MsgType: 'text' }).kind).toBe('invalid');
  });
});

describe('splitText', () => {
  it('keeps short text whole and cuts long text at sentence ends within the limit', () => {
    expect(splitText('您好。', { maxChars: 600 })).toEqual(['您好。']);
    const sentence = '请您携带本人身份证原件办理。';
    const pieces = splitText(sentence.repeat(10), { maxChars: 40 });
    expect(pieces.every((piece) => [...piece].length <= 40)).toBe(true);
    expect(pieces.every((piece) => piece.endsWith('。'))).toBe(true);
    expect(pieces.join('')).toBe(sentence.repeat(10));
  });

  it('respects a byte limit with multi-byte characters and never splits a character', () => {
    const text = '证'.repeat(1000) + '😀'.repeat(10);
    const pieces = splitText(text, { maxBytes: 2000 });
    expect(pieces.every((piece) => Buffer.byteLength(piece) <= 2000)).toBe(true);
    expect(pieces.join('')).toBe(text);
    expect(pieces.some((piece) => piece.includes('\uFFFD'))).toBe(false);
  });

  it('prefers paragraph breaks over sentence ends', () => {
    const text = `${'第一段。'.repeat(5)}\n\n${'第二段。'.repeat(5)}`;
    expect(splitText(text, { maxChars: 30 })).toEqual(['第一段。'.repeat(5), '第二段。'.repeat(5)]);
  });
});
