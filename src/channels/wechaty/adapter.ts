// The wechaty channel: a personal WeChat (or WeCom) account driven through a wechaty puppet.
// Answers one-to-one chats and group messages that @mention the bot; everything else is ignored.
import { types, WechatyBuilder } from 'wechaty';
import type { Contact, Message, Room, Wechaty, WechatyOptions } from 'wechaty';
import type { ChannelOutlet, ConversationGateway, DeliveryTarget } from '../../core/gateway.ts';
import type {
  InboundContent,
  InboundMessage,
  MediaKind,
  OutboundMessage,
} from '../../core/message.ts';
import type { Json } from '../../store/types.ts';
import { guardGateway, type GuardOptions } from '../edge-policy.ts';
import { MenuMemory, outboundAsText } from '../text-menu.ts';

const APOLOGY = '对不起，系统暂时繁忙，请您稍后再试，谢谢。';

/** The part of a pino/fastify logger the channel uses. */
export interface WechatyChannelLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface WechatyChannelDeps {
  gateway: ConversationGateway;
  /** Built by main from WECHATY_PUPPET (see buildWechaty); tests inject one on wechaty-puppet-mock. */
  wechaty: Wechaty;
  logger?: WechatyChannelLogger;
  /** How long a numbered menu stays answerable by number. Default 30 min. */
  menuTtlMs?: number;
  /** Per-conversation rate limit and maximum length; `false` turns the guard off. */
  guard?: GuardOptions | false;
  clock?: () => Date;
}

export type WechatyChannel = ChannelOutlet & {
  start(): Promise<void>;
  stop(): Promise<void>;
};

/** Where a wechaty conversation lives: the customer, and the group when it is one. */
export interface WechatyChannelRef {
  contactId: string;
  roomId?: string;
}

const MEDIA_BY_TYPE: Partial<Record<types.Message, MediaKind>> = {
  [types.Message.Image]: 'image',
  [types.Message.Audio]: 'voice',
  [types.Message.Video]: 'video',
  [types.Message.Emoticon]: 'sticker',
  [types.Message.Attachment]: 'file',
  [types.Message.Location]: 'location',
  [types.Message.Url]: 'link',
  [types.Message.MiniProgram]: 'link',
};

/** Message kinds that are not something a customer said (recalls, system notes, money). */
const NOT_A_TURN = new Set<types.Message>([
  types.Message.Recalled,
  types.Message.GroupNote,
  types.Message.Transfer,
  types.Message.RedEnvelope,
]);

const noopLogger: WechatyChannelLogger = { info() {}, warn() {}, error() {} };

export function conversationIdOf(ref: WechatyChannelRef): string {
  return ref.roomId ? `wechaty:${ref.roomId}:${ref.contactId}` : `wechaty:${ref.contactId}`;
}

function readChannelRef(value: Json): WechatyChannelRef | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const { contactId, roomId } = value;
  if (typeof contactId !== 'string' || contactId === '') return null;
  if (roomId !== undefined && (typeof roomId !== 'string' || roomId === '')) return null;
  return roomId ? { contactId, roomId } : { contactId };
}

export function createWechatyChannel(deps: WechatyChannelDeps): WechatyChannel {
  const { wechaty } = deps;
  const logger = deps.logger ?? noopLogger;
  const clock = deps.clock ?? (() => new Date());
  const gateway =
    deps.guard === false ? deps.gateway : guardGateway(deps.gateway, deps.guard ?? {});
  const menus = new MenuMemory({
    now: () => clock().getTime(),
    ...(deps.menuTtlMs !== undefined ? { ttlMs: deps.menuTtlMs } : {}),
  });

  /** Says each text in the conversation; in a group the first one @mentions the customer. */
  async function say(
    talker: Contact,
    room: Room | undefined,
    messages: OutboundMessage[],
  ): Promise<void> {
    const texts = outboundAsText(messages);
    for (const [index, text] of texts.entries()) {
      if (room) {
        await (index === 0 ? room.say(text, talker) : room.say(text));
      } else {
        await talker.say(text);
      }
    }
  }

  /** What the customer said, or null when the message is not for the bot. */
  async function contentOf(
    message: Message,
    room: Room | undefined,
  ): Promise<InboundContent | null> {
    const type = message.type();
    if (NOT_A_TURN.has(type)) return null;
    if (room) {
      // In a group only an @mention is addressed to the bot (mentions exist on text only).
      if (type !== types.Message.Text || !(await message.mentionSelf())) return null;
      return { kind: 'text', text: (await message.mentionText()).trim() };
    }
    if (type === types.Message.Text) return { kind: 'text', text: message.text() };
    return { kind: 'media', media: MEDIA_BY_TYPE[type] ?? 'other' };
  }

  async function onMessage(message: Message): Promise<void> {
    if (message.self()) return;
    const talker = message.talker();
    // Official accounts and service notices are not customers.
    if (talker.type() === types.Contact.Official) return;
    const room = message.room();
    const content = await contentOf(message, room);
    if (content === null) return;
    const ref: WechatyChannelRef = room
      ? { contactId: talker.id, roomId: room.id }
      : { contactId: talker.id };
    const conversationId = conversationIdOf(ref);
    const inbound: InboundMessage = {
      channel: 'wechaty',
      conversationId,
      userId: talker.id,
      channelMessageId: message.id,
      receivedAt: clock().toISOString(),
      content: content.kind === 'text' ? menus.interpret(conversationId, content.text) : content,
      channelRef: { ...ref },
    };
    let replies: OutboundMessage[];
    try {
      replies = await gateway.handleInbound(inbound);
    } catch (error) {
      logger.error({ err: error, conversationId }, 'wechaty: turn failed');
      replies = [{ type: 'text', text: APOLOGY, from: 'system' }];
    }
    menus.noteShown(conversationId, replies);
    await say(talker, room, replies);
  }

  function listener(message: Message): void {
    onMessage(message).catch((error: unknown) => {
      logger.error({ err: error, messageId: message.id }, 'wechaty: handling a message failed');
    });
  }

  function onError(error: unknown): void {
    logger.error({ err: error }, 'wechaty: puppet error');
  }

  let listening = false;

  return {
    channel: 'wechaty',

    async start(): Promise<void> {
      if (!listening) {
        wechaty.on('message', listener);
        wechaty.on('error', onError);
        listening = true;
      }
      await wechaty.start();
    },

    async stop(): Promise<void> {
      if (listening) {
        wechaty.off('message', listener);
        wechaty.off('error', onError);
        listening = false;
      }
      await wechaty.stop();
    },

    async deliver(target: DeliveryTarget, messages: OutboundMessage[]): Promise<void> {
      if (target.channel !== 'wechaty') {
        logger.warn(
          { channel: target.channel, conversationId: target.conversationId },
          'wechaty: asked to deliver to another channel; ignored',
        );
        return;
      }
      const ref = readChannelRef(target.channelRef);
      if (!ref)
        throw new Error(`wechaty: conversation ${target.conversationId} has no usable channelRef`);
      const contact = await wechaty.Contact.find({ id: ref.contactId });
      if (!contact) throw new Error(`wechaty: contact of ${target.conversationId} not found`);
      let room: Room | undefined;
      if (ref.roomId) {
        room = await wechaty.Room.find({ id: ref.roomId });
        if (!room) throw new Error(`wechaty: group of ${target.conversationId} not found`);
      }
      menus.noteShown(target.conversationId, messages);
      await say(contact, room, messages);
    },
  };
}

export interface BuildWechatyOptions {
  /** Session name (wechaty keeps its login memory under it). Default 'securities-cs-bot'. */
  name?: string;
  /** Passed to the puppet (token, endpoint...). */
  puppetOptions?: Record<string, unknown>;
}

/** A Wechaty on the puppet named by WECHATY_PUPPET (e.g. 'wechaty-puppet-service'). */
export function buildWechaty(puppetName: string, options: BuildWechatyOptions = {}): Wechaty {
  if (!/^(@[a-z0-9-]+\/)?wechaty-puppet-[a-z0-9-]+$/.test(puppetName)) {
    throw new RangeError(`WECHATY_PUPPET must name a wechaty puppet package, got "${puppetName}"`);
  }
  const wechatyOptions = {
    name: options.name ?? 'securities-cs-bot',
    // wechaty resolves the name with a dynamic import; its type lists only the official puppets.
    puppet: puppetName,
    ...(options.puppetOptions ? { puppetOptions: options.puppetOptions } : {}),
  } as WechatyOptions;
  return WechatyBuilder.build(wechatyOptions);
}
