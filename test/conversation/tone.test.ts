// Reading how the customer feels: a plain question is not frustration, impatience is.
import { describe, expect, it } from 'vitest';
import { readTone } from '../../src/conversation/tone.ts';

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
