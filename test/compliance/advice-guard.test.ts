import { describe, expect, it } from 'vitest';
import { checkOutboundCompliance, isAdviceRequest } from '../../src/compliance/index.ts';

describe('checkOutboundCompliance', () => {
  it.each([
    ['保本', '这款产品保本，放心买。', '承诺保本'],
    ['稳赚', '跟着操作稳赚。', '承诺稳赚'],
    ['稳赚不赔', '这只股票稳赚不赔', '承诺稳赚'],
    ['一定涨', '茅台明天一定涨', '预测股价必涨'],
    ['必涨', '新能源板块必涨', '预测股价必涨'],
    ['肯定会大涨', '下周肯定会大涨', '预测股价必涨'],
    ['保证收益', '我们保证收益8%', '承诺收益'],
    ['零风险', '国债逆回购零风险', '宣称零风险'],
    ['翻倍', '一年翻倍不是梦', '宣称收益翻倍'],
    ['推荐买入', '推荐买入贵州茅台', '推荐买卖个股'],
    ['建议您加仓', '建议您加仓600519', '推荐买卖个股'],
    ['目标价', '目标价2000元', '给出目标价'],
    ['内幕消息', '有内幕消息，赶紧上车', '内幕消息'],
    ['full-width spaces', '保　证　收　益', '承诺收益'],
  ])('flags %s', (_label, text, reason) => {
    const result = checkOutboundCompliance(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reasons.some((r) => r.startsWith(reason))).toBe(true);
  });

  it('names every problem in one reply', () => {
    const result = checkOutboundCompliance('该理财保本保收益，零风险，一年翻倍');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reasons.map((r) => r.split('：')[0])).toEqual([
        '承诺保本',
        '承诺收益',
        '宣称零风险',
        '宣称收益翻倍',
      ]);
    }
  });

  it.each([
    '市场有风险，投资需谨慎。以上内容仅供参考，不构成投资建议。',
    '本公司不保证收益，也不承诺保本。',
    '我们不承诺收益，请谨防所谓稳赚不赔的骗局。',
    '理财产品不再保本，投资者需自担风险。',
    '该产品为非保本浮动收益型产品。',
    '股市没有零风险的投资。',
    '股价不一定会涨，也可能下跌。',
    '我们不提供目标价，也不推荐个股。',
    '凡是承诺稳赚的都是诈骗，请及时举报。',
    'T+1制度下，当日买入的股票次日可以卖出。',
    '创业板股票涨跌幅限制为20%。',
    '',
  ])('passes disclaimers and plain facts: %s', (text) => {
    expect(checkOutboundCompliance(text)).toEqual({ ok: true });
  });

  it('a negation in another clause does not excuse a promise', () => {
    expect(checkOutboundCompliance('不用担心，这只股票稳赚').ok).toBe(false);
    expect(checkOutboundCompliance('这只股票不错，稳赚').ok).toBe(false);
  });
});

describe('isAdviceRequest', () => {
  it.each([
    '哪只股票会涨？',
    '哪个基金好',
    '明天茅台涨不涨',
    '推荐个股',
    '推荐几只股票',
    '帮我选股',
    '这个基金能赚多少',
    '这个理财保本吗',
    '现在该买还是该卖',
    '要不要抄底',
    '600519目标价多少',
    '有没有内幕消息',
  ])('%s -> advice', (text) => {
    expect(isAdviceRequest(text)).toBe(true);
  });

  it.each([
    '怎么开户',
    '当天买的股票可以卖吗',
    '创业板怎么开通',
    '哪个APP好用',
    '佣金怎么收',
    '转账什么时候到账',
    '',
  ])('%s -> not advice', (text) => {
    expect(isAdviceRequest(text)).toBe(false);
  });
});

describe('isAdviceRequest with a named security', () => {
  it('hears "can I buy it" about a named stock as advice, but not questions about rules or permissions', () => {
    expect(isAdviceRequest('茅台今天能买吗', { namesSecurity: true })).toBe(true);
    expect(isAdviceRequest('600519现在可以买吗', { namesSecurity: true })).toBe(true);
    expect(isAdviceRequest('茅台今天能买吗')).toBe(false);
    expect(isAdviceRequest('688981能买吗，需要开通什么权限', { namesSecurity: true })).toBe(false);
    expect(isAdviceRequest('腾讯怎么买，港股通有什么条件', { namesSecurity: true })).toBe(false);
    expect(isAdviceRequest('宁德时代几点能买', { namesSecurity: true })).toBe(false);
  });
});

describe('process questions that mention holdings are not advice requests', () => {
  it.each([
    '销户的话账户里的股票要不要卖掉',
    '转托管之前股票要不要先卖',
    '换券商的话持仓该卖吗',
    '变更存管银行需要把股票卖了吗',
  ])('%s', (text) => {
    expect(isAdviceRequest(text)).toBe(false);
  });

  it.each(['销户之前推荐一只股票给我', '转托管后这只股票会涨吗'])(
    'still advice when it asks what to pick or whether it rises: %s',
    (text) => {
      expect(isAdviceRequest(text)).toBe(true);
    },
  );
});

describe('questions about the price-limit rule are not advice requests', () => {
  it.each([
    '北交所的股票一天最多能涨多少',
    '科创板一天最多可以跌多少',
    '创业板每天最高能涨百分之几',
    '主板涨跌幅是多少',
    '新股上市第一天有涨跌停吗',
    '这只股票一天最多能涨多少',
  ])('%s', (text) => {
    expect(isAdviceRequest(text)).toBe(false);
  });

  it.each([
    '北交所的股票最多能涨多少',
    '这只股票还能涨多少',
    '北交所哪只股票涨跌幅大，能涨多少',
    '明天一天最多能涨多少',
  ])('still advice when it asks how far a stock will go: %s', (text) => {
    expect(isAdviceRequest(text)).toBe(true);
  });
});
