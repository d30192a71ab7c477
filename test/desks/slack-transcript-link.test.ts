// HANDOFF_TRANSCRIPT=link: the Slack handoff thread gets a link to the masked transcript in the
// service console and no transcript file reaches Slack; file mode (the default) still uploads it.
import { afterEach, describe, expect, it } from 'vitest';
import { internalConversationId } from '../../src/channels/web/index.ts';
import { createSlackDesk } from '../../src/desks/slack/slack-desk.ts';
import { MemoryHandoffBus } from '../../src/handoff/bus.ts';
import { createHandoffService, lateAgentActions } from '../../src/handoff/handoff-service.ts';
import { MemoryHandoffQueue } from '../../src/handoff/queue.ts';
import { conversationRef } from '../../src/handoff/render.ts';
import {
  consoleTranscriptUrl,
  handoffTranscriptFromEnv,
  withoutSlackSummaries,
  type HandoffTranscriptMode,
} from '../../src/handoff/transcript-link.ts';
import { createMemoryStores } from '../../src/store/index.ts';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { CUSTOMER_LINES, fakeControl, seedConversation, settings } from '../handoff/harness.ts';

const CHANNEL = 'C_HANDOFF';
// A web conversation's public id is the customer's bearer secret: it must never reach Slack.
const PUBLIC_ID = 'c0ffee00-public-web-conversation-id';
const CONVERSATION = internalConversationId(PUBLIC_ID);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Opens one handoff thread through the real handoff service and the Slack desk on the fake. */
async function handOver(transcript?: HandoffTranscriptMode): Promise<FakeSlack> {
  const slack = await startFakeSlack({ botToken: 'xoxb-test' });
  const stores = createMemoryStores();
  const actions = lateAgentActions();
  const desk = createSlackDesk(
    {
      botToken: 'xoxb-test',
      signingSecret: 'secret',
      channelId: CHANNEL,
      apiUrl: slack.apiUrl,
      log: () => {},
      ...(transcript ? { transcript } : {}),
    },
    actions,
  );
  const service = createHandoffService({
    desk,
    queue: new MemoryHandoffQueue(),
    bus: new MemoryHandoffBus(),
    states: stores.states,
    transcripts: stores.transcripts,
    tickets: stores.tickets,
    outlets: () => undefined,
    settings: settings(),
    log: () => {},
  });
  actions.bind(service);
  service.bindControl(fakeControl(stores.states));
  cleanups.push(async () => {
    await service.stopWorkers();
    await slack.close();
  });
  const request = await seedConversation(
    stores.states,
    stores.transcripts,
    CONVERSATION,
    'web',
    CUSTOMER_LINES,
  );
  await service.start(request);
  return slack;
}

const uploads = (slack: FakeSlack) =>
  slack.calls.filter((c) => c.method.startsWith('files.') || c.method === 'upload');

describe('the handoff transcript in Slack', () => {
  it('link mode: the thread holds the console link and no file is sent', async () => {
    const slack = await handOver({ mode: 'link', consoleUrl: 'https://csbot.broker.internal' });
    expect(uploads(slack)).toEqual([]);
    expect(slack.files).toEqual([]);
    const header = slack.messages.find((m) => m.channel === CHANNEL && !m.thread_ts)!;
    const inThread = slack.messages.filter((m) => m.thread_ts === header.ts);
    expect(inThread).toHaveLength(1);
    const link = `https://csbot.broker.internal/console#/conversations/${encodeURIComponent(CONVERSATION)}`;
    expect(inThread[0]!.text).toContain(`<${link}|打开会话记录>`);
    expect(inThread[0]!.text).toContain(conversationRef(CONVERSATION));
    // Nothing of what the customer said goes to Slack (not even masked), and never the public id.
    const everything = JSON.stringify(slack.calls);
    expect(everything).not.toContain(PUBLIC_ID);
    for (const line of CUSTOMER_LINES.filter(
      (l) => l.direction === 'customer' && l.text.length > 6,
    ))
      expect(everything).not.toContain(line.text.slice(0, 6));
    expect(everything).not.toContain('138****5678');
    expect(JSON.stringify(header.blocks)).toContain('请登录服务控制台查看');
    expect(JSON.stringify(header.blocks)).toContain('handoff_claim');
  });

  it('file mode (the default): the masked transcript is uploaded into the thread as before', async () => {
    const slack = await handOver();
    expect(slack.callsOf('files.getUploadURLExternal')).toHaveLength(1);
    expect(slack.files).toHaveLength(1);
    const header = slack.messages.find((m) => m.channel === CHANNEL && !m.thread_ts)!;
    expect(slack.files[0]).toMatchObject({ channel: CHANNEL, thread_ts: header.ts });
    expect(slack.files[0]!.content).toContain('客户：你好，我想问一下开户的问题');
    expect(JSON.stringify(header.blocks)).toContain('138****5678');
    expect(JSON.stringify(slack.messages)).not.toContain('/console#/conversations/');
  });
});

describe('HANDOFF_TRANSCRIPT', () => {
  it('is file unless set to link', () => {
    expect(handoffTranscriptFromEnv({})).toEqual({ mode: 'file' });
    expect(handoffTranscriptFromEnv({ HANDOFF_TRANSCRIPT: ' FILE ' })).toEqual({ mode: 'file' });
    expect(
      handoffTranscriptFromEnv({
        HANDOFF_TRANSCRIPT: 'link',
        PUBLIC_BASE_URL: 'https://bot.example.cn/csbot/',
      }),
    ).toEqual({ mode: 'link', consoleUrl: 'https://bot.example.cn/csbot' });
  });

  it('refuses what it cannot use, with the setting named', () => {
    expect(() => handoffTranscriptFromEnv({ HANDOFF_TRANSCRIPT: 'upload' })).toThrow(
      /HANDOFF_TRANSCRIPT must be file or link/,
    );
    expect(() => handoffTranscriptFromEnv({ HANDOFF_TRANSCRIPT: 'link' })).toThrow(
      /needs PUBLIC_BASE_URL/,
    );
    for (const bad of [
      'bot.example.cn',
      'ftp://bot.example.cn',
      'https://bot.example.cn/?a=1',
      'https://bot.example.cn/a|b',
    ])
      expect(
        () => handoffTranscriptFromEnv({ HANDOFF_TRANSCRIPT: 'link', PUBLIC_BASE_URL: bad }),
        bad,
      ).toThrow(/PUBLIC_BASE_URL/);
  });

  it('links by the internal reference, encoded', () => {
    expect(consoleTranscriptUrl('https://a.cn/', 'wechat-mp:gh_1:o_x')).toBe(
      'https://a.cn/console#/conversations/wechat-mp%3Agh_1%3Ao_x',
    );
  });
});

describe('the model-written handoff summary', () => {
  it('is left out in link mode and kept in file mode', () => {
    const ports = { summarizer: { summarize: async () => '客户咨询开户' }, rewriter: 'kept' };
    const link = withoutSlackSummaries(ports, { mode: 'link', consoleUrl: 'https://a.cn' });
    expect(link).toEqual({ rewriter: 'kept' });
    expect(ports.summarizer).toBeDefined();
    expect(withoutSlackSummaries(ports, { mode: 'file' })).toBe(ports);
  });
});
