// WeChat callback fields to our vocabulary, and our replies to WeChat's passive-reply XML.
import type { InboundContent, MediaKind } from '../../core/message.ts';
import { buildWechatXml, type WechatFields } from './xml.ts';

/** One callback, read: a customer turn, something to acknowledge and drop, or malformed input. */
export type WechatCallback =
  | {
      kind: 'turn';
      /** The customer's openid (FromUserName). */
      openId: string;
      /** Our account's id (ToUserName): the sender of a passive reply. */
      accountId: string;
      /** Identifies WeChat's retries of the same push. */
      dedupeKey: string;
      msgId?: string;
      createTime: number;
      content: InboundContent;
    }
  | { kind: 'ignore'; reason: string }
  | { kind: 'invalid'; error: string };

const MEDIA_BY_MSG_TYPE: Record<string, MediaKind> = {
  image: 'image',
  voice: 'voice',
  video: 'video',
  shortvideo: 'video',
  location: 'location',
  link: 'link',
  file: 'file',
  miniprogrampage: 'link',
};

export function readWechatCallback(fields: WechatFields): WechatCallback {
  const openId = fields.FromUserName ?? '';
  const accountId = fields.ToUserName ?? '';
  const msgType = (fields.MsgType ?? '').toLowerCase();
  const createTime = Number(fields.CreateTime);
  if (openId === '' || accountId === '' || msgType === '' || !Number.isFinite(createTime)) {
    return {
      kind: 'invalid',
      error: 'FromUserName, ToUserName, MsgType and CreateTime are required',
    };
  }
  const msgId = fields.MsgId ?? fields.MsgID;
  const base = {
    openId,
    accountId,
    createTime,
    ...(msgId ? { msgId } : {}),
  };

  if (msgType === 'event') {
    const event = (fields.Event ?? '').toLowerCase();
    // Events carry no MsgId: WeChat's documented retry key is FromUserName + CreateTime.
    const dedupeKey = `event:${openId}:${createTime}:${event}`;
    if (event === 'subscribe') {
      return {
        kind: 'turn',
        ...base,
        dedupeKey,
        content: { kind: 'event', event: 'conversation_start' },
      };
    }
    if (event === 'unsubscribe') return { kind: 'ignore', reason: 'unsubscribed' };
    return { kind: 'ignore', reason: `event ${event || '(none)'} is not a conversation turn` };
  }

  const dedupeKey = msgId ? `msg:${msgId}` : `msg:${openId}:${createTime}:${msgType}`;
  if (msgType === 'text') {
    return {
      kind: 'turn',
      ...base,
      dedupeKey,
      content: { kind: 'text', text: fields.Content ?? '' },
    };
  }
  // With speech recognition switched on WeChat sends the transcript: answer it like typed text.
  const recognition = (fields.Recognition ?? '').trim();
  if (msgType === 'voice' && recognition !== '') {
    return { kind: 'turn', ...base, dedupeKey, content: { kind: 'text', text: recognition } };
  }
  const media = MEDIA_BY_MSG_TYPE[msgType] ?? 'other';
  return { kind: 'turn', ...base, dedupeKey, content: { kind: 'media', media } };
}

/** The passive reply XML for one text (plaintext; safe mode encrypts it afterwards). */
export function passiveTextReply(options: {
  openId: string;
  accountId: string;
  createTime: number;
  content: string;
}): string {
  return buildWechatXml({
    ToUserName: options.openId,
    FromUserName: options.accountId,
    CreateTime: options.createTime,
    MsgType: 'text',
    Content: options.content,
  });
}
