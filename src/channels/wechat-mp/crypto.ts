// WeChat's callback signatures and "safe mode" message encryption (WXBizMsgCrypt): both the
// Official Account and WeCom use the same scheme, so this module serves either.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** sha1 over the lexicographically sorted, concatenated parts, as lowercase hex. */
export function wechatSignature(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

/** Constant-time comparison of a received hex signature with the expected one. */
export function signatureMatches(received: unknown, expected: string): boolean {
  if (typeof received !== 'string' || received.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(received.toLowerCase()), Buffer.from(expected));
}

export type DecryptResult = { ok: true; plaintext: string } | { ok: false; error: string };

const BLOCK = 32; // WeChat pads to 32 bytes (PKCS#7 with k = 32), not to the AES block size.

/** AES-256-CBC as WeChat does it: key from the 43-char EncodingAESKey, IV = key's first 16 bytes. */
export class WechatMessageCrypto {
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(
    private readonly token: string,
    encodingAESKey: string,
    /** The Official Account appId, or the WeCom corpId (the "receiveid" of the spec). */
    private readonly appId: string,
  ) {
    if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAESKey)) {
      throw new RangeError('the WeChat EncodingAESKey must be 43 base64 characters');
    }
    this.key = Buffer.from(encodingAESKey + '=', 'base64');
    this.iv = this.key.subarray(0, 16);
  }

  /** msg_signature for an encrypted payload. */
  signature(timestamp: string, nonce: string, encrypted: string): string {
    return wechatSignature(this.token, timestamp, nonce, encrypted);
  }

  /** Decrypts a base64 `Encrypt` value and checks that it was meant for this appId. */
  decrypt(encrypted: string): DecryptResult {
    let padded: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv);
      decipher.setAutoPadding(false);
      padded = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
    } catch {
      return { ok: false, error: 'ciphertext is not a whole number of AES blocks' };
    }
    const pad = padded[padded.length - 1] ?? 0;
    if (pad < 1 || pad > BLOCK || pad > padded.length) return { ok: false, error: 'bad padding' };
    const body = padded.subarray(0, padded.length - pad);
    if (body.length < 20) return { ok: false, error: 'plaintext too short' };
    const length = body.readUInt32BE(16);
    if (20 + length > body.length) return { ok: false, error: 'bad message length' };
    const receiver = body.subarray(20 + length).toString('utf8');
    if (receiver !== this.appId) return { ok: false, error: 'message is for another appId' };
    return { ok: true, plaintext: body.subarray(20, 20 + length).toString('utf8') };
  }

  /** Encrypts `plaintext` for WeChat: 16 random bytes, length, message, appId, padded. */
  encrypt(plaintext: string, random: Buffer = randomBytes(16)): string {
    const message = Buffer.from(plaintext, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(message.length, 0);
    const body = Buffer.concat([random, length, message, Buffer.from(this.appId, 'utf8')]);
    const pad = BLOCK - (body.length % BLOCK);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([
      cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])),
      cipher.final(),
    ]).toString('base64');
  }
}
