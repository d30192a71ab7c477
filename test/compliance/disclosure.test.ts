import { describe, expect, it } from 'vitest';
import {
  mentionsInvestmentProduct,
  withAiLabel,
  withRiskDisclosure,
} from '../../src/compliance/index.ts';

const DISCLOSURE = '市场有风险，投资需谨慎。以上内容仅供参考，不构成投资建议。';
const AI_LABEL = '本回答由AI生成';

describe('withRiskDisclosure', () => {
  it('appends the disclosure on its own line', () => {
    expect(withRiskDisclosure('科创板开通需要50万资产。', DISCLOSURE)).toBe(
      `科创板开通需要50万资产。\n${DISCLOSURE}`,
    );
  });

  it('is idempotent', () => {
    const once = withRiskDisclosure('基金申购T+1确认。\n', DISCLOSURE);
    expect(withRiskDisclosure(once, DISCLOSURE)).toBe(once);
    expect(once.split(DISCLOSURE)).toHaveLength(2);
  });

  it('recognises the disclosure despite whitespace or width differences', () => {
    const text = '两融有风险。\n市场有风险, 投资需谨慎.以上内容仅供参考，不构成投资建议';
    expect(withRiskDisclosure(text, DISCLOSURE)).toBe(text);
  });

  it('still adds it when the text only contains part of it', () => {
    expect(withRiskDisclosure('市场有风险', DISCLOSURE)).toBe(`市场有风险\n${DISCLOSURE}`);
  });

  it('handles empty text and an empty disclosure', () => {
    expect(withRiskDisclosure('', DISCLOSURE)).toBe(DISCLOSURE);
    expect(withRiskDisclosure('你好', '')).toBe('你好');
  });
});

describe('mentionsInvestmentProduct', () => {
  it.each([
    '货币基金怎么买',
    '理财产品到期了',
    '收益凭证是什么',
    '期权开户条件',
    '融资融券利率',
    '两融账户',
    '科创板权限',
    '创业板涨跌幅',
    '北交所开通',
    '港股通交易时间',
    '股票交易费用',
    '沪深300ETF',
    'etf申购',
    '可转债打新',
    '新股中签',
    '*ST股票风险警示',
  ])('%s', (text) => {
    expect(mentionsInvestmentProduct(text)).toBe(true);
  });

  it.each(['怎么修改手机号', '密码忘了', '营业部地址', 'STOP', ''])('not %s', (text) => {
    expect(mentionsInvestmentProduct(text)).toBe(false);
  });
});

describe('withAiLabel', () => {
  it('adds the label at the end by default, or at the start', () => {
    expect(withAiLabel('您可以在APP中查询。', AI_LABEL)).toBe(`您可以在APP中查询。\n${AI_LABEL}`);
    expect(withAiLabel('您可以在APP中查询。', AI_LABEL, { position: 'start' })).toBe(
      `${AI_LABEL}\n您可以在APP中查询。`,
    );
  });

  it('is idempotent and composes with the disclosure', () => {
    const labelled = withAiLabel(withRiskDisclosure('基金有风险。', DISCLOSURE), AI_LABEL);
    expect(withAiLabel(labelled, AI_LABEL)).toBe(labelled);
    expect(withRiskDisclosure(labelled, DISCLOSURE)).toBe(labelled);
    expect(labelled).toBe(`基金有风险。\n${DISCLOSURE}\n${AI_LABEL}`);
  });
});
