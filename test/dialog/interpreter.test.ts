// The interpreter on its own: pure steps over small in-test dialogs.
import { describe, expect, it } from 'vitest';
import { parseDialogFile } from '../../src/dialog/loader.ts';
import {
  DEFAULT_POLICY,
  initialDialogState,
  restoreDialogState,
  step,
  isHumanRequest,
} from '../../src/dialog/interpreter.ts';
import type {
  DialogEnvironment,
  DialogInput,
  DialogState,
  StepResult,
} from '../../src/dialog/types.ts';
import type { IntentDefinition, StandardQuestion } from '../../src/content/types.ts';
import type { ContentIssue } from '../../src/content/types.ts';
import type { Json } from '../../src/store/types.ts';

const DIALOGS = `
dialogs:
  - id: form
    title: 测试登记
    start: hello
    onCancel: 已取消登记，填写的电话没有保存。
    nodes:
      hello: { kind: say, text: 您好，开始登记。, next: ask_phone }
      ask_phone:
        kind: ask
        slot: phone
        type: phone
        prompt: 请输入手机号
        reprompt: 手机号格式不对，请重新输入
        maxRetries: 1
        onFail: give_up
        next: save
      save: { kind: effect, effect: create_ticket, next: done, onError: oops }
      done: { kind: end, text: "已登记，单号{slot.ticketId}，电话{slot.phone|mask_phone}" }
      oops: { kind: end, text: 登记失败 }
      give_up: { kind: handoff, reason: complaint, text: 为您转人工 }
  - id: fallback
    title: 兜底
    start: by_level
    interrupt: abandon
    nodes:
      by_level:
        kind: branch
        cases:
          - { when: { slot: level, equals: "1" }, next: l1 }
          - { when: { slot: level, equals: "2" }, next: l2 }
        default: l3
      l1: { kind: say, text: 请换个说法 }
      l2: { kind: suggest, text: 您想问哪个？, max: 2 }
      l3: { kind: end, text: 为您推荐人工 }
  - id: human_handoff
    title: 转人工
    start: go
    nodes:
      go: { kind: handoff, reason: customer_request, text: 正在转人工 }
  - id: satisfaction_survey
    title: 评价
    start: score
    nodes:
      score:
        kind: choice
        slot: score
        prompt: 请打分
        options: ["1", "2", "3", "4", "5"]
        onFail: bye
        next: bye
      bye: { kind: end, text: 谢谢 }
`;

function intent(
  id: string,
  answer: string,
  dialog?: string,
  dialogWhen?: string,
): IntentDefinition {
  return {
    id,
    title: id,
    examples: [],
    answers: [answer],
    quickReplies: [],
    riskDisclosure: false,
    questions: [],
    ...(dialog ? { dialog } : {}),
    ...(dialogWhen ? { dialogWhen } : {}),
    source: { file: 'x', line: 1 },
  };
}

function environment(): DialogEnvironment {
  const issues: ContentIssue[] = [];
  const dialogs = parseDialogFile(DIALOGS, 'test.yaml', issues);
  expect(issues).toEqual([]);
  return {
    dialogs: new Map(dialogs.map((d) => [d.id, d])),
    questions: new Map(),
    intents: new Map(
      [
        intent('service.complaint', '', 'form'),
        intent('faq.trading_hours', '交易时间是9:30开始'),
        intent('faq.fees', '佣金按约定收取'),
        intent('service.human', '', 'human_handoff'),
        intent('chitchat.thanks', '不客气'),
        // The complaint form only when the message says something went wrong.
        intent('faq.transfer', '银证转账时间为交易日9:00-16:00', 'form', '失败|转不'),
      ].map((i) => [i.id, i]),
    ),
    firm: { hotline: '95000' },
    policy: { ...DEFAULT_POLICY, popularIntents: ['faq.fees'] },
  };
}

const NOW = '2026-11-23T02:00:00.000Z';
function say(text: string, intentId = 'out_of_scope', confidence = 0.1): DialogInput {
  return {
    kind: 'message',
    text,
    choice: null,
    now: NOW,
    nlu: {
      intent: intentId,
      confidence,
      alternatives: [{ intent: 'faq.trading_hours', confidence: 0.2 }],
      entities: [],
    },
  };
}
const texts = (r: StepResult): string => r.outputs.map((o) => o.message.text).join('|');

describe('step', () => {
  const env = environment();
  it("starts an intent's dialog only for messages matching its dialogWhen", () => {
    const answered = step(env, null, say('银证转账几点可以转', 'faq.transfer', 0.9));
    expect(texts(answered)).toContain('9:00-16:00');
    expect(answered.state.frame).toBeNull();
    const started = step(env, null, say('银证转账失败了', 'faq.transfer', 0.9));
    expect(started.state.frame?.dialogId).toBe('form');
    // Written in simplified, a pattern still matches a 繁體 message through its normalised form.
    expect(step(env, null, say('轉賬失敗', 'faq.transfer', 0.9)).state.frame?.dialogId).toBe(
      'form',
    );
  });

  it('lets a sure standard question answer over the dialog only when it reads the report', () => {
    const question = (id: string, asked: string, next?: string): StandardQuestion => ({
      id,
      topic: 'faq.transfer',
      question: asked,
      similar: [],
      answers: [`${id} 的答案`],
      facets: {},
      related: [],
      riskDisclosure: false,
      ...(next ? { next } : {}),
      source: { file: 'x', line: 1, similarLines: [], answerLines: [] },
    });
    const questions = [
      question('transfer.failed', '银证转账失败怎么办？', 'form'),
      question('transfer.limit', '转账失败提示超过限额怎么办？'),
      question('transfer.in', '怎么把钱转进证券账户？'),
    ];
    const withQuestions: DialogEnvironment = {
      ...env,
      questions: new Map(questions.map((q) => [q.id, q])),
    };
    const asking = (text: string, id: string): DialogInput => {
      const input = say(text, 'faq.transfer', 0.95);
      return input.kind === 'message'
        ? { ...input, nlu: { ...input.nlu, question: { id, confidence: 0.95 } } }
        : input;
    };
    const dialogFor = (text: string, id: string): string | undefined =>
      step(withQuestions, null, asking(text, id)).state.frame?.dialogId;
    // 转账失败怎么办 sums up the troubleshooting dialog: the dialog takes the report.
    expect(dialogFor('银证转账转不出去', 'transfer.failed')).toBe('form');
    // A how-to reading of a failure report missed the failure: the dialog takes it too.
    expect(dialogFor('钱一直转不进去', 'transfer.in')).toBe('form');
    // A precise question about the failure itself is answered as asked.
    const precise = step(withQuestions, null, asking('转账失败说超限额了', 'transfer.limit'));
    expect(texts(precise)).toBe('transfer.limit 的答案');
    expect(precise.state.frame).toBeNull();
    // Without failure words the dialog is not started at all.
    expect(dialogFor('怎么把钱转进来', 'transfer.in')).toBeUndefined();
  });

  it('starts the dialog of a confident intent and waits at the first question', () => {
    const r = step(env, null, say('我要投诉', 'service.complaint', 0.9));
    expect(texts(r)).toBe('您好，开始登记。|请输入手机号');
    expect(r.state.frame).toMatchObject({ dialogId: 'form', nodeId: 'ask_phone' });
    expect(r.state.awaiting).toBe('input');
  });

  it('does not change the state it was given', () => {
    const before = step(env, null, say('我要投诉', 'service.complaint', 0.9)).state;
    const copy = structuredClone(before);
    step(env, before, say('13812345678'));
    expect(before).toEqual(copy);
  });

  it('re-prompts an invalid answer, then takes the defined exit after maxRetries', () => {
    let s = step(env, null, say('我要投诉', 'service.complaint', 0.9)).state;
    let r = step(env, s, say('12345'));
    expect(texts(r)).toBe('手机号格式不对，请重新输入');
    s = r.state;
    r = step(env, s, say('67890'));
    // The node's words go with the desk's decision, in one message said by the handoff effect.
    expect(texts(r)).toBe('');
    expect(r.effects).toEqual([
      { kind: 'handoff', reason: 'complaint', ticketId: null, preface: '为您转人工' },
    ]);
    expect(r.awaitingEffect).toBe(true);
    const queued = step(env, r.state, { kind: 'effect_result', ok: true, data: {} });
    expect(queued.outputs).toEqual([]);
    expect(queued.state.frame).toBeNull();
  });

  it('answers another confident question mid-form and asks the same question again', () => {
    const s = step(env, null, say('我要投诉', 'service.complaint', 0.9)).state;
    const r = step(env, s, say('几点开盘', 'faq.trading_hours', 0.95));
    expect(texts(r)).toBe('交易时间是9:30开始|好的，我们继续刚才的测试登记。请输入手机号');
    expect(r.state.frame).toMatchObject({ dialogId: 'form', nodeId: 'ask_phone', retries: 0 });
  });

  it('leaves the form on 取消 and says what was discarded', () => {
    const s = step(env, null, say('我要投诉', 'service.complaint', 0.9)).state;
    const r = step(env, s, say('算了'));
    expect(texts(r)).toContain('已取消登记，填写的电话没有保存。');
    expect(r.state.frame).toBeNull();
  });

  it('hands off on 转人工 from the middle of a form', () => {
    const s = step(env, null, say('我要投诉', 'service.complaint', 0.9)).state;
    const r = step(env, s, say('转人工'));
    expect(r.effects).toEqual([
      { kind: 'handoff', reason: 'customer_request', ticketId: null, preface: '正在转人工' },
    ]);
    const queued = step(env, r.state, { kind: 'effect_result', ok: true, data: {} });
    expect(queued.state.frame).toBeNull();
    expect(queued.state.stack).toEqual([]);
  });

  it('waits for an effect result and continues with it; the result is remembered', () => {
    const s = step(env, null, say('我要投诉', 'service.complaint', 0.9)).state;
    const r = step(env, s, say('我的手机 138 1234 5678'));
    expect(r.awaitingEffect).toBe(true);
    expect(r.effects).toEqual([
      { kind: 'create_ticket', dialogId: 'form', slots: { phone: '13812345678' } },
    ]);
    const done = step(env, r.state, { kind: 'effect_result', ok: true, data: { ticketId: 'TS1' } });
    expect(texts(done)).toBe('已登记，单号TS1，电话138****5678');
    expect(done.state.ticketId).toBe('TS1');
    const failed = step(env, r.state, { kind: 'effect_result', ok: false, data: {} });
    expect(texts(failed)).toBe('登记失败');
  });

  it('climbs the fallback ladder, never past the last step, and resets after a confident turn', () => {
    let r = step(env, null, say('阿巴'));
    expect(texts(r)).toBe('请换个说法');
    r = step(env, r.state, say('阿巴'));
    expect(r.outputs[0]?.message).toMatchObject({
      type: 'choices',
      quickReplies: [
        { label: 'faq.trading_hours', value: 'intent:faq.trading_hours' },
        { label: 'faq.fees', value: 'intent:faq.fees' },
        { label: '都不是，转人工', value: 'intent:service.human' },
      ],
    });
    r = step(env, r.state, say('阿巴'));
    expect(texts(r)).toBe('为您推荐人工');
    r = step(env, r.state, say('阿巴'));
    expect(texts(r)).toBe('为您推荐人工');
    expect(r.state.fallbackLevel).toBe(3);
    r = step(env, r.state, say('几点开盘', 'faq.trading_hours', 0.9));
    expect(r.state.fallbackLevel).toBe(0);
    r = step(env, r.state, say('阿巴'));
    expect(texts(r)).toBe('请换个说法');
  });

  it('picks an offered quick reply by its number', () => {
    let r = step(env, null, say('阿巴'));
    r = step(env, r.state, say('阿巴'));
    r = step(env, r.state, say('2'));
    expect(texts(r)).toBe('佣金按约定收取');
  });

  it('offers the survey once after thanks when the customer asked something', () => {
    let r = step(env, null, say('谢谢', 'chitchat.thanks', 0.9));
    expect(texts(r)).toBe('不客气');
    r = step(env, r.state, say('几点开盘', 'faq.trading_hours', 0.9));
    r = step(env, r.state, say('谢谢', 'chitchat.thanks', 0.9));
    expect(texts(r)).toBe('不客气|请打分');
    r = step(env, r.state, say('5'));
    expect(texts(r)).toBe('谢谢');
    r = step(env, r.state, say('谢谢', 'chitchat.thanks', 0.9));
    expect(texts(r)).toBe('不客气');
  });

  it('keeps its position as plain JSON that survives a store round trip', () => {
    const s = step(env, null, say('我要投诉', 'service.complaint', 0.9)).state;
    const saved = JSON.parse(JSON.stringify(s)) as Json;
    expect(restoreDialogState(saved, env.dialogs)).toEqual(s);
    expect(s).toMatchObject({
      v: 1,
      frame: { dialogId: 'form', nodeId: 'ask_phone', slots: {} },
      stack: [],
    });
  });

  it('starts over on a saved position of another version or a removed dialog', () => {
    expect(restoreDialogState({ v: 99 }, env.dialogs)).toEqual(initialDialogState());
    const s: DialogState = {
      ...initialDialogState(),
      frame: { dialogId: 'gone', nodeId: 'x', slots: {}, retries: 0, resumeTo: null },
      awaiting: 'input',
    };
    expect(restoreDialogState(s as unknown as Json, env.dialogs).frame).toBeNull();
  });
});

describe('a request for a person', () => {
  it('is heard anywhere in a message, but not in a question about weekends and holidays', () => {
    expect(isHumanRequest('帮我找人工，我说不清楚')).toBe(true);
    expect(isHumanRequest('转人工')).toBe(true);
    expect(isHumanRequest('周末能找人工吗')).toBe(false);
    expect(isHumanRequest('国庆放假期间能转人工吗')).toBe(false);
  });
});
