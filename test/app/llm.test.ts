// The optional LLM layer in the real app: web and WeChat customers, the Slack desk on the fake
// Slack, and the model on a fake OpenAI-compatible server that records every request.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseWechatXml } from '../../src/channels/wechat-mp/xml.ts';
import { KNOWLEDGE_ANSWER_INTENT } from '../../src/core/long-tail.ts';
import { SUMMARY_TITLE } from '../../src/handoff/handoff-summary.ts';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.ts';
import { answerJson, layerFor, passagesIn, useOf, userText } from '../llm/support.ts';
import {
  buildHarness,
  eventually,
  pushWechat,
  say,
  SLACK_CHANNEL,
  wechatTextXml,
  webConversation,
  type Harness,
} from './harness.ts';

const PHONE = '13812345678';
// Classified faq.trading_rules with low confidence: where the ladder would start.
const LONG_TAIL = '刚上市的股票盘中涨到60%会怎样';
const GROUNDED = '新股上市初期，盘中成交价较开盘价首次涨跌达到30%、60%时，各临时停牌10分钟。';
const SUMMARY = '诉求：客户想了解临时停牌规则并要求人工\n已尝试：机器人已按资料答复\n情绪：平静';

let h: Harness;
let fake: FakeOpenAi;
/** What the fake model says to grounded-answer requests (given the passages it was shown). */
let answerWith: (passages: Map<string, string>) => string | { content: string; delayMs: number };
let rewriteTo: string;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  fake.respond((request) => {
    const use = useOf(request);
    if (use === 'summary') return SUMMARY;
    if (use === 'rewrite') return rewriteTo;
    return answerWith(passagesIn(userText(fake, request)));
  });
  const llm = layerFor(fake, { turnTimeoutMs: 2000, passiveWindowTimeoutMs: 400 });
  h = await buildHarness({ slack: true, wechat: true, llm });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  rewriteTo = '无法改写';
  answerWith = (passages) => {
    const id = [...passages].find(([, text]) => text.includes('临时停牌'))?.[0];
    return id ? answerJson(GROUNDED, [id]) : answerJson('', []);
  };
});

const answerRequests = () => fake.requests.filter((r) => useOf(r) === 'answer');

function passiveText(body: string): string {
  const parsed = parseWechatXml(body);
  if (!parsed.ok) throw new Error(`not a passive reply: ${body}`);
  return parsed.fields.Content ?? '';
}

/** What the bot says without the model: the choices of close questions or the fallback ladder. */
function expectLadder(text: string): void {
  expect(text).toMatch(/抱歉|不好意思|您是想问/);
  // (Text channels carry the AI label on a conversation's first reply; no grounded answer here.)
  expect(text).not.toContain('（依据：');
}

describe('a long-tail question answered from knowledge/', () => {
  it('gets a labelled, grounded answer naming its document, with the risk disclosure', async () => {
    const reply = await say(h, 'llm-web-1', LONG_TAIL);
    const text = reply.messages[0]!.text;
    expect(text.startsWith(h.content.firm.aiLabel!)).toBe(true);
    expect(text).toContain(GROUNDED);
    expect(text).toContain('（依据：《A股交易规则要点》）');
    // The answer talks about 新股: the firm's risk disclosure follows it.
    expect(text).toContain(h.content.firm.riskDisclosure!);
    expect(reply.messages).toHaveLength(1);

    const [request] = answerRequests();
    expect(userText(fake, request!)).toContain('各临时停牌10分钟');
    const lines = await h.stores.transcripts.list(webConversation(h, 'llm-web-1'));
    expect(lines.at(-1)).toMatchObject({ direction: 'bot', intent: KNOWLEDGE_ANSWER_INTENT, text });
  });

  it('sends the model masked personal data only', async () => {
    // (The layer's own tests cover ID and card numbers; the classifier reads this one as in-domain.)
    await say(h, 'llm-web-2', `${LONG_TAIL}，手机${PHONE}`);
    expect(answerRequests()).toHaveLength(1);
    const sent = JSON.stringify(fake.requests.map((r) => r.body));
    expect(sent).toContain('138****5678');
    expect(sent).not.toContain(PHONE);
  });

  it('never sends an answer with a figure the passages do not hold', async () => {
    answerWith = (passages) =>
      answerJson('新股临时停牌15分钟。', [[...passages.keys()][0] ?? 'K1']);
    const reply = await say(h, 'llm-web-3', LONG_TAIL);
    expect(answerRequests()).toHaveLength(1);
    expect(reply.text).not.toContain('15分钟');
    expectLadder(reply.text);
  });

  it('never sends an answer that gives advice or promises returns', async () => {
    answerWith = (passages) =>
      answerJson('停牌10分钟，建议您趁机买入，稳赚不赔。', [[...passages.keys()][0] ?? 'K1']);
    const reply = await say(h, 'llm-web-4', LONG_TAIL);
    expect(reply.text).not.toContain('买入');
    expectLadder(reply.text);
  });

  it('falls back to the ladder when the model does not answer in time', async () => {
    answerWith = () => ({ content: answerJson(GROUNDED, ['K1']), delayMs: 5000 });
    const reply = await say(h, 'llm-web-5', LONG_TAIL);
    expectLadder(reply.text);
    await eventually(() => expect(answerRequests()[0]!.aborted).toBe(true));
  });

  it('answers a WeChat customer inside the passive-reply window, or falls back inside it', async () => {
    const fast = await pushWechat(h, wechatTextXml('o_llm_wechat_1', LONG_TAIL));
    expect(fast.status).toBe(200);
    expect(passiveText(fast.body)).toContain(GROUNDED);

    answerWith = () => ({ content: answerJson(GROUNDED, ['K1']), delayMs: 5000 });
    const slow = await pushWechat(h, wechatTextXml('o_llm_wechat_2', LONG_TAIL));
    expect(slow.status).toBe(200);
    // A passive reply (not the empty acknowledgement of a late answer) with the ladder's text.
    expectLadder(passiveText(slow.body));
    await eventually(() => expect(answerRequests().at(-1)!.aborted).toBe(true));
  });

  it('leaves confident and out-of-scope questions to the bot alone', async () => {
    const fee = await say(h, 'llm-web-6', '印花税怎么收');
    expect(fee.text).not.toContain('本回答由AI生成');
    await say(h, 'llm-web-7', '今天天气怎么样');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('follow-up rewriting', () => {
  it('classifies the rewritten question and records it beside the customer words', async () => {
    // No subject in play (a greeting), so the rules cannot place 那周末呢: the model rewrites it.
    await say(h, 'llm-web-8', '你好');
    rewriteTo = '周末可以交易吗？';
    const followUp = await say(h, 'llm-web-8', '那周末呢');
    const rewrite = fake.requests.find((r) => useOf(r) === 'rewrite');
    expect(userText(fake, rewrite!)).toContain('客户：你好');
    // The rewritten question reached the trading-hours answer, not the ladder.
    expect(followUp.text).not.toMatch(/没太理解|没能理解|不在我的服务范围/);
    const lines = await h.stores.transcripts.list(webConversation(h, 'llm-web-8'));
    const customer = lines.filter((l) => l.direction === 'customer').at(-1);
    expect(customer).toMatchObject({
      text: '那周末呢',
      intent: 'faq.trading_hours',
      data: { rewrittenAs: '周末可以交易吗？' },
    });
  });

  it('leaves a follow-up the rules resolve to the rules (no model call)', async () => {
    await say(h, 'llm-web-11', '几点开盘');
    const followUp = await say(h, 'llm-web-11', '那周末呢');
    expect(followUp.text).toContain('休市');
    expect(fake.requests.some((r) => useOf(r) === 'rewrite')).toBe(false);
  });

  it('keeps the message as typed when the model cannot rewrite it', async () => {
    await say(h, 'llm-web-9', '你好');
    const reply = await say(h, 'llm-web-9', '那周末呢');
    expect(fake.requests.some((r) => useOf(r) === 'rewrite')).toBe(true);
    expectLadder(reply.text);
  });
});

describe('the handoff summary', () => {
  it('starts the Slack thread, written from the masked transcript', async () => {
    await say(h, 'llm-web-10', `我手机${PHONE}，${LONG_TAIL}`);
    await say(h, 'llm-web-10', '转人工');
    const header = await eventually(() => {
      const found = h.slack!.messages.find(
        (m) =>
          m.channel === SLACK_CHANNEL &&
          !m.thread_ts &&
          JSON.stringify(m.blocks).includes(JSON.stringify(webConversation(h, 'llm-web-10'))),
      );
      if (!found) throw new Error('no thread yet');
      return found;
    });
    const first = await eventually(() => {
      const replies = h.slack!.threadReplies(SLACK_CHANNEL, header.ts);
      if (replies.length === 0) throw new Error('no thread reply yet');
      return replies[0]!;
    });
    expect(first.text).toBe(`${SUMMARY_TITLE}\n${SUMMARY}`);
    const request = fake.requests.find((r) => useOf(r) === 'summary');
    const prompt = userText(fake, request!);
    expect(prompt).toContain('转人工原因：客户要求转人工');
    expect(prompt).toContain('138****5678');
    expect(prompt).not.toContain(PHONE);
  });
});
