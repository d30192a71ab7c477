import { describe, expect, it } from 'vitest';
import {
  askedThing,
  bestPartScore,
  partAnswering,
  partsOf,
} from '../../src/conversation/recall.ts';

// Answers written as the knowledge base writes them (facts from the exchanges' rules).
const CANCEL =
  '您好，开盘集合竞价9:15–9:20可以撤单，9:20–9:25不能撤单；14:57–15:00收盘集合竞价期间也不能撤单。连续竞价时段可以撤销未成交的委托。';
const PENALTY =
  '连续12个月内累计3次中签后未足额缴款的，自最近一次放弃认购的次日起6个月（180个自然日）内，不得参与新股、存托凭证、可转债和可交换债的网上申购；放弃次数按这些品种合并计算。';
const AFTER_HOURS =
  '盘后固定价格交易在交易日15:05–15:30进行，按当日收盘价、时间优先撮合，不形成新的价格；本公司是否已开通以系统为准，可在APP「交易」-「盘后固定价格」查看。';
const OPENING =
  '个人开户可在APP线上办理，准备好本人身份证、本人银行借记卡和手机号即可；机构客户和部分年龄段的客户需到营业部办理，以本公司规定为准。您具体想了解开户的哪一方面？';

const AFTER_HOURS_TIMES =
  '盘后固定价格交易在交易日15:05–15:30进行，按当日收盘价撮合；上交所9:30–11:30、13:00–15:30接受申报。';
const STAMP =
  '印花税只在卖出时收取，税率为成交金额的0.05%，买入不收；这是自2023年8月28日起的标准。';

describe('the part of an answer a sub-question asks about', () => {
  it('splits an answer at sentence ends and semicolons', () => {
    expect(partsOf(CANCEL)).toHaveLength(3);
    expect(partsOf('')).toEqual([]);
  });

  it('finds the part by a subject word only it has', () => {
    expect(partAnswering(CANCEL, '收盘前最后那几分钟')?.text).toBe(
      '14:57–15:00收盘集合竞价期间也不能撤单。',
    );
    expect(partAnswering(OPENING, '个人的')?.text).toMatch(/^个人开户.*手机号即可。$/u);
  });

  it('finds the part that gives what is asked for: a duration, a price, a place', () => {
    expect(partAnswering(PENALTY, '被限制多久')?.text).toMatch(/6个月/u);
    expect(partAnswering(AFTER_HOURS, '那时候按啥价格撮合')?.text).toMatch(/收盘价/u);
    expect(partAnswering(AFTER_HOURS, '在哪里能看到')?.text).toMatch(/「交易」/u);
    // A wait the customer measures (入市一年, 提交两天了) asks about a duration too.
    expect(
      partAnswering('参与证券交易满24个月；资产不低于10万元。', '我才入市一年能开吗')?.text,
    ).toMatch(/24个月/u);
  });

  it('says nothing when no part leads or nothing speaks to the words', () => {
    // Both parts hold a place-like word: no single part answers.
    expect(partAnswering('可在APP办理；也可到营业部办理。', '去哪办')).toBeNull();
    expect(partAnswering(CANCEL, '印花税怎么收')).toBeNull();
    expect(partAnswering(PENALTY, '今天天气怎么样')).toBeNull();
  });

  it('takes the lead part for a bare time question, and reads 买的时候 as 买入', () => {
    expect(partAnswering(AFTER_HOURS_TIMES, '具体到几点截止')?.text).toMatch(
      /^盘后固定价格交易在交易日15:05/u,
    );
    expect(partAnswering(STAMP, '买的时候也要交？')?.text).toMatch(/买入不收/u);
    expect(partAnswering(STAMP, '卖的时候扣多少')?.text).toMatch(/卖出时收取/u);
  });

  it('says a one-part answer again only when the words plainly match it', () => {
    const one = '科创板股票单笔申报数量不少于200股，超过200股的部分可以按1股递增。';
    expect(partAnswering(one, '超过200股以后必须凑整百吗')?.text).toBe(one);
    expect(partAnswering(one, '那创业板呢')).toBeNull();
  });

  it('scores a rival answer the same way, so the better answer wins', () => {
    expect(bestPartScore(PENALTY, '被限制多久')).toBeGreaterThan(
      bestPartScore(CANCEL, '被限制多久'),
    );
    expect(bestPartScore('', '多久')).toBe(0);
  });
});

describe('what a clause is about, its asking words taken out', () => {
  it('keeps the thing named and drops the asking, channels and pronouns', () => {
    expect(askedThing('过户费呢')).toBe('过户费');
    expect(askedThing('收盘集合竞价几点结束')).toBe('收盘集合竞价');
    expect(askedThing('具体到几点截止')).toBe('');
    expect(askedThing('在app哪里换')).toBe('');
    expect(askedThing('手机号在哪改')).toBe('手机号');
  });
});
