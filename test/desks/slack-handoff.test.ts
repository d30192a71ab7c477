import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSlackDesk, type SlackDesk } from '../../src/desks/slack/slack-desk.ts';
import { MemoryHandoffBus } from '../../src/handoff/bus.ts';
import {
  createHandoffService,
  lateAgentActions,
  type HandoffRuntime,
} from '../../src/handoff/handoff-service.ts';
import { MemoryHandoffQueue } from '../../src/handoff/queue.ts';
import { createMemoryStores, type Stores } from '../../src/store/index.ts';
import type { ChannelId } from '../../src/core/message.ts';
import {
  buttonClick,
  eventCallback,
  postToApp,
  signedEvent,
  signedInteraction,
  startFakeSlack,
  threadReply,
  type FakeSlack,
} from '../support/fake-slack.ts';
import {
  CUSTOMER_LINES,
  fakeControl,
  RecordingOutlet,
  saveHandoff,
  seedConversation,
  settings,
  SURVEY_PROMPT,
} from '../handoff/harness.ts';

const SECRET = 'test-signing-secret';
const CHANNEL = 'C_HANDOFF';

interface World {
  slack: FakeSlack;
  server: FastifyInstance;
  url: string;
  desk: SlackDesk;
  service: HandoffRuntime;
  bus: MemoryHandoffBus;
  stores: Stores;
  outlets: Map<ChannelId, RecordingOutlet>;
}

async function buildWorld(): Promise<World> {
  const slack = await startFakeSlack({ botToken: 'xoxb-test' });
  const stores = createMemoryStores();
  const bus = new MemoryHandoffBus();
  const outlets = new Map<ChannelId, RecordingOutlet>([
    ['web', new RecordingOutlet('web')],
    ['wechat-mp', new RecordingOutlet('wechat-mp')],
  ]);
  const actions = lateAgentActions();
  const desk = createSlackDesk(
    {
      botToken: 'xoxb-test',
      signingSecret: SECRET,
      channelId: CHANNEL,
      apiUrl: slack.apiUrl,
      log: () => {},
    },
    actions,
  );
  const service = createHandoffService({
    desk,
    queue: new MemoryHandoffQueue(),
    bus,
    states: stores.states,
    transcripts: stores.transcripts,
    tickets: stores.tickets,
    outlets: (channel) => outlets.get(channel),
    settings: settings(),
    log: () => {},
  });
  actions.bind(service);
  service.bindControl(fakeControl(stores.states));
  await service.startWorkers({ checkEveryMs: 0 });
  const server = Fastify();
  desk.registerRoutes(server);
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address() as AddressInfo;
  return {
    slack,
    server,
    url: `http://127.0.0.1:${address.port}/slack/events`,
    desk,
    service,
    bus,
    stores,
    outlets,
  };
}

let world: World;

beforeEach(async () => {
  world = await buildWorld();
});

afterEach(async () => {
  await world.service.stopWorkers();
  await world.server.close();
  await world.slack.close();
});

const zhang = { id: 'U_ZHANG', name: 'zhangsan' };

describe.each(['web', 'wechat-mp'] as const)('a full Slack handoff from %s', (channel) => {
  it('opens a masked thread, relays both ways, closes and posts the survey', async () => {
    const { slack, service, stores, bus } = world;
    const outlet = world.outlets.get(channel)!;
    const conversationId = `${channel}:c1`;
    const request = await seedConversation(
      stores.states,
      stores.transcripts,
      conversationId,
      channel,
      CUSTOMER_LINES,
    );

    const started = await service.start(request);
    expect(started.messages.map((m) => m.text).join('')).toContain(
      '目前排在第1位，预计等待约3分钟',
    );
    await saveHandoff(stores.states, conversationId, started.handoff);

    // One thread: the header with reason, intents, masked summary and the two buttons.
    const header = slack.messages.find((m) => m.channel === CHANNEL && !m.thread_ts)!;
    const headerJson = JSON.stringify(header.blocks);
    expect(headerJson).toContain(channel === 'web' ? '网站在线客服' : '微信公众号');
    expect(headerJson).toContain('客户要求转人工');
    expect(headerJson).toContain('account_open');
    expect(headerJson).toContain('138****5678');
    expect(headerJson).not.toContain('13812345678');
    expect(headerJson).not.toContain('110101199003071234');
    expect(headerJson).toContain('handoff_claim');
    expect(headerJson).toContain('handoff_close');

    // The transcript went through the upload v2 flow into the thread, masked.
    expect(slack.callsOf('files.getUploadURLExternal')).toHaveLength(1);
    expect(slack.callsOf('upload')).toHaveLength(1);
    const file = slack.files[0]!;
    expect(file.thread_ts).toBe(header.ts);
    expect(file.channel).toBe(CHANNEL);
    expect(file.content).toContain('客户：你好，我想问一下开户的问题');
    expect(file.content).toContain('机器人：您好，请问有什么可以帮您？');
    expect(file.content).toContain('138****5678');
    expect(file.content).not.toContain('13812345678');
    expect(file.content).not.toContain('110101199003071234');

    // 接单: the customer is told, the header shows who took it.
    const claim = await postToApp(
      world.url,
      signedInteraction(
        buttonClick({
          actionId: 'handoff_claim',
          value: conversationId,
          user: zhang,
          channel: CHANNEL,
          messageTs: header.ts,
        }),
        {
          signingSecret: SECRET,
        },
      ),
    );
    expect(claim.status).toBe(200);
    await vi.waitFor(() =>
      expect(outlet.texts(conversationId)).toContain(
        '客服专员 张三 已为您服务，请问有什么可以帮您？',
      ),
    );
    expect(JSON.stringify(slack.messages.find((m) => m.ts === header.ts)!.blocks)).toContain(
      '张三 已接单',
    );
    expect(JSON.stringify(slack.messages.find((m) => m.ts === header.ts)!.blocks)).not.toContain(
      'handoff_claim',
    );
    const state = (await stores.states.load(conversationId))!.state;
    expect(state.handoff).toMatchObject({
      status: 'claimed',
      agent: { id: 'U_ZHANG', name: '张三' },
    });

    // An agent's thread reply reaches the customer once, even when Slack retries the event.
    const reply = eventCallback(
      threadReply(CHANNEL, header.ts, 'U_ZHANG', '您好，审核需要补充身份证照片 &amp; 签名'),
      'EvReply1',
    );
    expect((await postToApp(world.url, signedEvent(reply, { signingSecret: SECRET }))).status).toBe(
      200,
    );
    expect(
      (await postToApp(world.url, signedEvent(reply, { signingSecret: SECRET, retryNum: 1 })))
        .status,
    ).toBe(200);
    await vi.waitFor(() =>
      expect(outlet.texts(conversationId)).toContain('您好，审核需要补充身份证照片 & 签名'),
    );
    await bus.drain();
    expect(outlet.texts(conversationId).filter((t) => t.startsWith('您好，审核'))).toHaveLength(1);
    const agentLines = (await stores.transcripts.list(conversationId)).filter(
      (e) => e.direction === 'agent',
    );
    expect(agentLines).toMatchObject([
      { text: '您好，审核需要补充身份证照片 & 签名', agent: '张三', kind: 'message' },
    ]);

    // The bot's own posts in the thread are not relayed.
    await postToApp(
      world.url,
      signedEvent(
        eventCallback({ ...threadReply(CHANNEL, header.ts, 'U_BOT', 'bot echo'), bot_id: 'B_BOT' }),
        { signingSecret: SECRET },
      ),
    );
    await bus.drain();
    expect(outlet.texts(conversationId)).not.toContain('bot echo');

    // The customer's message appears in the thread, masked.
    const loaded = (await stores.states.load(conversationId))!;
    const relayed = await service.relayCustomerMessage(
      conversationId,
      loaded.state.handoff,
      '好的，我的卡号6222021234567890123',
    );
    expect(relayed.messages).toEqual([]);
    const mirrored = slack.threadReplies(CHANNEL, header.ts).map((m) => m.text);
    expect(
      mirrored.some(
        (t) =>
          t.includes('客户') && t.includes('好的，我的卡号') && !t.includes('6222021234567890123'),
      ),
    ).toBe(true);

    // 结束: the bot takes over again and offers the survey.
    await postToApp(
      world.url,
      signedInteraction(
        buttonClick({
          actionId: 'handoff_close',
          value: conversationId,
          user: zhang,
          channel: CHANNEL,
          messageTs: header.ts,
        }),
        {
          signingSecret: SECRET,
        },
      ),
    );
    await vi.waitFor(() => expect(outlet.texts(conversationId)).toContain(SURVEY_PROMPT));
    expect((await stores.states.load(conversationId))!.state.handoff).toBeNull();
    expect(JSON.stringify(slack.messages.find((m) => m.ts === header.ts)!.blocks)).toContain(
      '已结束',
    );
    expect(JSON.stringify(slack.messages.find((m) => m.ts === header.ts)!.blocks)).not.toContain(
      'handoff_close',
    );

    // The survey result lands in the thread.
    expect(await service.surveyCompleted(conversationId, 5, '很满意，电话13812345678')).toBe(true);
    const last = slack.threadReplies(CHANNEL, header.ts).at(-1)!;
    expect(last.text).toContain('客户满意度评价：5分');
    expect(last.text).toContain('138****5678');
  });
});

describe('Slack request verification', () => {
  const challenge = { type: 'url_verification', token: 't', challenge: 'abc123' };

  it('answers url_verification when signed', async () => {
    const res = await postToApp(world.url, signedEvent(challenge, { signingSecret: SECRET }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ challenge: 'abc123' });
  });

  it('rejects a forged signature', async () => {
    const forged = signedEvent(challenge, { signingSecret: 'not-the-secret' });
    expect((await postToApp(world.url, forged)).status).toBe(401);
    const tampered = signedEvent(challenge, { signingSecret: SECRET });
    tampered.body = tampered.body.replace('abc123', 'evil');
    expect((await postToApp(world.url, tampered)).status).toBe(401);
  });

  it('rejects a stale timestamp even with a valid signature', async () => {
    const stale = signedEvent(challenge, {
      signingSecret: SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect((await postToApp(world.url, stale)).status).toBe(401);
  });

  it('rejects a forged button click without acting on it', async () => {
    const { stores, service, slack } = world;
    const request = await seedConversation(
      stores.states,
      stores.transcripts,
      'web:forged',
      'web',
      CUSTOMER_LINES,
    );
    const started = await service.start(request);
    await saveHandoff(stores.states, 'web:forged', started.handoff);
    const header = slack.messages.find((m) => !m.thread_ts)!;
    const click = buttonClick({
      actionId: 'handoff_claim',
      value: 'web:forged',
      user: zhang,
      channel: CHANNEL,
      messageTs: header.ts,
    });
    const res = await postToApp(world.url, signedInteraction(click, { signingSecret: 'wrong' }));
    expect(res.status).toBe(401);
    await world.bus.drain();
    expect((await stores.states.load('web:forged'))!.state.handoff).toMatchObject({
      status: 'queued',
    });
  });
});
