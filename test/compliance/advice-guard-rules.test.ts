// The edges of each compliance rule: every optional word of a promise or an advice request, the
// reach of a negation, and the disclosure and AI-label helpers. Found by mutation testing
// (docs/testing.md): each case fails when one part of a rule is dropped or made mandatory.
import { describe, expect, it } from 'vitest';
import {
  checkOutboundCompliance,
  isAdviceRequest,
  mentionsInvestmentProduct,
  withAiLabel,
  withRiskDisclosure,
} from '../../src/compliance/index.ts';

function reasonsOf(text: string): string[] {
  const check = checkOutboundCompliance(text);
  return check.ok ? [] : check.reasons;
}

describe('outbound promises', () => {
  it('name the exact words that promised returns, with every optional word', () => {
    const cases: [string, string][] = [
      ['我们保证您收益', '承诺收益：「保证您收益」'],
      ['我们保证您的收益', '承诺收益：「保证您的收益」'],
      ['这是稳定收益', '承诺收益：「稳定收益」'],
      ['这是稳定高收益', '承诺收益：「稳定高收益」'],
      ['固定收益5%', '承诺收益：「固定收益5」'],
      ['固定收益率6%', '承诺收益：「固定收益率6」'],
      ['收益至少8%', '承诺收益：「收益至少8」'],
      ['收益率不低于6%', '承诺收益：「收益率不低于6」'],
      ['没有风险', '宣称零风险：「没有风险」'],
      ['没有任何风险', '宣称零风险：「没有任何风险」'],
      ['一年翻三倍', '宣称收益翻倍：「翻三倍」'],
      ['有10倍收益', '宣称收益翻倍：「10倍收益」'],
      ['荐股票给你', '推荐买卖个股：「荐股票」'],
      ['推荐一只股票', '推荐买卖个股：「推荐一只股票」'],
      ['推荐黑马', '推荐买卖个股：「推荐黑马」'],
      ['能看到25元', '给出目标价：「看到25元」'],
      ['能看到25.55元', '给出目标价：「看到25.55元」'],
      ['会涨到100元', '给出目标价：「涨到100元」'],
      ['会涨到12.34元', '给出目标价：「涨到12.34元」'],
    ];
    for (const [text, reason] of cases) expect(reasonsOf(text), text).toEqual([reason]);
  });

  it('pass text where the promise words carry no promise', () => {
    for (const text of ['固定收益类产品', '收益至少要看市场', '看到价格元', '涨到多少元不好说']) {
      expect(checkOutboundCompliance(text), text).toEqual({ ok: true });
    }
  });

  it('count a negation only within a few characters of the same clause', () => {
    expect(checkOutboundCompliance('我们不保证收益')).toEqual({ ok: true });
    // 无论 is no negation.
    expect(reasonsOf('无论如何都稳赚')).toEqual(['承诺稳赚：「稳赚」']);
    // A negation seven characters back is too far to turn the promise around.
    expect(reasonsOf('我们不说虚的这只股票稳赚')).toEqual(['承诺稳赚：「稳赚」']);
    // Nor does one in an earlier clause.
    expect(reasonsOf('不用怕，稳赚')).toEqual(['承诺稳赚：「稳赚」']);
  });

  it('read spaced and full-width text as typed together', () => {
    expect(reasonsOf('稳 赚\t不赔')).toEqual(['承诺稳赚：「稳赚」']);
    expect(reasonsOf('收益至少８％')).toEqual(['承诺收益：「收益至少8」']);
  });

  it('let empty or non-text replies through', () => {
    expect(checkOutboundCompliance('')).toEqual({ ok: true });
    expect(checkOutboundCompliance(undefined as unknown as string)).toEqual({ ok: true });
  });
});

describe('requests for advice', () => {
  it('recognise every optional word of a question about what will rise', () => {
    for (const text of [
      '哪只会涨',
      '哪只股会涨',
      '哪只股票涨',
      '哪个股会涨',
      '哪个股票会涨',
      '什么股会涨',
      '什么股票涨',
      '推荐只基金',
      '推荐好股票',
      '推荐几个会涨的',
      '明天这几只会涨停',
      '明天这只会涨的',
      '帮我挑基金',
      '帮挑基金',
      '帮我挑只基金',
      '帮我挑一只基金',
      '带炒股吧',
      '有什么好基金',
    ]) {
      expect(isAdviceRequest(text), text).toBe(true);
    }
  });

  it('read market timing, which-of-two and never-lose products as requests for advice', () => {
    for (const text of [
      '创业板现在能抄底不',
      '大盘是不是见底了',
      '白酒和新能源明年哪个能涨',
      '这两个板块哪个好',
      '有没有稳赚不赔的东西',
      '想找个一年翻倍的',
    ])
      expect(isAdviceRequest(text), text).toBe(true);
    for (const text of [
      '哪个好开户',
      '哪个营业部离我近',
      '科创板和创业板哪个门槛高',
      '北交所一天最多能涨多少',
      '哪些股票能融资',
    ])
      expect(isAdviceRequest(text), text).toBe(false);
  });

  it('treat closing or moving an account as a procedure, unless it still asks what to pick', () => {
    expect(isAdviceRequest('我要注销，股票要不要卖')).toBe(false);
    expect(isAdviceRequest('转托管前哪只好')).toBe(true);
  });

  it('say no for empty or non-text messages', () => {
    expect(isAdviceRequest('')).toBe(false);
    expect(isAdviceRequest(undefined as unknown as string)).toBe(false);
  });
});

describe('risk disclosure and AI label', () => {
  it('append the disclosure trimmed on its own line, keeping the text as it was', () => {
    expect(withRiskDisclosure('您好 世界  \n', '  投资有风险  ')).toBe('您好 世界\n投资有风险');
    expect(withRiskDisclosure('  ', ' 投资有风险 ')).toBe('投资有风险');
    expect(withRiskDisclosure('已提示：投资有风险！', '投资有风险。')).toBe('已提示：投资有风险！');
    expect(withRiskDisclosure('文本', '')).toBe('文本');
  });

  it('recognise products by name, fund codes and ST shares as whole words', () => {
    for (const text of ['REIT', 'REITs', 'ST股', '*ST股', 'ETF']) {
      expect(mentionsInvestmentProduct(text), text).toBe(true);
    }
    for (const text of ['BEST', 'ETFX', '', '营业部地址']) {
      expect(mentionsInvestmentProduct(text), text).toBe(false);
    }
    expect(mentionsInvestmentProduct(undefined as unknown as string)).toBe(false);
  });

  it('put the AI label once, trimmed, at the end or the start', () => {
    expect(withAiLabel(' 答复 ', ' 由AI生成 ')).toBe('答复\n由AI生成');
    expect(withAiLabel(' 答复 ', '由AI生成', { position: 'start' })).toBe('由AI生成\n答复');
    expect(withAiLabel('  ', ' 由AI生成 ')).toBe('由AI生成');
    expect(withAiLabel('答复\n由 AI 生成', '由AI生成')).toBe('答复\n由 AI 生成');
  });
});
