import { types, WechatyBuilder } from 'wechaty';
import { mock, PuppetMock } from 'wechaty-puppet-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildWechaty,
  createWechatyChannel,
  type WechatyChannel,
} from '../../src/channels/wechaty/adapter.ts';
import { accountMenuOrEcho, echo, EchoGateway } from '../support/echo-gateway.ts';

type MockMessage = InstanceType<typeof mock.MessageMock>;
type MockContact = InstanceType<typeof mock.ContactMock>;
type MockRoom = InstanceType<typeof mock.RoomMock>;
/** The event side of a mock contact or room (its typed-emitter typings do not survive a union). */
interface MessageSource {
  on(event: 'message', listener: (message: MockMessage) => void): unknown;
  off(event: 'message', listener: (message: MockMessage) => void): unknown;
}

/** Resolves with the next `count` messages the emitter (a mock contact or room) receives. */
function nextMessages(
  source: MockContact | MockRoom,
  count: number,
  timeoutMs = 5000,
): Promise<MockMessage[]> {
  const emitter = source as unknown as MessageSource;
  return new Promise((resolve, reject) => {
    const seen: MockMessage[] = [];
    const timer = setTimeout(() => {
      emitter.off('message', onMessage);
      reject(
        new Error(`got ${seen.length}/${count} messages: ${seen.map((m) => m.text()).join(' | ')}`),
      );
    }, timeoutMs);
    function onMessage(message: MockMessage): void {
      seen.push(message);
      if (seen.length >= count) {
        clearTimeout(timer);
        emitter.off('message', onMessage);
        resolve(seen);
      }
    }
    emitter.on('message', onMessage);
  });
}

const mocker = new mock.Mocker();
const gateway = new EchoGateway();
let channel: WechatyChannel;
let bot: MockContact;

beforeAll(async () => {
  const wechaty = WechatyBuilder.build({ puppet: new PuppetMock({ mocker }) });
  channel = createWechatyChannel({ gateway, wechaty, guard: false });
  await channel.start();
  bot = mocker.createContact({ name: '证券客服小助手' });
  mocker.login(bot);
  await new Promise<void>((resolve) => wechaty.once('login', () => resolve()));
});

afterAll(async () => {
  await channel.stop();
});

beforeEach(() => {
  gateway.received.length = 0;
  gateway.reply = echo;
});

describe('wechaty channel on wechaty-puppet-mock', () => {
  it("answers a one-to-one text in that chat, ignoring the bot's own messages", async () => {
    const [customer] = mocker.createContacts(1);
    const replies = nextMessages(customer!, 2);
    customer!.say('怎么开户').to(bot);
    const [echo, reply] = await replies;
    expect(echo?.talker().id).toBe(customer!.id);
    expect(reply?.talker().id).toBe(bot.id);
    expect(reply?.text()).toBe('您好，收到：怎么开户');
    expect(gateway.received).toHaveLength(1);
    expect(gateway.received[0]).toMatchObject({
      channel: 'wechaty',
      conversationId: `wechaty:${customer!.id}`,
      userId: customer!.id,
      content: { kind: 'text', text: '怎么开户' },
      channelRef: { contactId: customer!.id },
    });
  });

  it('answers a group message that @mentions the bot, in the group, mentioning the sender', async () => {
    const [alice, bob] = mocker.createContacts(2);
    const room = mocker.createRoom({
      topic: '投资者交流群',
      memberIdList: [bot.id, alice!.id, bob!.id],
    });
    const seen = nextMessages(room, 3);
    bob!.say('今天天气不错').to(room);
    alice!.say('@证券客服小助手 佣金怎么算', [bot]).to(room);
    const [, , reply] = await seen;
    expect(reply?.talker().id).toBe(bot.id);
    expect(reply?.text()).toContain('您好，收到：佣金怎么算');
    expect(reply?.text()).toContain(`@${alice!.payload.name}`);
    expect(gateway.received).toHaveLength(1);
    expect(gateway.received[0]).toMatchObject({
      conversationId: `wechaty:${room.id}:${alice!.id}`,
      userId: alice!.id,
      content: { kind: 'text', text: '佣金怎么算' },
      channelRef: { contactId: alice!.id, roomId: room.id },
    });
  });

  it('renders choices as a numbered menu and maps a typed number back to the choice', async () => {
    gateway.reply = accountMenuOrEcho;
    const [customer] = mocker.createContacts(1);
    let replies = nextMessages(customer!, 2);
    customer!.say('开户').to(bot);
    expect((await replies)[1]?.text()).toBe(
      '请问您要办理哪种开户？\n回复数字选择：\n1. 个人开户\n2. 机构开户',
    );

    replies = nextMessages(customer!, 2);
    customer!.say('1').to(bot);
    expect((await replies)[1]?.text()).toBe('您好，收到：choice:open_personal');
    expect(gateway.received[1]?.content).toEqual({
      kind: 'choice',
      value: 'open_personal',
      label: '个人开户',
    });
  });

  it('passes non-text messages as media', async () => {
    const [customer] = mocker.createContacts(1);
    // Its own two messages come back to the customer too, then the bot's two replies.
    const seen = nextMessages(customer!, 4);
    // What ContactMock.say(fileBox) produces, without needing a file: an image, then a voice note.
    for (const [index, type] of [types.Message.Image, types.Message.Audio].entries()) {
      const message = mocker.MessageMock.create({
        id: `media-${customer!.id}-${index}`,
        talkerId: customer!.id,
        listenerId: bot.id,
        timestamp: Date.now(),
        type,
      });
      mocker.puppet.emit('message', { messageId: message.id });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const fromBot = (await seen).filter((message) => message.talker().id === bot.id);
    expect(fromBot.map((message) => message.text())).toEqual([
      '您好，收到：media:image',
      '您好，收到：media:voice',
    ]);
    expect(gateway.received.map((message) => message.content)).toEqual([
      { kind: 'media', media: 'image' },
      { kind: 'media', media: 'voice' },
    ]);
  });

  it('delivers later messages to the contact and to the group', async () => {
    const [customer, other] = mocker.createContacts(2);
    const direct = nextMessages(customer!, 1);
    await channel.deliver(
      {
        channel: 'wechaty',
        conversationId: `wechaty:${customer!.id}`,
        userId: customer!.id,
        channelRef: { contactId: customer!.id },
      },
      [{ type: 'text', text: '您好，我是人工客服小李，请问有什么可以帮您？', from: 'agent' }],
    );
    const [message] = await direct;
    expect(message?.talker().id).toBe(bot.id);
    expect(message?.text()).toBe('您好，我是人工客服小李，请问有什么可以帮您？');

    const room = mocker.createRoom({
      topic: '客户群',
      memberIdList: [bot.id, customer!.id, other!.id],
    });
    const inRoom = nextMessages(room, 1);
    await channel.deliver(
      {
        channel: 'wechaty',
        conversationId: `wechaty:${room.id}:${customer!.id}`,
        userId: customer!.id,
        channelRef: { contactId: customer!.id, roomId: room.id },
      },
      [{ type: 'text', text: '您的问题已处理完毕。', from: 'agent' }],
    );
    const [roomMessage] = await inRoom;
    expect(roomMessage?.text()).toContain('您的问题已处理完毕。');
    expect(roomMessage?.text()).toContain(`@${customer!.payload.name}`);

    await expect(
      channel.deliver(
        { channel: 'wechaty', conversationId: 'wechaty:x', userId: 'x', channelRef: null },
        [{ type: 'text', text: '您好' }],
      ),
    ).rejects.toThrow(/channelRef/);
  });
});

describe('buildWechaty', () => {
  it('builds a Wechaty on the named puppet and refuses names that are not puppets', () => {
    const wechaty = buildWechaty('wechaty-puppet-mock', { name: 'test-session' });
    expect(wechaty.name()).toBe('test-session');
    expect(() => buildWechaty('left-pad')).toThrow(/WECHATY_PUPPET/);
  });
});
