import { describe, expect, it } from 'vitest';
import { readSocial } from '../../src/conversation/social.ts';

describe('readSocial', () => {
  it.each([
    ['好的，晚安', 'goodbye'],
    ['拜了个拜', 'goodbye'],
    ['谢谢，再见', 'goodbye'],
    ['行吧 88', 'goodbye'],
    ['没别的事了，祝你工作顺利', 'goodbye'],
    ['你们辛苦了，回答得挺清楚', 'thanks'],
    ['多谢多谢', 'thanks'],
    ['謝謝你啦', 'thanks'],
    ['解释得很详细，点赞', 'thanks'],
    ['你真棒', 'thanks'],
    ['你好', 'greeting'],
    ['在吗？', 'greeting'],
    ['哦哦好吧', 'ack'],
    ['嗯嗯，好的', 'ack'],
  ])('%s is %s', (text, act) => {
    expect(readSocial(text)).toBe(act);
  });

  it.each([
    '你好，我想开户',
    '好的，那开户呢',
    '谢谢，另外北交所门槛多少',
    '拜托帮我查一下转账',
    '再见之前问一下佣金多少',
    '好的我去银行问问',
    '晚安时间还能下单吗',
  ])('%s is not only social', (text) => {
    expect(readSocial(text)).toBeNull();
  });
});
