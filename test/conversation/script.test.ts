import { describe, expect, it } from 'vitest';
import {
  detectScript,
  inScript,
  nextScript,
  scriptFollowsCustomer,
} from '../../src/conversation/script.ts';

describe('the customer script', () => {
  it.each([
    ['請問怎麼開通創業板權限', 'traditional'],
    ['戶口點樣開', 'hk'],
    ['我想開戶，得唔得？', 'hk'],
    ['請問帳戶登入不了怎麼辦', 'tw'],
    ['请问怎么开通创业板权限', 'simplified'],
  ])('%s is %s', (text, script) => {
    expect(detectScript(text)).toBe(script);
  });

  it('messages without telling characters keep the conversation script', () => {
    expect(detectScript('600519')).toBeNull();
    expect(nextScript('hk', '好的')).toBe('hk');
    expect(nextScript('hk', '688001')).toBe('hk');
    expect(nextScript('hk', '请问开户要多久')).toBe('simplified');
  });

  it('converts replies and keeps digits and placeholders intact', () => {
    expect(inScript('开户需要身份证，费用50万元', 'traditional')).toBe(
      '開戶需要身份證，費用50萬元',
    );
    expect(inScript('开户', 'simplified')).toBe('开户');
  });

  it('follows the firm setting per channel', () => {
    expect(scriptFollowsCustomer({}, 'web')).toBe(true);
    expect(scriptFollowsCustomer({ traditionalReplies: 'none' }, 'web')).toBe(false);
    expect(scriptFollowsCustomer({ traditionalReplies: 'web, wecom' }, 'wecom')).toBe(true);
    expect(scriptFollowsCustomer({ traditionalReplies: 'web, wecom' }, 'wechat-mp')).toBe(false);
  });
});
