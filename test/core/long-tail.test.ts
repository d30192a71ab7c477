// The pipeline's hooks for the optional LLM layer, with plain fakes of the ports (no model, no
// langchain): when the knowledge answerer and the follow-up rewriter are asked, and what happens
// to their answers.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent } from '../../src/content/load.ts';
import type {
  ConversationLine,
  FollowUpRewriter,
  LlmTurnContext,
  LongTailAnswer,
  LongTailAnswerer,
} from '../../src/core/llm-ports.ts';
import { DEFAULT_AI_LABEL, KNOWLEDGE_ANSWER_INTENT } from '../../src/core/long-tail.ts';
import type { InboundContent } from '../../src/core/message.ts';
import { createConversationGateway } from '../../src/core/pipeline.ts';
import { loadDialogs } from '../../src/dialog/loader.ts';
import type { NluResult } from '../../src/nlu/types.ts';
import { createMemoryStores } from '../../src/store/index.ts';
import { createFakeHandoff, createMemoryLogger, fixedClock } from './fakes.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const content = loadContent({ rootDir: ROOT });
const { dialogs } = loadDialogs(join(ROOT, 'dialogs'), ROOT);

/** What the classifier says about each text: unsure about anything it was not told. */
const READINGS: Record<string, NluResult> = {
  几点开盘: { intent: 'faq.trading_hours', confidence: 0.98, alternatives: [], entities: [] },
  今天天气怎么样: {
    intent: 'out_of_scope',
    confidence: 0.9,
    alternatives: [],
    entities: [],
    question: { id: 'oos.weather', confidence: 0.99 },
  },
  我要投诉: { intent: 'service.complaint', confidence: 0.97, alternatives: [], entities: [] },
  周末可以交易吗: { intent: 'faq.trading_hours', confidence: 0.95, alternatives: [], entities: [] },
};
const nlu = {
  analyze: (text: string): NluResult =>
    READINGS[text] ?? {
      intent: 'faq.trading_rules',
      confidence: 0.3,
      alternatives: [{ intent: 'faq.trading_hours', confidence: 0.2 }],
      entities: [],
    },
};

const ANSWER: LongTailAnswer = {
  text: '新股上市初期盘中涨跌达到30%、60%时，各临时停牌10分钟。',
  sources: [{ title: 'A股交易规则要点', file: 'knowledge/trading-rules.md', section: '临时停牌' }],
  evidence: ['无涨跌幅期间，盘中成交价较当日开盘价首次涨跌达到 ±30%、±60% 时，各临时停牌10分钟。'],
  model: 'fake',
};

function fakeAnswerer(
  reply: (q: string) => LongTailAnswer | null | Promise<LongTailAnswer | null>,
) {
  const asked: { question: string; context: LlmTurnContext }[] = [];
  const answerer: LongTailAnswerer = {
    async answer(question, context) {
      asked.push({ question, context });
      return reply(question);
    },
  };
  return { answerer, asked };
}

function fakeRewriter(reply: (text: string) => string | null) {
  const asked: { text: string; history: readonly ConversationLine[] }[] = [];
  const rewriter: FollowUpRewriter = {
    async rewrite(text, history) {
      asked.push({ text, history });
      return reply(text);
    },
  };
  return { rewriter, asked };
}

function build(
  llm: { answerer?: LongTailAnswerer; rewriter?: FollowUpRewriter },
  firm = content.firm,
) {
  const stores = createMemoryStores();
  const logger = createMemoryLogger();
  const clock = fixedClock();
  const gateway = createConversationGateway({
    nlu,
    content: { intents: content.intents, firm },
    dialogs,
    stores,
    handoff: createFakeHandoff(),
    clock: clock.now,
    logger,
    llm,
  });
  const send = async (text: string | InboundContent, conversationId = 'web:lt') => {
    const replies = await gateway.handleInbound({
      channel: 'web',
      conversationId,
      userId: 'u1',
      receivedAt: clock.now().toISOString(),
      content: typeof text === 'string' ? { kind: 'text', text } : text,
    });
    return replies.map((r) => r.text).join('\n');
  };
  return { stores, logger, send };
}

describe('knowledge answers in the pipeline', () => {
  it('answers an unsure in-domain question instead of starting the ladder', async () => {
    const { answerer, asked } = fakeAnswerer(() => ANSWER);
    const { send, stores } = build({ answerer });
    const before = Date.now();
    const reply = await send('股票质押回购怎么办');
    expect(reply).toBe(
      // The label stays first; the conversation's greeting follows it.
      `${content.firm.aiLabel}\n您好，${ANSWER.text}\n（依据：《A股交易规则要点》）\n${content.firm.riskDisclosure}`,
    );
    expect(asked).toHaveLength(1);
    expect(asked[0]!.question).toBe('股票质押回购怎么办');
    expect(asked[0]!.context).toMatchObject({ conversationId: 'web:lt', channel: 'web' });
    expect(asked[0]!.context.startedAt).toBeGreaterThanOrEqual(before);
    const lines = await stores.transcripts.list('web:lt');
    expect(lines.map((l) => [l.direction, l.intent])).toEqual([
      // In the business's words but placed nowhere: out of scope with no candidate, for the ladder.
      ['customer', 'out_of_scope'],
      ['bot', KNOWLEDGE_ANSWER_INTENT],
    ]);
    // The ladder starts over: the next unsure question without an answer is its first step.
    const { answerer: none } = fakeAnswerer(() => null);
    const second = build({ answerer: none });
    expect(await second.send('股票质押回购怎么办')).toMatch(/没太理解|没能理解/);
  });

  it('uses the default AI label when the firm has none, and adds no disclosure without products', async () => {
    const plain = { ...ANSWER, text: '临时停牌10分钟。' };
    const { answerer } = fakeAnswerer(() => plain);
    const { aiLabel: _drop, ...firm } = content.firm;
    const reply = await build({ answerer }, firm).send('停牌多久');
    expect(reply).toBe(
      `${DEFAULT_AI_LABEL}\n您好，临时停牌10分钟。\n（依据：《A股交易规则要点》）`,
    );
  });

  it('is not asked for confident, out-of-scope, cancel or human messages, nor inside a form', async () => {
    const { answerer, asked } = fakeAnswerer(() => ANSWER);
    const { send } = build({ answerer });
    await send('几点开盘', 'web:a');
    await send('今天天气怎么样', 'web:b');
    await send('取消', 'web:c');
    await send('转人工', 'web:d');
    // The complaint form asks for a name: free text there is an answer, not a question.
    await send('我要投诉', 'web:f');
    await send('股票质押回购怎么办', 'web:f');
    expect(asked).toEqual([]);
  });

  it('is not asked when the customer picks one of the options the ladder offered', async () => {
    const { answerer, asked } = fakeAnswerer(() => null);
    const { send } = build({ answerer });
    await send('随便问问');
    const menu = await send('还是不懂');
    expect(menu).toContain('下面哪一个');
    expect(asked).toHaveLength(2);
    await send('1');
    expect(asked).toHaveLength(2);
  });

  it('falls back to the ladder when the answer fails compliance or the layer throws', async () => {
    const invented = fakeAnswerer(() => ({ ...ANSWER, text: '临时停牌15分钟。' }));
    const a = build({ answerer: invented.answerer });
    expect(await a.send('股票质押回购怎么办')).toMatch(/没太理解|没能理解/);
    expect(
      a.logger.lines.find((l) => l.message === 'knowledge answer refused by compliance'),
    ).toMatchObject({ level: 'warn', fields: { reasons: ['依据中没有的数字或日期：「15」'] } });

    const advice = fakeAnswerer(() => ({ ...ANSWER, text: '停牌是好机会，建议您买入。' }));
    expect(await build({ answerer: advice.answerer }).send('股票质押回购怎么办')).not.toContain(
      '买入',
    );

    const unsourced = fakeAnswerer(() => ({ ...ANSWER, sources: [], evidence: [] }));
    expect(await build({ answerer: unsourced.answerer }).send('股票质押回购怎么办')).not.toContain(
      DEFAULT_AI_LABEL,
    );

    const broken = fakeAnswerer(() => Promise.reject(new Error('socket hang up')));
    const b = build({ answerer: broken.answerer });
    expect(await b.send('股票质押回购怎么办')).toMatch(/没太理解|没能理解/);
    expect(b.logger.lines.some((l) => l.message === 'knowledge answer failed')).toBe(true);
  });
});

describe('follow-up rewriting in the pipeline', () => {
  it('rewrites only with an earlier question, from the recent lines, and classifies the rewrite', async () => {
    // 那期货呢: the opening-hours answer does not speak of futures, so no part of it answers.
    const { rewriter, asked } = fakeRewriter(() => '周末可以交易吗');
    const { send, stores } = build({ rewriter });
    // Nothing to refer back to: not asked.
    await send('那期货呢', 'web:r1');
    expect(asked).toEqual([]);
    await send('几点开盘', 'web:r2');
    const reply = await send('那期货呢', 'web:r2');
    expect(asked).toHaveLength(1);
    expect(asked[0]!.history[0]).toEqual({ speaker: 'customer', text: '几点开盘' });
    expect(asked[0]!.history[1]?.speaker).toBe('bot');
    expect(reply).not.toMatch(/没太理解|没能理解/);
    const customer = (await stores.transcripts.list('web:r2')).filter(
      (l) => l.direction === 'customer',
    );
    expect(customer.at(-1)).toMatchObject({
      text: '那期货呢',
      intent: 'faq.trading_hours',
      data: { rewrittenAs: '周末可以交易吗' },
    });
  });

  it('goes on with the message as typed when the rewrite is empty, unchanged or off-topic', async () => {
    for (const rewrite of [null, '那期货呢', '今天天气怎么样']) {
      const { rewriter } = fakeRewriter(() => rewrite);
      const { send, stores } = build({ rewriter });
      await send('几点开盘');
      expect(await send('那期货呢')).toMatch(/没太理解|没能理解/);
      const last = (await stores.transcripts.list('web:lt')).filter(
        (l) => l.direction === 'customer',
      );
      expect(last.at(-1)?.data).toBeUndefined();
    }
  });

  it('answers from the latest answer when part of it speaks to the follow-up, without the model', async () => {
    const { rewriter, asked } = fakeRewriter(() => '周末可以交易吗');
    const { send } = build({ rewriter });
    await send('几点开盘');
    // The opening-hours answer ends with 周末和法定节假日休市: that part, alone.
    const reply = await send('那周末呢');
    expect(reply).toMatch(/周末.*休市/u);
    expect(reply).not.toMatch(/9:15/u);
    expect(asked).toEqual([]);
  });

  it('hands the rewritten question to the knowledge answerer', async () => {
    const { rewriter } = fakeRewriter(() => '新股股票质押回购怎么办');
    const { answerer, asked } = fakeAnswerer(() => ANSWER);
    const { send } = build({ rewriter, answerer });
    await send('几点开盘');
    expect(await send('那新股呢')).toContain(ANSWER.text);
    expect(asked[0]!.question).toBe('新股股票质押回购怎么办');
  });
});
