// WeChat safe-mode decryption against ciphertexts built here with node:crypto from the spec
// (AES-256-CBC, IV = first 16 key bytes, 16 random bytes + 4-byte length + message + appId, padded
// to 32), so every refusal path runs on a payload the product did not produce itself.
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WechatMessageCrypto } from '../../src/channels/wechat-mp/crypto.ts';

const ENCODING_AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const APP_ID = 'wx5823bf96d3bd56c7';
const KEY = Buffer.from(`${ENCODING_AES_KEY}=`, 'base64');

/** AES-256-CBC without automatic padding over `plain`, which must fill whole 16-byte blocks. */
function encryptRaw(plain: Buffer): string {
  const cipher = createCipheriv('aes-256-cbc', KEY, KEY.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

/** The spec's body: 16 random bytes, the message length (big-endian), message, receiver id. */
function body(message: string, receiver: string, declaredLength?: number): Buffer {
  const bytes = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(declaredLength ?? bytes.length, 0);
  return Buffer.concat([Buffer.alloc(16, 7), length, bytes, Buffer.from(receiver, 'utf8')]);
}

/** PKCS#7 with k = 32, as WeChat pads. */
function padded(plain: Buffer): Buffer {
  const pad = 32 - (plain.length % 32);
  return Buffer.concat([plain, Buffer.alloc(pad, pad)]);
}

function crypto(appId = APP_ID): WechatMessageCrypto {
  return new WechatMessageCrypto('QDG6eK', ENCODING_AES_KEY, appId);
}

describe('WechatMessageCrypto.decrypt', () => {
  it('reads a message whose padding is 1 byte and one whose padding is a whole 32-byte block', () => {
    // 16 + 4 + message + 18-byte appId = 31 bytes: one byte of padding.
    const onePad = body('<xml>一二三四ab</xml>', APP_ID);
    expect(onePad.length % 32).toBe(31);
    expect(crypto().decrypt(encryptRaw(padded(onePad)))).toEqual({
      ok: true,
      plaintext: '<xml>一二三四ab</xml>',
    });
    // 16 + 4 + 26 + 18 = 64 bytes: a full block of padding (value 32).
    const fullPad = body('abcdefghijklmnopqrstuvwxyz', APP_ID);
    expect(fullPad.length % 32).toBe(0);
    expect(padded(fullPad).length - fullPad.length).toBe(32);
    expect(crypto().decrypt(encryptRaw(padded(fullPad)))).toEqual({
      ok: true,
      plaintext: 'abcdefghijklmnopqrstuvwxyz',
    });
  });

  it('refuses padding bytes of 0, of more than 32 and of more than the ciphertext', () => {
    const badPadding = { ok: false, error: 'bad padding' };
    const block = body('hi', APP_ID).subarray(0, 32);
    expect(
      crypto().decrypt(encryptRaw(Buffer.concat([block.subarray(0, 31), Buffer.from([0])]))),
    ).toEqual(badPadding);
    const twoBlocks = Buffer.concat([body('hello there', APP_ID), Buffer.alloc(64)]).subarray(
      0,
      64,
    );
    twoBlocks[63] = 33;
    expect(crypto().decrypt(encryptRaw(twoBlocks))).toEqual(badPadding);
    // One 16-byte block claiming 17 bytes of padding.
    const oneBlock = Buffer.alloc(16, 17);
    expect(crypto().decrypt(encryptRaw(oneBlock))).toEqual(badPadding);
    // 16 bytes of padding on a 16-byte block leaves nothing: too short, not bad padding.
    expect(crypto().decrypt(encryptRaw(Buffer.alloc(16, 16)))).toEqual({
      ok: false,
      error: 'plaintext too short',
    });
  });

  it('needs 20 bytes of header: 19 are too short, 20 with an empty message are read', () => {
    const nineteen = Buffer.concat([Buffer.alloc(19, 1), Buffer.alloc(13, 13)]);
    expect(crypto().decrypt(encryptRaw(nineteen))).toEqual({
      ok: false,
      error: 'plaintext too short',
    });
    // Exactly the header, message and receiver empty: read, then refused for the receiver.
    const headerOnly = body('', '');
    expect(headerOnly.length).toBe(20);
    expect(crypto().decrypt(encryptRaw(padded(headerOnly)))).toEqual({
      ok: false,
      error: 'message is for another appId',
    });
    expect(crypto('').decrypt(encryptRaw(padded(headerOnly)))).toEqual({ ok: true, plaintext: '' });
  });

  it('refuses a declared length beyond the body, and reads one that ends exactly at the body', () => {
    const tooLong = body('hello', APP_ID, 5 + APP_ID.length + 1);
    expect(crypto().decrypt(encryptRaw(padded(tooLong)))).toEqual({
      ok: false,
      error: 'bad message length',
    });
    const huge = body('hello', APP_ID, 0xffff_fff0);
    expect(crypto().decrypt(encryptRaw(padded(huge)))).toEqual({
      ok: false,
      error: 'bad message length',
    });
    // The length swallows the appId: nothing is left for the receiver, so it is not ours.
    const swallowed = body('hello', APP_ID, 5 + APP_ID.length);
    expect(crypto().decrypt(encryptRaw(padded(swallowed)))).toEqual({
      ok: false,
      error: 'message is for another appId',
    });
  });

  it('refuses a message for another appId and ciphertext that is not whole AES blocks', () => {
    expect(crypto().decrypt(encryptRaw(padded(body('hi', 'wxOther'))))).toEqual({
      ok: false,
      error: 'message is for another appId',
    });
    expect(crypto().decrypt(Buffer.alloc(20, 1).toString('base64'))).toEqual({
      ok: false,
      error: 'ciphertext is not a whole number of AES blocks',
    });
  });

  it('encrypts multi-byte text so that an independent AES decryption reads the spec layout', () => {
    const random = Buffer.from('0123456789abcdef');
    const encrypted = crypto().encrypt('开户 OK', random);
    expect(encrypted).toBe(
      encryptRaw(padded(Buffer.concat([random, body('开户 OK', APP_ID).subarray(16)]))),
    );
  });
});

describe('WechatMessageCrypto construction', () => {
  it('takes exactly 43 base64 characters as the EncodingAESKey', () => {
    const message = 'the WeChat EncodingAESKey must be 43 base64 characters';
    expect(() => crypto()).not.toThrow();
    expect(() => new WechatMessageCrypto('t', ENCODING_AES_KEY.slice(1), APP_ID)).toThrow(message);
    expect(() => new WechatMessageCrypto('t', `${ENCODING_AES_KEY}A`, APP_ID)).toThrow(message);
    expect(() => new WechatMessageCrypto('t', `x${ENCODING_AES_KEY}`, APP_ID)).toThrow(RangeError);
    expect(() => new WechatMessageCrypto('t', `${ENCODING_AES_KEY.slice(0, 42)}=`, APP_ID)).toThrow(
      RangeError,
    );
    expect(() => new WechatMessageCrypto('t', '-'.repeat(43), APP_ID)).toThrow(RangeError);
    expect(() => new WechatMessageCrypto('t', '', APP_ID)).toThrow(RangeError);
  });
});
