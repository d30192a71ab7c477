// The LLM layer against a fake OpenAI-compatible server, through the real langchain client:
// what is sent (passages, masking, the API's required fields), what comes back (grounded answer,
// refusal, nonsense), and what happens when the model is slow, failing or busy.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.ts';
import { answerJson, layerFor, passagesIn, turn, userText } from './support.ts';
import { eventually } from '../app/harness.ts';

let fake: FakeOpenAi;

beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.requests.length = 0;
  fake.respond(() => answerJson('', []));
});

/** Answers from the passage about 临时停牌 if the prompt holds it, like an obedient model. */
function answerAboutHalts(): void {
  fake.respond((request) => {
    for (const [id, text] of passagesIn(userText(fake, request))) {
      if (text.includes('临时停牌')) return answerJson('达到30%或60%时各临时停牌10分钟。', [id]);
    }
    return answerJson('', []);
  });
}

describe('grounded answers', () => {
  it('sends the retrieved passages and gets an answer naming its document', async () => {
    answerAboutHalts();
    const answer = await layerFor(fake).answerer!.answer('新股临时停牌多久', turn());
    expect(answer).not.toBeNull();
    expect(answer!.text).toBe('达到30%或60%时各临时停牌10分钟。');
    expect(answer!.sources).toEqual([
      {
        title: 'A股交易规则要点',
        file: 'knowledge/trading-rules.md',
        section: '新股上市初期的价格限制与临时停牌',
      },
    ]);
    expect(answer!.evidence.join()).toContain('各临时停牌10分钟');

    const [request] = fake.requests;
    expect(request!.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(request!.body.model).toBe(fake.model);
    expect(request!.body.temperature).toBe(0);
    expect(request!.body.max_tokens).toBe(600);
    expect(request!.stream).toBe(false);
    expect(request!.messages.map((m) => m.role)).toEqual(['system', 'user']);
    const prompt = userText(fake, request!);
    expect(prompt).toContain('新股临时停牌多久');
    expect(prompt).toContain('《A股交易规则要点》 新股上市初期的价格限制与临时停牌');
    // Reviewer marks stay out of what the model reads.
    expect(prompt).not.toMatch(/【|\[S\d/);
  });

  it('works the same over server-sent events', async () => {
    answerAboutHalts();
    const answer = await layerFor(fake, { streaming: true }).answerer!.answer(
      '新股临时停牌多久',
      turn(),
    );
    expect(answer?.text).toBe('达到30%或60%时各临时停牌10分钟。');
    expect(fake.requests[0]!.stream).toBe(true);
    // Compatible servers reject OpenAI's stream_options; the client must not send it.
    expect(fake.requests[0]!.body.stream_options).toBeUndefined();
    expect(fake.requests[0]!.status).toBe(200);
  });

  it('masks personal data before the question reaches the model', async () => {
    answerAboutHalts();
    await layerFor(fake).answerer!.answer(
      '我手机13812345678，身份证110101199003071234，新股临时停牌多久',
      turn(),
    );
    const sent = JSON.stringify(fake.requests.map((r) => r.body));
    expect(sent).toContain('138****5678');
    expect(sent).not.toContain('13812345678');
    expect(sent).not.toContain('110101199003071234');
  });

  it('returns nothing when the model says the passages do not answer', async () => {
    const layer = layerFor(fake);
    expect(await layer.answerer!.answer('新股临时停牌多久', turn())).toBeNull();
    expect(fake.requests).toHaveLength(1);
    expect((await layer.answerer!.attempt('新股临时停牌多久', turn())).kind).toBe('refused');
  });

  it('returns nothing for a reply that is not the JSON asked for or cites a passage it was not given', async () => {
    const layer = layerFor(fake);
    fake.respond(() => '临时停牌10分钟。');
    expect((await layer.answerer!.attempt('新股临时停牌多久', turn())).kind).toBe('unparseable');
    fake.respond(() => answerJson('临时停牌10分钟。', ['K9']));
    expect(await layer.answerer!.answer('新股临时停牌多久', turn())).toBeNull();
  });

  it('accepts the JSON inside a code fence', async () => {
    fake.respond(
      () => '```json\n' + answerJson('达到30%或60%时各临时停牌10分钟。', ['K1']) + '\n```',
    );
    expect((await layerFor(fake).answerer!.answer('新股临时停牌多久', turn()))?.text).toBe(
      '达到30%或60%时各临时停牌10分钟。',
    );
  });

  it('does not call the model when no passage covers the question', async () => {
    const layer = layerFor(fake);
    expect((await layer.answerer!.attempt('今天天气怎么样', turn())).kind).toBe('no_passages');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('resilience', () => {
  it('gives up at the turn budget and closes the connection', async () => {
    fake.respond(() => ({ content: answerJson('x', ['K1']), delayMs: 5000 }));
    const outcome = await layerFor(fake, { turnTimeoutMs: 400 }).answerer!.attempt(
      '新股临时停牌多久',
      turn(),
    );
    expect(outcome).toEqual({ kind: 'unavailable', reason: 'timeout' });
    await eventually(() => expect(fake.requests[0]!.aborted).toBe(true));
  });

  it('holds WeChat turns to the passive-window budget, other channels to the turn budget', async () => {
    fake.respond((request) => ({
      content: answerJson('达到30%或60%时各临时停牌10分钟。', [
        [...passagesIn(userText(fake, request)).keys()][0] ?? 'K1',
      ]),
      delayMs: 800,
    }));
    const layer = layerFor(fake, { turnTimeoutMs: 5000, passiveWindowTimeoutMs: 300 });
    expect((await layer.answerer!.attempt('新股临时停牌多久', turn('web'))).kind).toBe('answered');
    expect(await layer.answerer!.attempt('新股临时停牌多久', turn('wechat-mp'))).toEqual({
      kind: 'unavailable',
      reason: 'timeout',
    });
    expect(await layer.answerer!.attempt('新股临时停牌多久', turn('wecom'))).toEqual({
      kind: 'unavailable',
      reason: 'timeout',
    });
  });

  it('does not start a request when the turn has already used its budget', async () => {
    const layer = layerFor(fake, { turnTimeoutMs: 1000 });
    const late = { ...turn(), startedAt: Date.now() - 990 };
    expect(await layer.answerer!.attempt('新股临时停牌多久', late)).toEqual({
      kind: 'unavailable',
      reason: 'no_time',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('opens the circuit after repeated failures and stops sending requests', async () => {
    const other = await startFakeOpenAi({ apiKey: 'sk-the-right-key' });
    try {
      const logs: string[] = [];
      // The layer holds the wrong key: every request is refused with 401.
      const layer = layerFor(other, { apiKey: 'sk-wrong', breakerFailures: 2 }, logs);
      for (let i = 0; i < 2; i++) {
        expect(await layer.answerer!.attempt('新股临时停牌多久', turn())).toEqual({
          kind: 'unavailable',
          reason: 'failed',
        });
      }
      expect(other.requests.map((r) => r.status)).toEqual([401, 401]);
      expect(logs.join('\n')).toMatch(/401|Incorrect API key/);
      expect(layer.breaker.state).toBe('open');
      expect(await layer.answerer!.attempt('新股临时停牌多久', turn())).toEqual({
        kind: 'unavailable',
        reason: 'circuit_open',
      });
      expect(other.requests).toHaveLength(2);
    } finally {
      await other.close();
    }
  });

  it('refuses at once when every slot is taken instead of queueing customers', async () => {
    fake.respond(() => ({ content: answerJson('', []), delayMs: 600 }));
    const layer = layerFor(fake, { maxConcurrency: 1 });
    const first = layer.answerer!.attempt('新股临时停牌多久', turn());
    await eventually(() => expect(fake.requests).toHaveLength(1));
    expect(await layer.answerer!.attempt('印花税多少', turn())).toEqual({
      kind: 'unavailable',
      reason: 'busy',
    });
    expect((await first).kind).toBe('refused');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('follow-up rewriting and handoff summaries', () => {
  it('rewrites a follow-up from the recent lines, masked', async () => {
    fake.respond(() => '改写后的问题：“机构开户需要准备哪些资料？”');
    const rewritten = await layerFor(fake).rewriter!.rewrite(
      '那机构呢',
      [
        { speaker: 'customer', text: '个人开户要什么资料？我电话13812345678' },
        { speaker: 'bot', text: '个人开户需要身份证、银行卡和手机号。' },
      ],
      turn(),
    );
    expect(rewritten).toBe('机构开户需要准备哪些资料？');
    const prompt = userText(fake, fake.requests[0]!);
    expect(prompt).toContain('客户：个人开户要什么资料？我电话138****5678');
    expect(prompt).toContain('客户的追问：那机构呢');
    expect(fake.requests[0]!.body.max_tokens).toBe(80);
  });

  it('keeps the message as it is when the model cannot tell what it refers to', async () => {
    fake.respond(() => '无法改写');
    expect(await layerFor(fake).rewriter!.rewrite('那个呢', [], turn())).toBeNull();
    fake.respond(() =>
      '机构开户需要营业执照、法定代表人身份证明、授权委托书、经办人身份证件和公章等材料，具体以营业部要求为准。'.repeat(
        2,
      ),
    );
    expect(await layerFor(fake).rewriter!.rewrite('那机构呢', [], turn())).toBeNull();
  });

  it('summarises the masked transcript for the agent', async () => {
    fake.respond(() => '诉求：客户咨询转账失败\n已尝试：机器人给出转账时间\n情绪：着急');
    const summary = await layerFor(fake).summarizer!.summarize({
      reasonText: '客户要求转人工',
      transcriptText: '客户：银证转账失败了，卡号6222021234567890123\n机器人：请确认转账时间。',
    });
    expect(summary).toBe('诉求：客户咨询转账失败\n已尝试：机器人给出转账时间\n情绪：着急');
    const prompt = userText(fake, fake.requests[0]!);
    expect(prompt).toContain('转人工原因：客户要求转人工');
    expect(prompt).not.toContain('6222021234567890123');
  });
});
