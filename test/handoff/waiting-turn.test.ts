import { describe, expect, it } from 'vitest';
import type { StandardQuestion } from '../../src/content/types.ts';
import type { Ask } from '../../src/conversation/understand.ts';
import {
  questionsToAnswerWhileQueued,
  readWaitingTurn,
  SURE_WHILE_WAITING,
  type WaitingAnswerPolicy,
} from '../../src/handoff/waiting-turn.ts';
import type { NluResult } from '../../src/nlu/types.ts';
import type { Json } from '../../src/store/types.ts';

function record(status: string, offer: string | null = null): Json {
  return {
    v: 1,
    status,
    threadKey: 'T:1',
    reason: 'customer_request',
    startedAt: '2026-11-23T02:00:00.000Z',
    queuedAt: 0,
    agent: status === 'claimed' ? { id: 'U1', name: '张三' } : null,
    claimedAt: null,
    ticketId: null,
    told: null,
    offer,
  };
}

describe('what a message means while a human is awaited', () => {
  const queued = record('queued');

  it('is only relayed once an agent has joined, even 取消', () => {
    expect(readWaitingTurn(record('claimed'), '你们热线多少')).toEqual({ kind: 'relay' });
    expect(readWaitingTurn(record('claimed'), '取消')).toEqual({ kind: 'relay' });
  });

  it('lets the customer ask the bot while queued', () => {
    expect(readWaitingTurn(queued, '维持担保比例在哪里能看到')).toEqual({ kind: 'queued' });
  });

  it('leaves a line to the leave-message form when nobody will come, or the offer is taken', () => {
    expect(readWaitingTurn(record('awaiting_message', 'after_hours'), '怎么不回')).toEqual({
      kind: 'relay',
    });
    expect(readWaitingTurn(record('queued', 'timeout'), '好的，我留言')).toEqual({ kind: 'relay' });
    expect(readWaitingTurn(record('queued', 'timeout'), '还要等多久')).toEqual({ kind: 'queued' });
  });

  it('ends the wait on 取消 / 不等了 alone', () => {
    for (const text of ['取消', '不等了', '算了 不等了', '好吧，取消吧'])
      expect(readWaitingTurn(queued, text), text).toEqual({ kind: 'cancel', rest: null });
  });

  it('ends the wait and keeps the question when giving up leads or closes a question', () => {
    expect(readWaitingTurn(queued, '那取消吧不等了 app上到底在哪重置')).toEqual({
      kind: 'cancel',
      rest: 'app上到底在哪重置',
    });
    expect(readWaitingTurn(queued, '算了，不等了，融资利率是多少')).toEqual({
      kind: 'cancel',
      rest: '融资利率是多少',
    });
    expect(readWaitingTurn(queued, '科创板权限怎么开 我不等了')).toEqual({
      kind: 'cancel',
      rest: '科创板权限怎么开',
    });
  });

  it('does not take a question about cancelling something for giving up the wait', () => {
    expect(readWaitingTurn(queued, '委托怎么取消')).toEqual({ kind: 'queued' });
    expect(readWaitingTurn(queued, '我的委托 怎么取消')).toEqual({ kind: 'queued' });
  });
});

describe('what the bot answers while the customer is queued', () => {
  const policy: WaitingAnswerPolicy = {
    confidentAt: 0.5,
    humanIntent: 'service.human',
    complaintIntent: 'service.complaint',
    smallTalkIntents: ['chitchat.greeting', 'chitchat.thanks'],
    agentHoursQuestion: 'contact.service_hours',
    hotlineQuestion: 'contact.hotline',
  };
  const question = (id: string, topic: string): StandardQuestion => ({
    id,
    topic,
    question: `${id}?`,
    similar: [],
    answers: [`answer of ${id}`],
    facets: {},
    related: [],
    riskDisclosure: false,
    source: { file: 'x.yaml', line: 1, similarLines: [], answerLines: [] },
  });
  const questions = new Map(
    [
      question('contact.hotline', 'faq.contact_branch'),
      question('contact.service_hours', 'faq.contact_branch'),
      question('open.how_many', 'faq.account_open'),
      question('contact.safe_account_scam', 'faq.contact_branch'),
    ].map((q) => [q.id, q]),
  );
  const reading = (
    intent: string,
    confidence: number,
    id?: string,
    sure = confidence,
  ): NluResult => ({
    intent,
    confidence,
    alternatives: [],
    entities: [],
    ...(id ? { question: { id, confidence: sure } } : {}),
  });
  const ask = (text: string, nlu: NluResult, via: 'as_is' | 'anchor' = 'as_is'): Ask => ({
    kind: 'message',
    text,
    nlu,
    via,
  });
  const answered = (asks: Ask[]): string[] =>
    questionsToAnswerWhileQueued(asks, questions, policy).map((q) => q.id);

  it('answers a standard question read surely, once', () => {
    const hotline = reading('faq.contact_branch', 1, 'contact.hotline');
    expect(answered([ask('没人？那你们热线电话多少', hotline)])).toEqual(['contact.hotline']);
    expect(answered([ask('热线多少', hotline), ask('客服电话', hotline)])).toEqual([
      'contact.hotline',
    ]);
  });

  it('leaves to the agent what it reads less surely', () => {
    const unsure = SURE_WHILE_WAITING - 0.01;
    expect(
      answered([ask('热线呢', reading('faq.contact_branch', 0.9, 'contact.hotline', unsure))]),
    ).toEqual([]);
    expect(
      answered([ask('热线', reading('faq.contact_branch', 0.4, 'contact.hotline', 1))]),
    ).toEqual([]);
    expect(answered([ask('天气', reading('out_of_scope', 1, 'contact.hotline'))])).toEqual([]);
  });

  it('does not answer the wait itself, nor a reading made from the subject in play', () => {
    const scam = reading('faq.contact_branch', 0.9, 'contact.safe_account_scam', 0.95);
    expect(answered([ask('人呢', scam)])).toEqual([]);
    expect(answered([ask('人呢', scam, 'anchor')])).toEqual([]);
    const howMany = reading('faq.account_open', 0.65, 'open.how_many', 0.99);
    expect(answered([ask('前面还有几个人', howMany)])).toEqual([]);
    expect(answered([ask('还要排多久', howMany)])).toEqual([]);
    expect(answered([ask('一个人能开几个户', howMany)])).toEqual(['open.how_many']);
    // Looking into the account is the agent's to do, whatever question the words resemble.
    expect(answered([ask('我的资金账号是多少 帮我查下余额', howMany)])).toEqual([]);
  });

  it('leaves requests for a person, complaints, small talk and the service hours to the queue', () => {
    expect(answered([ask('转人工啊', reading('service.human', 1))])).toEqual([]);
    expect(answered([ask('谢谢', reading('chitchat.thanks', 1))])).toEqual([]);
    expect(
      answered([ask('人工几点下班', reading('faq.contact_branch', 1, 'contact.service_hours', 1))]),
    ).toEqual([]);
  });

  it('gives the hotline to a customer who would rather phone', () => {
    const unread = reading('out_of_scope', 0.5);
    expect(answered([ask('等不及了 能不能直接打电话给你们', unread)])).toEqual(['contact.hotline']);
    // When agents work (hours, weekends) is the queue's to answer: place and wait.
    expect(answered([ask('人工客服几点下班', unread)])).toEqual([]);
    expect(answered([ask('周六周日你们有人上班吗', unread)])).toEqual([]);
  });

  it('answers only whole questions, not the next step or a part of a previous answer', () => {
    const asks: Ask[] = [
      { kind: 'not_helped', questionId: 'contact.hotline', topic: 'faq.contact_branch' },
      { kind: 'in_steps', questionId: 'contact.hotline', topic: 'faq.contact_branch' },
    ];
    expect(answered(asks)).toEqual([]);
  });
});
