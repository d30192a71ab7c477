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
    ['唔該晒', 'hk'],
    ['咁過戶費呢', 'traditional'],
    ['請問帳戶登入不了怎麼辦', 'tw'],
    ['请问怎么开通创业板权限', 'simplified'],
  ])('%s is %s', (text, script) => {
    expect(detectScript(text)).toBe(script);
  });

  it('messages without telling characters keep the conversation script', () => {
    const later = { firstMessage: false, previousSeen: null };
    expect(detectScript('600519')).toBeNull();
    expect(nextScript('hk', '好的', later)).toBe('hk');
    expect(nextScript('hk', '688001', later)).toBe('hk');
    expect(nextScript('hk', '请问开户要多久', later)).toBe('simplified');
  });

  it('a customer who opens in traditional is answered so; a simplified writer needs two in a row', () => {
    expect(nextScript('simplified', '戶口點樣開', { firstMessage: true, previousSeen: null })).toBe(
      'hk',
    );
    const afterSimplified = { firstMessage: false, previousSeen: 'simplified' as const };
    expect(nextScript('simplified', '上週五下午三點', afterSimplified)).toBe('simplified');
    const afterTraditional = { firstMessage: false, previousSeen: 'traditional' as const };
    expect(nextScript('simplified', '請問開戶要多久', afterTraditional)).toBe('traditional');
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
