// What agents read about where a customer is writing from.
import { describe, expect, it } from 'vitest';
import { channelText } from '../../src/handoff/render.ts';

describe('channelText', () => {
  it('names the Official Account and the WeCom app apart', () => {
    expect(channelText('wechat-mp')).toBe('微信公众号');
    expect(channelText('wecom')).toBe('企业微信');
    expect(channelText('web')).toBe('网站在线客服');
  });
});
