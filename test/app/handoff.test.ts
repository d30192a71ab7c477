// Handoff to a human agent through the real app: the Slack desk against the local fake Slack, with
// customers on the web API and on the WeChat webhook. Slack requests are signed as Slack signs them.
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buttonClick,
  eventCallback,
  postToApp,
  signedEvent,
  signedInteraction,
  threadReply,
  type FakeSlack,
  type FakeSlackMessage,
} from '../support/fake-slack.ts';
import { parseWechatXml } from '../../src/channels/wechat-mp/xml.ts';
import {
  buildHarness,
  eventually,
  history,
  pushWechat,
  say,
  SLACK_CHANNEL,
  SLACK_SECRET,
  wechatTextXml,
  webConversation,
  webId,
  type Harness,
} from './harness.ts';

const PHONE = '13812345678';
const PHONE_MASKED = '138****5678';
const ID_NUMBER = '110101199003071234';
/** A fund account typed bare, and a card number that fails the Luhn check. */
const BARE_ACCOUNT = '880012345678';
const NON_LUHN_CARD = '6222021234567890123';
const ZHANG = { id: 'U_ZHANG', name: 'zhangsan' };

let h: Harness;
let slack: FakeSlack;

/**
 * Each story runs on an app of its own, so a customer another story left in the queue (or a
 * thread it opened) cannot change what this one sees, whatever order the stories run in.
 */
function onItsOwnApp(): void {
  beforeAll(async () => {
    h = await buildHarness({ slack: true, wechat: true });
    slack = h.slack!;
  });
  afterAll(async () => {
    await h?.close();
  });
}

/** Every byte the app sent to Slack: API call bodies and uploaded file contents. */
function everythingSentToSlack(): string {
  return JSON.stringify(slack.calls) + JSON.stringify(slack.files);
}

function expectNoClearPersonalData(): void {
  const sent = everythingSentToSlack();
  for (const secret of [PHONE, ID_NUMBER, BARE_ACCOUNT, NON_LUHN_CARD]) {
    expect(sent).not.toContain(secret);
  }
}

/** The thread header opened for `conversationId` (its buttons carry the conversation id). */
async function headerFor(conversationId: string): Promise<FakeSlackMessage> {
  return eventually(() => {
    const header = slack.messages.find(
      (m) =>
        m.channel === SLACK_CHANNEL &&
        !m.thread_ts &&
        JSON.stringify(m.blocks).includes(`"${conversationId}"`),
    );
    if (!header) throw new Error(`no Slack thread for ${conversationId}`);
    return header;
  });
}

async function click(
  actionId: string,
  conversationId: string,
  header: FakeSlackMessage,
  secret = SLACK_SECRET,
) {
  return postToApp(
    `${h.url}/slack/events`,
    signedInteraction(
      buttonClick({
        actionId,
        value: conversationId,
        user: ZHANG,
        channel: SLACK_CHANNEL,
        messageTs: header.ts,
      }),
      { signingSecret: secret },
    ),
  );
}

async function agentSays(header: FakeSlackMessage, text: string) {
  return postToApp(
    `${h.url}/slack/events`,
    signedEvent(eventCallback(threadReply(SLACK_CHANNEL, header.ts, ZHANG.id, text)), {
      signingSecret: SLACK_SECRET,
    }),
  );
}

function threadTexts(header: FakeSlackMessage): string[] {
  return slack.threadReplies(SLACK_CHANNEL, header.ts).map((m) => m.text);
}

/** Live frames a web chat tab receives. */
async function openTab(name: string): Promise<{ texts: () => string[]; close: () => void }> {
  const socket = new WebSocket(
    `${h.url.replace('http', 'ws')}/api/web/ws?conversationId=${webId(h, name)}`,
  );
  const frames: { type: string; messages?: { text: string }[] }[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as (typeof frames)[number]));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  await eventually(() => expect(frames.some((f) => f.type === 'history')).toBe(true));
  return {
    texts: () =>
      frames
        .filter((f) => f.type === 'messages')
        .flatMap((f) => (f.messages ?? []).map((m) => m.text)),
    close: () => socket.close(),
  };
}

async function historyTexts(publicId: string): Promise<string[]> {
  return (await history(h, publicId)).messages.map((m) => m.text);
}

describe('a web customer handed to a Slack agent', () => {
  onItsOwnApp();
  const publicId = 'handoff-web-1';

  it('queues, opens a masked thread, relays both ways, closes and records the survey', async () => {
    await say(h, publicId, `我想开户，手机号${PHONE}，身份证${ID_NUMBER}`);
    await say(h, publicId, BARE_ACCOUNT);
    await say(h, publicId, `卡号${NON_LUHN_CARD}转账失败`);
    const tab = await openTab(publicId);
    const conversationId = webConversation(h, publicId);

    // 转人工: the customer hears why and how long.
    const queued = await say(h, publicId, '转人工');
    expect(queued.text).toContain('转接人工客服');
    expect(queued.text).toMatch(/排在第1位/);
    expect(queued.text).toMatch(/预计等待约\d+分钟/);

    // One thread with a header (buttons) and the transcript file, all masked.
    const header = await headerFor(conversationId);
    // What Slack shows (the buttons carry the conversation id), the logs and /metrics say is not
    // enough to read the customer's transcript through the public web API.
    expect(JSON.stringify(slack.calls)).not.toContain(webId(h, publicId));
    for (const guess of [conversationId, conversationId.replace(/^web:/, '')]) {
      const read = await fetch(
        `${h.url}/api/web/messages?conversationId=${encodeURIComponent(guess)}`,
      );
      expect(((await read.json()) as { messages?: unknown[] }).messages ?? []).toEqual([]);
    }
    expect(await (await fetch(`${h.url}/metrics`)).text()).not.toContain(webId(h, publicId));
    const headerJson = JSON.stringify(header.blocks);
    expect(headerJson).toContain('转人工请求');
    expect(headerJson).toContain('handoff_claim');
    expect(headerJson).toContain('handoff_close');
    const file = await eventually(() => {
      const f = slack.files.find((x) => x.thread_ts === header.ts);
      if (!f) throw new Error('no transcript file in the thread');
      return f;
    });
    expect(file.channel).toBe(SLACK_CHANNEL);
    expect(file.content).toContain('我想开户');
    expect(file.content).toContain(PHONE_MASKED);
    expect(file.content).not.toContain(PHONE);
    expect(file.content).not.toContain(ID_NUMBER);
    expectNoClearPersonalData();

    // 接单: the customer is told an agent joined.
    expect((await click('handoff_claim', conversationId, header)).status).toBe(200);
    await eventually(() => expect(tab.texts().join('\n')).toMatch(/张三 已为您服务/));
    await eventually(() =>
      expect(JSON.stringify(slack.messages.find((m) => m.ts === header.ts)!.blocks)).toContain(
        '张三 已接单',
      ),
    );

    // The agent's thread reply reaches the customer's history.
    expect((await agentSays(header, '您好，开户需要准备身份证和银行卡')).status).toBe(200);
    await eventually(async () => {
      const lines = (await history(h, publicId)).messages;
      expect(lines.at(-1)).toMatchObject({
        direction: 'agent',
        text: '您好，开户需要准备身份证和银行卡',
        agent: '张三',
      });
    });

    // During the handoff the bot stays quiet and the thread gets the customer's words, masked.
    const during = await say(h, publicId, `好的，交易时间是几点到几点？我电话${PHONE}`);
    expect(during.messages).toEqual([]);
    await eventually(() =>
      expect(
        threadTexts(header).some(
          (t) => t.includes('交易时间是几点到几点') && t.includes(PHONE_MASKED),
        ),
      ).toBe(true),
    );
    expect(
      (await history(h, publicId)).messages.filter((m) => m.direction === 'bot').at(-1)?.text,
    ).not.toMatch(/9:30/);
    expectNoClearPersonalData();

    // 结束: the customer gets the satisfaction survey.
    expect((await click('handoff_close', conversationId, header)).status).toBe(200);
    await eventually(async () =>
      expect((await historyTexts(publicId)).join('\n')).toContain('请为我们打分'),
    );
    await eventually(() =>
      expect(JSON.stringify(slack.messages.find((m) => m.ts === header.ts)!.blocks)).toContain(
        '已结束',
      ),
    );

    // The customer scores 5; the result lands in the thread.
    const scored = await say(h, publicId, '5');
    expect(scored.text).toContain('谢谢您的评分');
    const done = await say(h, publicId, '跳过');
    expect(done.text).toContain('感谢您的评价');
    await eventually(() => expect(threadTexts(header).join('\n')).toContain('客户满意度评价：5分'));
    expectNoClearPersonalData();

    // The bot answers again after the handoff.
    const after = await say(h, publicId, '交易时间是几点到几点');
    expect(after.text).toContain('9:30');
    tab.close();

    // A customer without an open socket (REST client, tab on another instance) reads the agent
    // joined/left lines in the history.
    const texts = (await historyTexts(publicId)).join('\n');
    expect(texts).toMatch(/张三 已为您服务/);
    expect(texts).toContain('已结束本次人工服务');
  });
});

describe('a WeChat customer handed to a Slack agent', () => {
  onItsOwnApp();
  const openId = 'oUser_handoff_0001';
  const conversationId = `wechat-mp:${openId}`;

  async function push(text: string): Promise<string> {
    const res = await pushWechat(h, wechatTextXml(openId, text));
    expect(res.status).toBe(200);
    if (res.body === 'success') return '';
    const parsed = parseWechatXml(res.body);
    if (!parsed.ok) throw new Error(`not WeChat XML: ${res.body}`);
    return parsed.fields.Content ?? '';
  }

  it('relays through the WeChat customer-service API and ends with the survey', async () => {
    const api = h.wechatApi!;
    await push(`我要开户，电话${PHONE}`);
    const queued = await push('转人工');
    expect(queued).toContain('转接人工客服');
    expect(queued).toMatch(/排在第\d+位，预计等待约\d+分钟/);

    const header = await headerFor(conversationId);
    expect(JSON.stringify(header.blocks)).toContain('微信公众号');
    const file = await eventually(() => {
      const f = slack.files.find((x) => x.thread_ts === header.ts);
      if (!f) throw new Error('no transcript file');
      return f;
    });
    expect(file.content).toContain(PHONE_MASKED);
    expectNoClearPersonalData();

    const sentBefore = api.sent.length;
    expect((await click('handoff_claim', conversationId, header)).status).toBe(200);
    await api.waitForSent(sentBefore + 1);
    expect(api.sent.at(-1)).toMatchObject({ touser: openId, msgtype: 'text' });
    expect(api.sent.at(-1)!.content).toMatch(/张三 已为您服务/);

    expect((await agentSays(header, '您好，请问您想开哪类账户？')).status).toBe(200);
    await api.waitForSent(sentBefore + 2);
    expect(api.sent.at(-1)).toMatchObject({
      touser: openId,
      content: '您好，请问您想开哪类账户？',
    });

    // The customer's message goes to the thread; WeChat gets no bot answer.
    expect(await push('个人账户')).toBe('');
    await eventually(() => expect(threadTexts(header).join('\n')).toContain('个人账户'));

    expect((await click('handoff_close', conversationId, header)).status).toBe(200);
    await eventually(() =>
      expect(api.sent.map((s) => s.content).join('\n')).toContain('请为我们打分'),
    );
    const survey = api.sent.map((s) => s.content).find((c) => c.includes('请为我们打分'))!;
    expect(survey).toContain('回复数字选择');

    // "5" answers the numbered menu.
    expect(await push('5')).toContain('谢谢您的评分');
    expect(await push('跳过')).toContain('感谢您的评价');
    await eventually(() => expect(threadTexts(header).join('\n')).toContain('客户满意度评价：5分'));
    expectNoClearPersonalData();
    expect(api.sent.every((s) => s.touser === openId)).toBe(true);
  });
});

describe('Slack request verification through the app', () => {
  onItsOwnApp();
  it('rejects a forged signature and does nothing', async () => {
    const publicId = 'handoff-forged-1';
    await say(h, publicId, '转人工');
    const conversationId = webConversation(h, publicId);
    const header = await headerFor(conversationId);
    const callsBefore = slack.calls.length;

    const forged = await click('handoff_claim', conversationId, header, 'not-the-secret');
    expect(forged.status).toBe(401);
    const tampered = signedEvent(
      eventCallback(threadReply(SLACK_CHANNEL, header.ts, ZHANG.id, 'forged reply')),
      {
        signingSecret: SLACK_SECRET,
      },
    );
    tampered.body = tampered.body.replace('forged reply', 'evil reply');
    expect((await postToApp(`${h.url}/slack/events`, tampered)).status).toBe(401);

    const state = await h.stores.states.load(conversationId);
    expect(state!.state.handoff).toMatchObject({ status: 'queued' });
    expect(slack.calls.length).toBe(callsBefore);
    expect((await historyTexts(publicId)).join('\n')).not.toMatch(/已为您服务/);

    // Instead of sleeping and hoping: a genuine claim and reply sent after the forged requests
    // reach the customer, and anything the forged ones had set off would have arrived before them.
    expect((await click('handoff_claim', conversationId, header)).status).toBe(200);
    expect((await agentSays(header, '您好，我是真正的客服')).status).toBe(200);
    await eventually(async () =>
      expect((await historyTexts(publicId)).join('\n')).toContain('您好，我是真正的客服'),
    );
    const texts = (await historyTexts(publicId)).join('\n');
    expect(texts).not.toMatch(/evil reply|forged reply/);
    expect(texts.match(/已为您服务/g)).toHaveLength(1);
  });
});
