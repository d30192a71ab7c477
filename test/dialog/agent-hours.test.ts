// When a person will be there (周一几点开始有人), told from questions about trading times.
import { describe, expect, it } from 'vitest';
import { asksWhenAgentsAvailable } from '../../src/dialog/agent-hours.ts';

describe('asksWhenAgentsAvailable', () => {
  it.each([
    '对了，周一几点开始有人',
    '明天几点有人啊',
    '你们几点有客服',
    '什么时候有人工？',
    '那人工周一几点开始',
    '客服明天几点上班？',
    '星期一什么时候有人在',
  ])('hears a question about the human service in %s', (text) => {
    expect(asksWhenAgentsAvailable(text)).toBe(true);
  });

  it.each([
    '周一几点开盘',
    '银证转账几点可以转',
    '集合竞价几点有人挂单',
    '新股什么时候有人中签',
    '有没有人工在',
    '人工客服态度太差了',
    '营业部周六几点有人',
  ])('leaves %s to the classifier', (text) => {
    expect(asksWhenAgentsAvailable(text)).toBe(false);
  });
});
