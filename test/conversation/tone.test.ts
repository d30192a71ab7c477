// Reading how the customer feels: a plain question is not frustration, impatience is.
import { describe, expect, it } from 'vitest';
import { readTone } from '../../src/conversation/tone.ts';
import { normalizeText } from '../../src/nlu/normalize.ts';

const frustrated = (text: string): boolean => readTone(text, text, '').frustrated;

describe('readTone', () => {
  it('reads asking whether a person is on duty as a plain question', () => {
    expect(frustrated('有没有人工在')).toBe(false);
    expect(frustrated('请问现在有没有人工客服')).toBe(false);
  });

  it('reads calling out into silence and impatience as frustration', () => {
    expect(frustrated('有没有人啊')).toBe(true);
    expect(frustrated('有没有人工啊！！')).toBe(true);
    expect(frustrated('人呢')).toBe(true);
    expect(frustrated('到底有没有人管')).toBe(true);
  });

  it('reads the same message sent again as frustration', () => {
    expect(readTone('转账失败了', '转账失败了', '转账失败了').frustrated).toBe(true);
  });
});

describe('age cues', () => {
  const elderly = (text: string): boolean => readTone(text, normalizeText(text), '').elderly;

  it('reads an age said with or without 岁 as an older customer', () => {
    expect(elderly('我八十了，想把钱取出来')).toBe(true);
    expect(elderly('我72岁了能在手机上开户吗')).toBe(true);
    expect(elderly('我今年六十八岁')).toBe(true);
  });

  it('reads other numbers as numbers', () => {
    expect(elderly('我买了80股')).toBe(false);
    expect(elderly('我18了能开户吗')).toBe(false);
  });
});
