import { describe, expect, it } from 'vitest';
import {
  assetThreshold,
  eligibilityNote,
  statedAssets,
} from '../../src/conversation/eligibility.ts';

const BOARD =
  '申请前20个交易日证券账户和资金账户日均资产不低于50万元（不含融资融券融入的资金和证券）';
const BALANCE = '证券账户和资金账户资产（证券市值加资金）不低于50万元、通过港股通知识测试';

describe('stated assets against the threshold the conditions answer states', () => {
  it('reads the amount a customer says they have, in any common form', () => {
    expect(statedAssets('我有60万能开科创板吗')).toBe(600_000);
    expect(statedAssets('我戶口得三十萬左右 開港股通得唔得')).toBe(300_000);
    expect(statedAssets('我才20来万能开两融吗')).toBe(200_000);
    expect(statedAssets('账户里15万够开创业板不')).toBe(150_000);
    expect(statedAssets('1.5w够不够')).toBe(15_000);
  });

  it('reads no amount when the message asks nothing of it, or names shares', () => {
    expect(statedAssets('科创板要50万吗')).toBeNull();
    expect(statedAssets('我有100股能开吗')).toBeNull();
    expect(statedAssets('昨天转了20万进去')).toBeNull();
  });

  it('takes the threshold from the content, not from code', () => {
    expect(assetThreshold(BOARD)).toBe(500_000);
    expect(assetThreshold('日均资产不低于10万元')).toBe(100_000);
    expect(assetThreshold('须通过知识测试')).toBeNull();
  });

  it('says short of it, or that assets are met and the rest still counts, with the basis stated', () => {
    expect(eligibilityNote('我有30万能开科创板吗', BOARD, '科创板')).toBe(
      '按您说的约30万元，还没有达到开通科创板要求的50万元（按申请前20个交易日的日均资产计算），暂时还不能开通。',
    );
    expect(eligibilityNote('我有60万能开科创板吗', BOARD, '科创板')).toContain(
      '资产这一项达到了开通科创板要求的50万元',
    );
    expect(eligibilityNote('我有60万能开科创板吗', BOARD, '科创板')).toContain('其他条件');
    expect(eligibilityNote('我有30万能开港股通吗', BALANCE, '港股通')).toBe(
      '按您说的约30万元，还没有达到开通港股通要求的50万元，暂时还不能开通。',
    );
    expect(eligibilityNote('科创板怎么开', BOARD, '科创板')).toBeNull();
  });
});
