// The two compliance guards of the turn pipeline, each through the real gateway: the advice safety
// net (a request for advice the classifier missed is still declined, with the risk disclosure) and
// the outbound block (a reply that promises returns never reaches the customer or the record).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent } from '../../src/content/load.ts';
import { createConversationGateway } from '../../src/core/pipeline.ts';
import { loadDialogs } from '../../src/dialog/loader.ts';
import { buildNluEngine } from '../../src/nlu/engine.ts';
import { createFakeClassifier } from '../../src/nlu/fake-classifier.ts';
import { createMemoryStores } from '../../src/store/index.ts';
import { createFakeHandoff, createMemoryLogger, fixedClock } from './fakes.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const content = loadContent({ rootDir: ROOT });
const { dialogs } = loadDialogs(join(ROOT, 'dialogs'), ROOT);
// A classifier that hears trading hours in anything with 几点 or 交易时间, and nothing else.
const nlu = buildNluEngine(content, {
  classifierOverride: createFakeClassifier({ 'faq.trading_hours': ['交易时间', '几点'] }),
});

/** A gateway whose trading-hours answer is `answer` (content as a content team might break it). */
function gateway(answer?: string) {
  const stores = createMemoryStores();
  const logger = createMemoryLogger();
  const clock = fixedClock();
  const withAnswer = answer
    ? {
        ...content,
        intents: content.intents.map((i) =>
          i.id === 'faq.trading_hours'
            ? {
                ...i,
                answers: [answer],
                questions: i.questions.map((q) => ({ ...q, answers: [answer] })),
              }
            : i,
        ),
      }
    : content;
  const gw = createConversationGateway({
    nlu,
    content: withAnswer,
    dialogs,
    stores,
    handoff: createFakeHandoff(),
    clock: clock.now,
    logger,
  });
  const send = async (text: string, conversationId: string) => {
    const replies = await gw.handleInbound({
      channel: 'web',
      conversationId,
      userId: 'u1',
      receivedAt: clock.now().toISOString(),
      content: { kind: 'text', text },
    });
    return replies.map((r) => r.text).join('\n');
  };
  return { stores, logger, send };
}

describe('the advice safety net', () => {
  it.each([
    ['推荐几只明天会涨的股票', 'the classifier heard nothing'],
    ['几点买哪只股票会大涨', 'the classifier heard trading hours'],
    ['交易时间内买什么股票能赚钱', 'the classifier heard trading hours'],
    ['这个理财保本吗', 'a question about guaranteed returns'],
  ])('declines "%s" (%s) as advice, with the risk disclosure', async (text) => {
    const { stores, send } = gateway();
    const conversationId = `web:advice-${text.length}`;
    const reply = await send(text, conversationId);
    expect(reply).toContain(content.firm.riskDisclosure);
    const [customer] = await stores.transcripts.list(conversationId);
    expect(customer).toMatchObject({ direction: 'customer', intent: 'advice.request' });
  });

  it('leaves a question about trading rules to the classifier', async () => {
    const { stores, send } = gateway();
    await send('交易时间是几点', 'web:rules-1');
    const [customer] = await stores.transcripts.list('web:rules-1');
    expect(customer).toMatchObject({ direction: 'customer', intent: 'faq.trading_hours' });
  });
});

describe('the outbound compliance block', () => {
  it.each([
    ['这只股票稳赚不赔', '承诺稳赚'],
    ['本产品保本，零风险', '承诺保本'],
    ['目标价35元，一年翻三倍', '给出目标价'],
    ['有内幕消息，推荐买入', '内幕消息'],
  ])(
    'replaces the answer "%s" with a polite referral and logs why (%s)',
    async (answer, reason) => {
      const { stores, logger, send } = gateway(answer);
      const reply = await send('交易时间是几点', 'web:block-1');
      expect(reply).not.toContain(answer);
      expect(reply).toContain(content.firm.hotline);
      const recorded = JSON.stringify(await stores.transcripts.list('web:block-1'));
      expect(recorded).not.toContain(answer);
      const warning = logger.lines.find((l) => l.level === 'warn' && l.fields.reasons);
      expect(warning?.fields.conversationId).toBe('web:block-1');
      expect(JSON.stringify(warning?.fields.reasons)).toContain(reason);
    },
  );

  it('lets a disclaimer through unchanged', async () => {
    const disclaimer = '交易时间为9:30至15:00。我们不承诺收益，投资有风险。';
    const { logger, send } = gateway(disclaimer);
    const reply = await send('交易时间是几点', 'web:block-2');
    expect(reply).toContain(disclaimer);
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});
