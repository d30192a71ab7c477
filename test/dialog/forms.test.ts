// The interpreter's form side on small in-test dialogs: nothing the customer gave is dropped,
// openings pre-fill, the desk's offer to leave a message starts that form with what was given.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadDialogs, parseDialogFile } from '../../src/dialog/loader.ts';
import { DEFAULT_POLICY, DISCARD_FORM, step } from '../../src/dialog/interpreter.ts';
import type {
  DialogEnvironment,
  DialogInput,
  DialogState,
  StepResult,
} from '../../src/dialog/types.ts';
import type { ContentIssue, IntentDefinition, StandardQuestion } from '../../src/content/types.ts';

const DIALOGS = `
dialogs:
  - id: report
    title: 问题登记
    start: ask_name
    onCancel: 已取消登记。
    nodes:
      ask_name: { kind: ask, slot: name, label: 姓名, type: name, prompt: 您的姓名？, onFail: keep, next: ask_when }
      ask_when: { kind: ask, slot: when, label: 发生时间, type: datetime, prefill: true, optional: true, prompt: 什么时候？, onFail: ask_what, next: ask_what }
      ask_what: { kind: ask, slot: what, label: 经过, type: text, prefill: true, prompt: 请描述经过, maxRetries: 1, onFail: keep, next: confirm }
      confirm:
        kind: choice
        prompt: "核对：{slot.name} {slot.when} {slot.what}"
        options:
          - { label: 是, value: ok, means: yes, next: save }
          - { label: 修改经过, value: edit, next: ask_what, then: confirm }
        onFail: keep
      save: { kind: effect, effect: create_ticket, next: done, onError: done }
      keep: { kind: effect, effect: create_ticket, incomplete: true, next: to_agent, onError: to_agent }
      to_agent: { kind: handoff, reason: complaint, text: "已保存为待补充工单{slot.ticketId}。" }
      done: { kind: end, text: 已登记 }
  - id: human_handoff
    title: 转人工
    start: go
    nodes:
      go: { kind: handoff, reason: customer_request }
  - id: leave_message
    title: 留言
    start: ask_question
    nodes:
      ask_question: { kind: ask, slot: description, type: text, prefill: true, acceptsQuestions: true, prompt: 请问您想咨询什么？, reprompt: "{slot.why}，请说说您的问题", maxRetries: 3, onFail: bye, next: ask_phone }
      ask_phone: { kind: ask, slot: phone, type: phone, prefill: true, prompt: 回电电话？, onFail: bye, next: bye }
      bye: { kind: end, text: "好的，{slot.callbackWhen}回电" }
  - id: fallback
    title: 兜底
    start: l1
    interrupt: abandon
    nodes:
      l1: { kind: say, text: 请换个说法 }
  - id: satisfaction_survey
    title: 评价
    start: bye
    nodes:
      bye: { kind: end, text: 谢谢 }
`;

function intent(id: string, answer: string, dialog?: string): IntentDefinition {
  return {
    id,
    title: id,
    examples: [],
    answers: [answer],
    quickReplies: [],
    riskDisclosure: false,
    questions: [],
    ...(dialog ? { dialog } : {}),
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
        intent('service.complaint', '', 'report'),
        intent('service.human', '', 'human_handoff'),
        intent('faq.trading_hours', '交易时间是9:30开始'),
        intent('advice.request', '抱歉，不能推荐股票'),
      ].map((i) => [i.id, i]),
    ),
    firm: { hotline: '95000', appName: '示例APP' },
    policy: { ...DEFAULT_POLICY, popularIntents: [] },
  };
}

const env = environment();
const NOW = '2026-11-23T02:00:00.000Z';
function say(text: string, intentId = 'out_of_scope', confidence = 0.1): DialogInput {
  return message(text, intentId, confidence);
}
function message(
  text: string,
  intentId = 'out_of_scope',
  confidence = 0.1,
): Extract<DialogInput, { kind: 'message' }> {
  return {
    kind: 'message',
    text,
    choice: null,
    now: NOW,
    nlu: { intent: intentId, confidence, alternatives: [], entities: [] },
  };
}
const texts = (r: StepResult): string => r.outputs.map((o) => o.message.text).join('|');
function play(...turns: DialogInput[]): { state: DialogState | null; last: StepResult } {
  let state: DialogState | null = null;
  let last = step(env, state, turns[0] as DialogInput);
  state = last.state;
  for (const t of turns.slice(1)) {
    last = step(env, state, t);
    state = last.state;
  }
  return { state, last };
}

describe('an opening that tells the story', () => {
  it('pre-fills the story and the time, and asks only for the rest', () => {
    const { last } = play(
      say('投诉！上周三交易系统一直登不上，错过了卖出', 'service.complaint', 1),
    );
    expect(last.state.frame?.slots).toMatchObject({
      what: '上周三交易系统一直登不上，错过了卖出',
      when: '上周三',
      when_iso: '2026-11-18',
    });
    const named = step(env, last.state, say('张三'));
    expect(texts(named)).toContain('核对：张三 上周三 上周三交易系统一直登不上');
  });
  it('a bare complaint word pre-fills nothing', () => {
    const { last } = play(say('我要投诉', 'service.complaint', 1));
    expect(last.state.frame?.slots).toEqual({});
  });
  it('a pre-filled answer can still be corrected from the read-back', () => {
    const { state } = play(say('投诉，客服经理昨天态度很差', 'service.complaint', 1), say('李四'));
    const edit = step(env, state, { ...message('修改经过'), choice: 'edit' });
    expect(texts(edit)).toBe('请描述经过');
  });
});

describe('nothing collected is dropped', () => {
  it('asks before discarding typed answers, and keeps going on 继续', () => {
    const { state, last } = play(say('我要投诉', 'service.complaint', 1), say('王五'), say('算了'));
    expect(texts(last)).toContain('您已经告诉我姓名。');
    expect(texts(last)).toMatch(/确定要放弃本次问题登记吗？$/u);
    expect(last.state.frame?.confirmCancel).toBe(true);
    const kept = step(env, state, say('继续'));
    // One paragraph, the question in other words: the customer read the prompt already.
    expect(texts(kept)).toBe('好的，我们继续问题登记。还需要您提供发生时间，方便告诉我吗？');
    const answered = step(env, state, say('昨天'));
    expect(answered.state.frame?.slots.when).toBe('昨天');
    const dropped = step(env, state, { ...message(''), choice: DISCARD_FORM });
    expect(texts(dropped)).toContain('已取消登记。');
    expect(dropped.state.frame).toBeNull();
  });

  it('leaves at once when nothing was typed yet', () => {
    const { last } = play(say('我要投诉', 'service.complaint', 1), say('不用了'));
    expect(texts(last)).toContain('已取消登记。');
  });

  it('files an incomplete ticket with what it has when retries run out, then hands off', () => {
    const { last } = play(
      say('我要投诉', 'service.complaint', 1),
      say('王五'),
      say('不记得'),
      say('好的'),
      say('嗯'),
    );
    expect(last.effects).toEqual([
      {
        kind: 'create_ticket',
        dialogId: 'report',
        slots: { name: '王五', when: '' },
        incomplete: true,
        missing: ['经过'],
      },
    ]);
    const handedOff = step(env, last.state, {
      kind: 'effect_result',
      ok: true,
      data: { ticketId: 'TS1' },
    });
    expect(handedOff.effects[0]).toMatchObject({
      kind: 'handoff',
      reason: 'complaint',
      ticketId: 'TS1',
      preface: '已保存为待补充工单TS1。',
    });
  });

  it('carries the answers to the agent on 转人工, and into the message left after hours', () => {
    const { last } = play(
      say('我要投诉', 'service.complaint', 1),
      say('王五'),
      say('转人工', 'service.human', 1),
    );
    expect(last.effects[0]).toMatchObject({
      kind: 'handoff',
      reason: 'customer_request',
      preface: '您在问题登记中已填写的信息会一并转给客服专员。',
      collected: { title: '问题登记', fields: [{ slot: 'name', label: '姓名', value: '王五' }] },
    });
    const offered = step(env, last.state, {
      kind: 'effect_result',
      ok: true,
      data: {
        leaveMessage: 'yes',
        offer: 'after_hours',
        why: '现在是非工作时间',
        callbackWhen: '明天09:00后',
      },
    });
    expect(texts(offered)).toBe('请问您想咨询什么？');
    expect(offered.state.frame).toMatchObject({
      dialogId: 'leave_message',
      slots: { name: '王五', why: '现在是非工作时间', callbackWhen: '明天09:00后' },
    });
    // 在吗 / 怎么不回 are not a message; the reprompt says why nobody answers.
    const impatient = step(env, offered.state, say('怎么不回'));
    expect(texts(impatient)).toBe('现在是非工作时间，请说说您的问题');
    // A stock tip request is answered, never left as the message.
    const advice = step(env, impatient.state, say('推荐一只股票', 'advice.request', 1));
    expect(texts(advice)).toContain('抱歉，不能推荐股票');
    expect(advice.state.frame?.nodeId).toBe('ask_question');
    // A question is what this form collects.
    const question = step(env, advice.state, say('两融怎么开通？', 'faq.trading_hours', 0.9));
    expect(question.state.frame?.slots.description).toBe('两融怎么开通');
  });
});

describe('requests in the middle of a form', () => {
  it('says the bot cannot look into the account, then asks the same question, no retry counted', () => {
    const { last } = play(say('我要投诉', 'service.complaint', 1), say('帮我查一下持仓'));
    expect(texts(last)).toBe(
      '抱歉，我这里看不到您的账户数据，没法为您查询持仓、资金或委托，您可以登录示例APP查看。我们先继续刚才的问题登记。还需要您提供姓名，方便告诉我吗？',
    );
    expect(last.state.frame?.retries).toBe(0);
  });
  it('answers a plain question during a free-text step and asks again', () => {
    const { last } = play(
      say('我要投诉', 'service.complaint', 1),
      say('张三'),
      say('跳过'),
      say('交易时间是几点？', 'faq.trading_hours', 0.9),
    );
    expect(texts(last)).toBe(
      '交易时间是9:30开始|好的，我们继续刚才的问题登记。还需要您提供经过，方便告诉我吗？',
    );
  });
  it('does not take a bare command or a bare number as the story', () => {
    const { state } = play(say('我要投诉', 'service.complaint', 1), say('张三'), say('跳过'));
    const asked = '还需要您提供经过，方便告诉我吗？';
    expect(texts(step(env, state, say('我要投诉', 'service.complaint', 1)))).toBe(asked);
    expect(texts(step(env, state, say('13812345678')))).toBe(asked);
  });

  it('takes a grievance told as a question as the story', () => {
    const { last } = play(
      say('我要投诉', 'service.complaint', 1),
      say('张三'),
      say('跳过'),
      say('为什么我的钱被扣了也没人通知？', 'faq.trading_hours', 0.9),
    );
    expect(last.state.frame?.slots.what).toBe('为什么我的钱被扣了也没人通知');
  });
  it('explains a refusal of a required answer instead of treating it as another question', () => {
    const { last } = play(
      say('我要投诉', 'service.complaint', 1),
      say('不方便说', 'faq.trading_hours', 0.9),
    );
    expect(texts(last)).toContain('理解您的顾虑。姓名只用于办理本次问题登记');
  });
});

describe('answers off the script', () => {
  it('leaves on giving up said in a sentence, asking first when answers were typed', () => {
    const fresh = play(
      say('我要投诉', 'service.complaint', 1),
      say('唉算了算了 不投了 跟你说也没用'),
    );
    expect(texts(fresh.last)).toContain('已取消登记。');
    expect(fresh.last.state.frame).toBeNull();
    const typed = play(say('我要投诉', 'service.complaint', 1), say('王五'), say('不弄了，没意思'));
    expect(texts(typed.last)).toMatch(
      /^理解您的心情。您已经告诉我姓名。.*确定要放弃本次问题登记吗？$/u,
    );
    expect(typed.last.state.frame?.confirmCancel).toBe(true);
  });
  it('takes 不想说 at a required question as declining it, not as giving up', () => {
    const { last } = play(say('我要投诉', 'service.complaint', 1), say('不想说'));
    expect(texts(last)).toContain('理解您的顾虑');
    expect(last.state.frame?.nodeId).toBe('ask_name');
  });
  it('takes the time and the story said with the name, and does not ask for them', () => {
    const { last } = play(
      say('我要投诉', 'service.complaint', 1),
      say('我叫王五，昨天营业部的人把我的委托单撤了也不说一声'),
    );
    expect(last.state.frame?.slots).toMatchObject({
      name: '王五',
      when: '昨天',
      what: '昨天营业部的人把我的委托单撤了也不说一声',
    });
    expect(texts(last)).toBe(
      '好的，已记录发生时间、经过。|核对：王五 昨天 昨天营业部的人把我的委托单撤了也不说一声',
    );
  });
  it('notes a story told where the name was asked, and asks for the name again, no retry counted', () => {
    const { state, last } = play(
      say('我要投诉', 'service.complaint', 1),
      say('就是网上开的户 上周四提交的 到现在没动静'),
    );
    expect(texts(last)).toBe('好的，发生时间、经过已记录。还需要您提供姓名，方便告诉我吗？');
    expect(last.state.frame).toMatchObject({ nodeId: 'ask_name', retries: 0 });
    expect(last.state.frame?.slots).toMatchObject({
      when: '上周四',
      what: '就是网上开的户 上周四提交的 到现在没动静',
    });
    // Both were told: the name is the last thing missing before the read-back.
    expect(texts(step(env, state, say('赵六')))).toContain('核对：赵六 上周四 就是网上开的户');
  });
  it('never says the same paragraph twice when the same question is asked again', () => {
    const said: string[] = [];
    let state: DialogState | null = step(env, null, say('我要投诉', 'service.complaint', 1)).state;
    for (const turn of [
      say('交易时间几点', 'faq.trading_hours', 0.9),
      say('几点开盘来着', 'faq.trading_hours', 0.9),
      say('帮我查一下持仓'),
      say('？？'),
      say('…'),
    ]) {
      const r = step(env, state, turn);
      state = r.state;
      const asked = r.outputs.at(-1)?.message.text ?? '';
      expect(asked).toMatch(/姓名/u);
      expect(said).not.toContain(asked);
      said.push(asked);
    }
  });
});

describe('the shipped complaint form and a story told up front', () => {
  const shipped = loadDialogs(join(import.meta.dirname, '..', '..', 'dialogs'));
  const real: DialogEnvironment = {
    ...env,
    dialogs: shipped.dialogs,
    intents: new Map([['service.complaint', intent('service.complaint', '', 'complaint')]]),
  };
  const next = (state: DialogState, text: string): StepResult => step(real, state, say(text));

  it('投诉！新股中签了钱被扣了… keeps the story, asks the category it does not name', () => {
    const opened = step(
      real,
      null,
      say('投诉！新股中签了钱被扣了，也没人提前通知我', 'service.complaint', 1),
    );
    expect(texts(opened)).toContain('您反映的情况我已经记下了');
    expect(opened.state.frame?.slots).toEqual({
      description: '新股中签了钱被扣了，也没人提前通知我',
    });
    let r = next(opened.state, '黄磊');
    r = next(r.state, '13812345678');
    r = next(r.state, '跳过');
    expect(texts(r)).toContain('什么时候');
    r = next(r.state, '今天上午');
    expect(texts(r)).toContain('投诉类别');
    r = next(r.state, '信息披露');
    // The story was told: the next question is what the customer wants done.
    expect(texts(r)).toContain('如何处理');
  });

  it('我要投诉你们的客服… with a story and a named category asks neither again', () => {
    const opened = step(
      real,
      null,
      say('我要投诉你们的客服，今天上午说话很不耐烦', 'service.complaint', 1),
    );
    expect(opened.state.frame?.slots).toMatchObject({
      category: '服务态度',
      occurredAt: '今天上午',
      description: '你们的客服，今天上午说话很不耐烦',
    });
  });
});

describe('the shipped leave-message form', () => {
  const shipped = loadDialogs(join(import.meta.dirname, '..', '..', 'dialogs'));
  const hours: StandardQuestion = {
    id: 'contact.service_hours',
    topic: 'faq.contact',
    question: '人工客服几点上班？',
    similar: [],
    answers: ['人工客服的服务时间为交易日 9:00-17:00。'],
    facets: {},
    related: [],
    riskDisclosure: false,
    source: { file: 'x', line: 1, similarLines: [], answerLines: [] },
  };
  const real: DialogEnvironment = {
    ...env,
    dialogs: shipped.dialogs,
    questions: new Map([[hours.id, hours]]),
    intents: new Map([
      ['service.human', intent('service.human', '', 'human_handoff')],
      ['faq.contact', intent('faq.contact', '客服热线95000')],
    ]),
    policy: { ...env.policy, agentHoursQuestion: hours.id },
  };
  const OFFER = { leaveMessage: 'yes', offer: 'after_hours', why: '现在是非工作时间' };
  /** 转人工 after hours: the desk offers to leave a message and the form starts. */
  function offeredAfter(opening: string): StepResult {
    const asked = step(real, null, say(opening, 'service.human', 1));
    expect(asked.effects[0]).toMatchObject({ kind: 'handoff' });
    return step(real, asked.state, {
      kind: 'effect_result',
      ok: true,
      data: { ...OFFER, callbackWhen: '11月24日（周二）09:00后' },
    });
  }

  it('takes a phone said with the problem, and reads the problem back with the phone masked', () => {
    const offered = offeredAfter('我要人工');
    const told = step(
      real,
      offered.state,
      say('我想把存管银行从工行换成建行，麻烦明天打我电话13512345678'),
    );
    expect(texts(told)).toContain(
      '留言内容：我想把存管银行从工行换成建行，麻烦明天打我电话135****5678',
    );
    expect(texts(told)).toContain('回电电话：135****5678');
    expect(texts(told)).not.toContain('13512345678');
    const submitted = step(real, told.state, say('提交'));
    // The message and the phone reach the call-back ticket whole; staff views mask them.
    expect(submitted.effects).toEqual([
      expect.objectContaining({
        kind: 'leave_message',
        slots: expect.objectContaining({
          description: '我想把存管银行从工行换成建行，麻烦明天打我电话13512345678',
          phone: '13512345678',
        }),
      }),
    ]);
  });

  it('does not take asking whether a person is on duty as the message', () => {
    const offered = offeredAfter('有没有人工在');
    expect(texts(offered)).toContain('想咨询或反映什么问题');
    expect(offered.state.frame?.slots.description).toBeUndefined();
    const told = offeredAfter('有没有人工在，我想问下港股通开通要什么条件');
    expect(told.state.frame?.slots.description).toBe('我想问下港股通开通要什么条件');
    expect(texts(told)).toContain('回电的联系电话');
  });

  it('takes a call-back request as a handoff that asks for a message, with the story carried in', () => {
    const asked = step(
      real,
      null,
      say('我要留个言 让你们的人明天给我回个电话 港股通一直开不了', 'service.human', 1),
    );
    expect(asked.effects[0]).toMatchObject({ kind: 'handoff', reason: 'callback_request' });
    const offered = step(real, asked.state, {
      kind: 'effect_result',
      ok: true,
      data: { ...OFFER, offer: 'requested', callbackWhen: '工作时间内尽快' },
    });
    expect(offered.state.frame?.slots.description).toContain('港股通一直开不了');
    expect(texts(offered)).toContain('回电的联系电话');
    // A plain request for a person still queues.
    const queued = step(real, null, say('我要人工', 'service.human', 1));
    expect(queued.effects[0]).toMatchObject({ kind: 'handoff', reason: 'customer_request' });
  });

  it('carries no story when the request only asks for the service', () => {
    const offered = offeredAfter('那我现在先留个言 明天上班了能有人处理吗');
    expect(offered.state.frame?.slots.description).toBeUndefined();
    expect(texts(offered)).toContain('想咨询或反映什么问题');
  });

  it('hears 能不能先留个言 during the form as a yes, not as the message nor a wrong phone', () => {
    const offered = offeredAfter('转人工');
    const again = step(real, offered.state, say('那能不能先留个言 明早让人联系我'));
    expect(texts(again)).toContain('这就为您办理留言登记');
    expect(again.state.frame).toMatchObject({ nodeId: 'ask_question', retries: 0 });
    expect(again.state.frame?.slots.description).toBeUndefined();
    const told = step(real, again.state, say('港股通开通一直审核不过'));
    const atPhone = step(real, told.state, say('可以先留言吗 明天早上让人联系我'));
    expect(texts(atPhone)).toContain('这就为您办理留言登记');
    expect(texts(atPhone)).not.toContain('格式不对');
    expect(atPhone.state.frame).toMatchObject({ nodeId: 'ask_phone', retries: 0 });
  });

  it('answers when a person is there, never as the message, and goes on with the form', () => {
    const offered = offeredAfter('转人工');
    const asked = step(real, offered.state, say('明天几点有人啊', 'faq.trading_hours', 0.7));
    expect(texts(asked)).toContain('9:00-17:00');
    expect(texts(asked)).toContain('继续刚才的留言登记');
    expect(asked.state.frame).toMatchObject({ dialogId: 'leave_message', nodeId: 'ask_question' });
    expect(asked.state.frame?.slots.description).toBeUndefined();
  });

  it('ends politely, without asking to confirm, when the customer will come back and gave nothing', () => {
    const offered = offeredAfter('有没有人工在');
    const later = step(real, offered.state, say('那算了，我明天再联系你们'));
    expect(texts(later)).toContain('已取消留言');
    expect(texts(later)).not.toContain('确定要放弃');
    expect(later.state.frame).toBeNull();
    // Once idle, the same question is answered too.
    const idle = step(real, later.state, say('对了，周一几点开始有人', 'faq.trading_hours', 0.64));
    expect(texts(idle)).toBe('人工客服的服务时间为交易日 9:00-17:00。');
  });
});
