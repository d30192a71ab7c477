// The customer hears a ticket's result on the channel they came from, with the ticket id, and is
// asked for their verdict: a WeChat customer-service message while the platform's 48-hour window
// is open (else the card says a phone call is needed), a Bot Framework proactive message. Their
// answer lands in the ticket (the web channel is covered by complaint-desk.test.ts).
import { internalConversationId } from '../../src/channels/web/conversation-ids.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { botFrameworkChannelModule } from '../../src/channels/botframework/module.ts';
import { botFrameworkConversationId } from '../../src/channels/botframework/translate.ts';
import { wechatWebhookModules } from '../../src/channels/wechat-mp/module.ts';
import { createMemoryStores, type Stores } from '../../src/store/index.ts';
import type { ChannelId } from '../../src/core/message.ts';
import { BOTFRAMEWORK, sayOnBotFramework, WECHAT, type Harness } from '../app/harness.ts';
import { startFakeBotFrameworkConnector } from '../support/fake-bf-connector.ts';
import { startFakeSlack } from '../support/fake-slack.ts';
import { FakeWechatSender, readFlatXml, startFakeWechatApi } from '../support/fake-wechat-api.ts';
import {
  admin,
  cardJson,
  cardOf,
  FEES_CHANNEL,
  MovableClock,
  SLACK_TOKEN,
  startDeskInstance,
  waitForCard,
  type DeskInstance,
} from './harness.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A complaint ticket of an existing conversation, as the complaint form would have filed it. */
async function fileTicket(
  instance: DeskInstance,
  stores: Stores,
  conversationId: string,
  channel: ChannelId,
  clock: MovableClock,
): Promise<string> {
  const ticket = await stores.tickets.create(
    {
      kind: 'complaint',
      conversationId,
      channel,
      createdAt: clock.now().toISOString(),
      complainant: { name: '王五', phone: '13912345678' },
      category: '收费',
      department: '运营管理部',
      description: '转账手续费扣了两次',
      desiredOutcome: '退还重复扣的手续费',
      replyDueBy: '2026-12-14',
    },
    'bot',
  );
  await instance.app.tickets.announce(ticket.id);
  return ticket.id;
}

async function acceptAndResolve(instance: DeskInstance, id: string): Promise<void> {
  const accept = await admin(instance, `/api/admin/tickets/${id}/events`, {
    method: 'POST',
    body: { action: 'accept', by: '赵六' },
  });
  expect(accept.status).toBe(200);
  const resolve = await admin(instance, `/api/admin/tickets/${id}/events`, {
    method: 'POST',
    body: {
      action: 'resolve',
      by: '赵六',
      result: '重复扣收的手续费5元已于今日退回。',
      cause: '系统故障',
      improvement: '修复扣费重试逻辑',
    },
  });
  expect(resolve.status).toBe(200);
}

describe('the result on WeChat (Official Account)', () => {
  async function world() {
    const clock = new MovableClock();
    const slack = await startFakeSlack({ botToken: SLACK_TOKEN });
    const api = await startFakeWechatApi({ appId: WECHAT.appId, appSecret: WECHAT.appSecret });
    const stores = createMemoryStores({ clock: clock.now });
    const instance = await startDeskInstance({
      slack,
      stores,
      clock,
      channels: wechatWebhookModules({
        officialAccount: {
          token: WECHAT.token,
          appId: WECHAT.appId,
          appSecret: WECHAT.appSecret,
          apiBaseUrl: api.baseUrl,
        },
      }),
    });
    cleanups.push(
      () => slack.close(),
      () => api.close(),
      () => instance.close(),
    );
    const sender = new FakeWechatSender({ token: WECHAT.token, appId: WECHAT.appId });
    let msgId = 7_100_000_000_000_000_000n;
    /** The customer writes; resolves with the passive reply's text. */
    const push = async (openId: string, text: string): Promise<string> => {
      const ts = String(Math.floor(clock.now().getTime() / 1000));
      msgId += 1n;
      const xml =
        `<xml><ToUserName><![CDATA[${WECHAT.account}]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName>` +
        `<CreateTime>${ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${text}]]></Content>` +
        `<MsgId>${msgId.toString()}</MsgId></xml>`;
      const query = new URLSearchParams(
        sender.plainQuery(ts, String(100_000 + Number(msgId % 800_000n))),
      );
      const res = await fetch(`${instance.url}/wechat/mp?${query.toString()}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: xml,
      });
      expect(res.status).toBe(200);
      const body = await res.text();
      return body ? (readFlatXml(body).Content ?? '') : '';
    };
    return { clock, slack, api, stores, instance, push };
  }

  it('sends the result and the question as a customer-service message, and records 基本满意', async () => {
    const { clock, slack, api, stores, instance, push } = await world();
    const openId = 'oWx_customer_in_window';
    await push(openId, '你好');
    const id = await fileTicket(instance, stores, `wechat-mp:${openId}`, 'wechat-mp', clock);
    clock.advance(20 * 3600_000);
    await acceptAndResolve(instance, id);

    const sent = await api.waitForSent(1);
    const text = sent.map((s) => s.content).join('\n');
    expect(sent.every((s) => s.touser === openId)).toBe(true);
    expect(text).toContain(id);
    expect(text).toContain('重复扣收的手续费5元已于今日退回');
    expect(text).toContain('是否满意');
    expect(text).toMatch(/1.*满意/);
    expect((await stores.tickets.get(id))!.resultNotice).toMatchObject({ outcome: 'delivered' });

    // The customer answers with the menu number of 基本满意, then skips the comment.
    expect(await push(openId, '2')).toContain('意见或建议');
    expect(await push(openId, '跳过')).toContain('感谢您的评价');
    const ticket = (await stores.tickets.get(id))!;
    expect(ticket.status).toBe('closed');
    expect(ticket.resultFeedback).toMatchObject({ rating: '基本满意' });
    expect(ticket.resultFeedback?.comment).toBeUndefined();
    await vi.waitFor(() =>
      expect(cardJson(cardOf(slack, FEES_CHANNEL, id)!)).toContain('客户评价：基本满意'),
    );
  });

  it('says on the card that a phone call is needed once the 48-hour window has closed', async () => {
    const { clock, slack, api, stores, instance, push } = await world();
    const openId = 'oWx_customer_gone_quiet';
    await push(openId, '你好');
    const id = await fileTicket(instance, stores, `wechat-mp:${openId}`, 'wechat-mp', clock);
    const card = await waitForCard(slack, FEES_CHANNEL, id);
    clock.advance(49 * 3600_000);
    await acceptAndResolve(instance, id);

    const ticket = (await stores.tickets.get(id))!;
    expect(ticket.status).toBe('resolved');
    expect(ticket.resultNotice).toMatchObject({ outcome: 'phone_call_needed' });
    expect(ticket.resultNotice?.reason).toContain('48小时');
    expect(api.sent).toHaveLength(0);
    expect(cardJson(cardOf(slack, FEES_CHANNEL, id)!)).toContain('需电话告知客户处理结果');
    const thread = slack
      .threadReplies(FEES_CHANNEL, card.ts)
      .map((m) => m.text)
      .join('\n');
    expect(thread).toContain('请电话告知客户处理结果');
  });
});

describe('the result on Bot Framework', () => {
  it('sends a proactive message with the ticket id and records 满意 with a comment', async () => {
    const clock = new MovableClock();
    const slack = await startFakeSlack({ botToken: SLACK_TOKEN });
    const connector = await startFakeBotFrameworkConnector({
      appId: BOTFRAMEWORK.appId,
      appPassword: BOTFRAMEWORK.appPassword,
    });
    const stores = createMemoryStores({ clock: clock.now });
    const instance = await startDeskInstance({
      slack,
      stores,
      clock,
      channels: [
        botFrameworkChannelModule({
          appId: BOTFRAMEWORK.appId,
          appPassword: BOTFRAMEWORK.appPassword,
          appType: 'MultiTenant',
          endpoints: {
            channelOpenIdMetadataUrl: connector.openIdMetadataUrl,
            loginUrl: connector.loginUrl,
          },
        }),
      ],
    });
    cleanups.push(
      () => slack.close(),
      () => connector.close(),
      () => instance.close(),
    );
    const h = { url: instance.url, botframework: connector } as unknown as Harness;
    const conversation = 'bf-conv-result-1';
    expect((await sayOnBotFramework(h, conversation, 'user-7', '你好')).status).toBeLessThan(300);
    const state = await stores.states.load(botFrameworkConversationId('webchat', conversation));
    expect(state).not.toBeNull();
    const id = await fileTicket(
      instance,
      stores,
      state!.state.conversationId,
      'botframework',
      clock,
    );
    const before = connector.activities.length;
    await acceptAndResolve(instance, id);

    await vi.waitFor(() => {
      const proactive = connector.activities
        .slice(before)
        .filter((a) => a.conversationId === conversation)
        .map((a) => String(a.activity.text ?? ''));
      expect(proactive.join('\n')).toContain(id);
      expect(proactive.join('\n')).toContain('是否满意');
    });
    const answer = await sayOnBotFramework(h, conversation, 'user-7', '满意');
    expect(answer.activities.map((a) => String(a.text ?? '')).join('\n')).toContain('意见或建议');
    await sayOnBotFramework(h, conversation, 'user-7', '退款很及时，谢谢');
    const ticket = (await stores.tickets.get(id))!;
    expect(ticket.status).toBe('closed');
    expect(ticket.resultFeedback).toMatchObject({ rating: '满意', comment: '退款很及时，谢谢' });
  });
});

describe('the result on the web while the customer is filling in another form', () => {
  it('asks for the verdict, then comes back to the form where it was', async () => {
    const clock = new MovableClock();
    const stores = createMemoryStores({ clock: clock.now });
    const instance = await startDeskInstance({ slack: null, stores, clock });
    cleanups.push(() => instance.close());
    const conversationId = 'resume-form-1';
    // The server issues the conversation's id on the first message; later turns use it.
    let issued = conversationId;
    const say = async (text: string): Promise<string> => {
      const res = await fetch(`${instance.url}/api/web/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ conversationId: issued, text }),
      });
      const body = (await res.json()) as { conversationId: string; messages: { text: string }[] };
      issued = body.conversationId;
      return body.messages.map((m) => m.text).join('\n');
    };
    await say('我要投诉');
    expect(await say('李四')).toContain('手机号码');
    const internal = internalConversationId(issued);
    const id = await fileTicket(instance, stores, internal, 'web', clock);
    await acceptAndResolve(instance, id);
    const lines = (await stores.transcripts.list(internal)).map((e) => e.text);
    expect(lines.some((t) => t.includes(id) && t.includes('重复扣收的手续费5元已于今日退回'))).toBe(
      true,
    );
    expect(lines.at(-1)).toContain('是否满意');

    expect(await say('满意')).toContain('意见或建议');
    const back = await say('跳过');
    expect(back).toContain('感谢您的评价');
    expect(back).toContain('继续刚才的投诉登记');
    expect(back).toContain('手机号码');
    expect((await stores.tickets.get(id))!.status).toBe('closed');
    expect(await say('13812345678')).toContain('资金账号');
  });
});
