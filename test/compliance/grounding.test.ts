import { describe, expect, it } from 'vitest';
import { checkGrounded, figuresIn } from '../../src/compliance/index.ts';

const STAMP_DUTY =
  '证券交易印花税只向卖方征收，税率为成交金额的 0.05%，自2023年8月28日起执行；此前为 0.1%。';
const SCIENCE_BOARD =
  '科创板股票：单笔买入不少于200股，超过200股的部分可以按1股递增。开通需前20个交易日日均资产不低于50万元。';
const HOURS = '9:15–9:25 为开盘集合竞价，9:30–11:30、13:00–14:57 为连续竞价。';

describe('figuresIn', () => {
  it('reads values, not spellings', () => {
    const keys = (text: string) => figuresIn(text).map((f) => f.key);
    expect(keys('50万元')).toEqual(keys('500000元'));
    expect(keys('0.05%')).toEqual(keys('万分之五'));
    expect(keys('百分之十')).toEqual(keys('10%'));
    expect(keys('9点30分')).toEqual(keys('9:30'));
    expect(keys('9点半')).toEqual(keys('09:30'));
    expect(keys('2023年8月28日')).toEqual(keys('2023-08-28'));
    expect(keys('两年')).toEqual(keys('2年'));
    expect(keys('０.０５％')).toEqual(keys('0.05%'));
  });

  it('finds no number in words that only look like numerals', () => {
    expect(figuresIn('一般需要统一办理三方存管，一码通下挂证券账户')).toEqual([]);
  });

  it('keeps codes and links whole', () => {
    expect(figuresIn('风险等级C4及以上，T+1日到账').map((f) => f.key)).toEqual([
      'code:C4',
      'code:T+1',
    ]);
    expect(figuresIn('请访问 fwpt.csrc12386.org.cn 反映').map((f) => f.key)).toEqual([
      'link:fwpt.csrc12386.org.cn',
    ]);
  });

  it('ignores the numbering of a list', () => {
    expect(figuresIn('1. 上传身份证\n2、人脸识别\n(3) 签署协议')).toEqual([]);
    expect(figuresIn('1.5%').map((f) => f.key)).toEqual(['ratio:0.015']);
  });
});

describe('checkGrounded', () => {
  it('passes an answer whose figures all come from the passages, in any spelling', () => {
    expect(
      checkGrounded('卖出时按成交金额的万分之五缴纳印花税，2023年8月28日起执行。', [STAMP_DUTY]),
    ).toEqual({ ok: true });
    expect(
      checkGrounded('科创板至少买200股，资产要求是500000元。', [STAMP_DUTY, SCIENCE_BOARD]),
    ).toEqual({ ok: true });
    expect(checkGrounded('开盘集合竞价是9点15分到9点25分。', [HOURS])).toEqual({ ok: true });
    expect(checkGrounded('自8月28日起减半。', [STAMP_DUTY])).toEqual({ ok: true });
    expect(checkGrounded('这是2023年的调整。', [STAMP_DUTY])).toEqual({ ok: true });
  });

  it('passes an answer with no figures at all', () => {
    expect(checkGrounded('印花税只向卖方征收。', [STAMP_DUTY])).toEqual({ ok: true });
  });

  it('names every figure the passages do not hold', () => {
    const check = checkGrounded('印花税为0.1%，2024年起改为0.03%，每笔最低5元。', [STAMP_DUTY]);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.reasons.join()).toContain('「2024年」');
    expect(check.reasons.join()).toContain('「0.03%」');
    expect(check.reasons.join()).toContain('「5」');
    expect(check.reasons.join()).not.toContain('「0.1%」');
  });

  it('rejects a wrong date, time or code even when the numbers look alike', () => {
    expect(checkGrounded('2023年8月29日起执行', [STAMP_DUTY]).ok).toBe(false);
    expect(checkGrounded('9:20开始连续竞价', [HOURS]).ok).toBe(false);
    expect(checkGrounded('需要C5等级', ['风险等级C4及以上']).ok).toBe(false);
  });

  it('rejects a link or e-mail address the passages do not give', () => {
    expect(checkGrounded('请登录 www.fake-broker.com 办理', [STAMP_DUTY]).ok).toBe(false);
    expect(checkGrounded('发邮件到 help@fake-broker.com', [STAMP_DUTY]).ok).toBe(false);
    expect(
      checkGrounded('请访问 fwpt.csrc12386.org.cn', ['网络平台 fwpt.csrc12386.org.cn']).ok,
    ).toBe(true);
  });
});
