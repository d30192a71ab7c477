import { describe, expect, it } from 'vitest';
import {
  asksAboutServiceOnDaysOff,
  asksForCallback,
  asksToCallUs,
  asksWhetherAgentsAreIn,
  daysOffPartOf,
  serviceQuestionOf,
  tellsMoreThanServiceTalk,
} from '../../src/handoff/service-requests.ts';

describe('a call-back asked for', () => {
  it('is heard in the ways customers ask to leave a message or be called', () => {
    for (const text of [
      '我要留个言 让你们的人明天给我回个电话 港股通一直开不了',
      '那能不能先留个言 明早让人联系我',
      '能不能让客服明天打电话给我',
      '麻烦给我回个电话',
      '方便的话打我手机',
      '我想留言',
      '請幫我留個言',
    ])
      expect(asksForCallback(text), text).toBe(true);
  });

  it('is not a message already left, a refusal, or the customer wanting to call the firm', () => {
    for (const text of [
      '我昨天留了言怎么还没人回电话',
      '不用给我回电话了',
      '别打电话给我',
      '能不能直接打电话给你们',
      '有人打电话给我说是你们客服',
      '港股通一直开不了',
    ])
      expect(asksForCallback(text), text).toBe(false);
  });

  it('tells a matter of the customer apart from talk about the service', () => {
    expect(tellsMoreThanServiceTalk('那能不能先留个言 明早让人联系我')).toBe(false);
    expect(tellsMoreThanServiceTalk('那我现在先留个言 明天上班了能有人处理吗')).toBe(false);
    expect(tellsMoreThanServiceTalk('让你们的人明天给我回个电话')).toBe(false);
    expect(tellsMoreThanServiceTalk('让你们的人明天给我回个电话 港股通一直开不了')).toBe(true);
    expect(tellsMoreThanServiceTalk('急事！股票卖不出去')).toBe(true);
  });
});

describe('whether a person is there', () => {
  it('is asking for one', () => {
    for (const text of [
      '都晚上八点多了 人工还在吗 急事！股票卖不出去',
      '人工客服在不在',
      '现在还有人工吗',
      '95000打了好几遍都没人接 在线人工有没有啊',
      '真人在吗',
      '人工客服这会儿还在吗 我账户登不上了',
      '客服下班了吗',
    ])
      expect(asksWhetherAgentsAreIn(text), text).toBe(true);
  });

  it('is not a question of when they work', () => {
    for (const text of [
      '人工几点在',
      '周末人工在吗',
      '明天人工在不在',
      '客服几点下班',
      '在吗',
      '客服电话多少',
    ])
      expect(asksWhetherAgentsAreIn(text), text).toBe(false);
  });
});

describe('questions about the human service itself', () => {
  it('hears weekends and holidays, not the branches or the market on those days', () => {
    for (const text of [
      '周六周日有人不',
      '节假日有客服吗',
      '过年期间人工上班吗',
      '星期天能转人工吗',
    ])
      expect(asksAboutServiceOnDaysOff(text), text).toBe(true);
    for (const text of ['周末营业部开门吗', '节假日能转账吗', '周六股市开不开', '周末去哪玩'])
      expect(asksAboutServiceOnDaysOff(text), text).toBe(false);
  });

  it('takes the days-off sentence of an answer about the service for a follow-up on days off', () => {
    const hours =
      '人工客服的服务时间为交易日 9:00-17:00。周六、周日和法定节假日人工客服不上班，可以留言。需要现在转接请回复「转人工」。';
    expect(daysOffPartOf('周六周日有人不', hours)).toBe(
      '周六、周日和法定节假日人工客服不上班，可以留言。',
    );
    expect(daysOffPartOf('那国庆放假呢', hours)).toBe(
      '周六、周日和法定节假日人工客服不上班，可以留言。',
    );
    expect(daysOffPartOf('几点上班', hours)).toBeNull();
    expect(daysOffPartOf('周末营业部开门吗', hours)).toBeNull();
    expect(daysOffPartOf('周六周日有人不', '人工客服的服务时间为交易日 9:00-17:00。')).toBeNull();
  });

  it('hears a customer who wants to phone, not one who was phoned', () => {
    for (const text of [
      '能不能直接打电话给你们',
      '我想打电话问',
      '我手都在抖 能不能直接打电话给你们',
      '你们电话多少 我打过去问',
      '客服热线是多少',
      '给个电话我打过去',
      '有没有电话可以打',
    ])
      expect(asksToCallUs(text), text).toBe(true);
    for (const text of [
      '有人打电话给我说是你们客服',
      '这个电话是你们打来的吗',
      '接到一个95开头的来电',
      '营业部电话多少',
      '不用打电话给你们了',
    ])
      expect(asksToCallUs(text), text).toBe(false);
  });

  it('names the question: days off before hours, hours before the hotline', () => {
    expect(serviceQuestionOf('周末几点有人')).toBe('days_off');
    expect(serviceQuestionOf('周一几点开始有人')).toBe('hours');
    expect(serviceQuestionOf('能直接打电话问吗')).toBe('hotline');
    expect(serviceQuestionOf('科创板怎么开')).toBeNull();
  });
});
