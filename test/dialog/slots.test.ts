// Slot parsing as customers really answer: natural yes/no, option numbers and near misses,
// skip words, traditional characters, every kind of phone number, names with a middle dot.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ANSWERS, saysOnly, simplifiedScript } from '../../src/dialog/answers.ts';
import { maskPhone } from '../../src/compliance/mask.ts';
import { parsePhone } from '../../src/dialog/phone.ts';
import { findWhen, isSkip, matchOption, validateSlot } from '../../src/dialog/slots.ts';
import type { ChoiceOption } from '../../src/dialog/types.ts';

const NOW = '2026-11-23T02:00:00.000Z'; // Monday 10:00 in Shanghai
const slot = (type: Parameters<typeof validateSlot>[0], text: string) =>
  validateSlot(type, text, [], NOW);

describe('yes and no', () => {
  it.each([
    '是',
    '对',
    '确认',
    '確認',
    '没问题',
    '沒問題',
    '提交',
    '好的',
    '可以',
    'OK',
    '对的，没问题',
    '确认无误，提交吧',
    '好的谢谢',
    '嗯嗯',
  ])('%s is yes', (text) => {
    expect(slot('yes_no', text)).toMatchObject({ ok: true, value: 'yes' });
  });
  it.each(['不', '不对', '不是', '不用了', '不需要', '沒有'])('%s is no', (text) => {
    expect(slot('yes_no', text)).toMatchObject({ ok: true, value: 'no' });
  });
  it.each(['对不对', '确认一下金额', '好不好', '不可以吗', '张三'])('%s is neither', (text) => {
    expect(slot('yes_no', text)).toEqual({ ok: false });
  });
  it('only whole phrases with padding count, never a phrase inside other words', () => {
    const yes = DEFAULT_ANSWERS.yes ?? [];
    expect(saysOnly('那就提交吧', yes)).toBe(true);
    expect(saysOnly('提交失败了', yes)).toBe(false);
  });
});

describe('options', () => {
  const categories: ChoiceOption[] = [
    { label: '服务态度', value: '服务态度', says: ['态度', '不耐烦'] },
    { label: '交易系统', value: '交易系统', says: ['系统', '闪退'] },
    { label: '收费', value: '收费', says: ['佣金', '手续费'] },
    { label: '产品销售/适当性', value: '产品销售/适当性' },
    { label: '信息披露', value: '信息披露' },
    { label: '其他', value: '其他' },
  ];
  it.each([
    ['收费', '收费'],
    ['3', '收费'],
    ['第二个', '交易系统'],
    ['服务态度不好', '服务态度'],
    ['服务太度', '服务态度'],
    ['我觉得是交易系通的问题', '交易系统'],
    ['信息批露', '信息披露'],
    ['適當性', '产品销售/适当性'],
    ['手续费收多了', '收费'],
    ['APP老是闪退', '交易系统'],
  ])('%s picks %s', (text, value) => {
    expect(matchOption(categories, text, null)).toMatchObject({ ok: true, value });
  });
  it.each(['9', '态度差还乱收佣金', '你好'])('%s picks nothing', (text) => {
    expect(matchOption(categories, text, null)).toEqual({ ok: false });
  });
  it('a tapped value wins', () => {
    expect(matchOption(categories, '随便', '其他')).toMatchObject({ ok: true, value: '其他' });
  });
});

describe('yes and no with more said after', () => {
  const solved: ChoiceOption[] = [
    { label: '已解决', value: 'yes', answers: [...(DEFAULT_ANSWERS.yes ?? [])] },
    { label: '没解决', value: 'no', answers: [...(DEFAULT_ANSWERS.no ?? [])] },
  ];
  it.each([
    ['是的，我还想问下印花税', 'yes'],
    ['对，就是这个', 'yes'],
    ['不是这些原因，就是你们系统的问题', 'no'],
    ['不行，还是买不进去', 'no'],
    ['不对 我挂的是限价单', 'no'],
    ['没用啊', 'no'],
  ])('%s is %s', (text, value) => {
    expect(matchOption(solved, text, null)).toMatchObject({ ok: true, value });
  });
  it.each(['不错', '是不是要先撤单', '不知道'])('%s picks nothing', (text) => {
    expect(matchOption(solved, text, null)).toEqual({ ok: false });
  });
  it('没什么问题了 is not a denial', () => {
    expect(matchOption(solved, '没什么问题了谢谢', null)).not.toMatchObject({ value: 'no' });
  });
});

describe('skipping an optional question', () => {
  it.each([
    '跳过',
    '跳過',
    '不方便',
    '不方便提供',
    '不记得了',
    '没有',
    '不想说',
    '账号不方便给你',
    '记不清了',
  ])('%s skips', (text) => {
    expect(isSkip(text, null)).toBe(true);
  });
  it.each(['880012345678', '我想先问一下开户', '上周三下午'])('%s does not skip', (text) => {
    expect(isSkip(text, null)).toBe(false);
  });
});

describe('traditional characters before parsing', () => {
  it('reads dates written in traditional characters', () => {
    expect(simplifiedScript('上週一 下午3點')).toBe('上周一 下午3点');
    expect(slot('datetime', '上週一')).toEqual({
      ok: true,
      value: '上週一',
      extra: { iso: '2026-11-16' },
    });
    expect(slot('datetime', '昨天下午三點')).toMatchObject({
      ok: true,
      extra: { iso: '2026-11-22T15:00:00+08:00' },
    });
  });
  it('finds the time inside a longer message', () => {
    expect(findWhen('交易系统上周三一直登不上', NOW)).toEqual({
      text: '上周三',
      iso: '2026-11-18',
    });
    expect(findWhen('新股中签了钱被扣了', NOW)).toBeNull();
  });
  it('keeps a time said loosely as the customer said it, with no exact date', () => {
    expect(findWhen('去年十月在南山营业部买的', NOW)).toEqual({ text: '去年十月' });
    expect(findWhen('上个月底被扣了两次钱', NOW)).toEqual({ text: '上个月底' });
    expect(findWhen('这周一下午打的电话', NOW)).toMatchObject({
      text: '这周一下午',
      iso: '2026-11-23',
    });
    expect(findWhen('买了3个月的理财', NOW)).toBeNull();
  });
});

describe('phones', () => {
  it.each([
    ['13812345678', '13812345678'],
    ['我的手机 138 1234 5678', '13812345678'],
    ['+86 139-1234-5678', '13912345678'],
    ['008619912345678', '19912345678'],
    ['１６６１２３４５６７８', '16612345678'],
    ['010-62345678', '010-62345678'],
    ['(021)6345 6789', '021-63456789'],
    ['0755 8888 6666', '0755-88886666'],
    ['座机 0571-87654321 转 802', '0571-87654321转802'],
    ['010-62345678-8001', '010-62345678转8001'],
    ['+86 10 6234 5678', '010-62345678'],
    ['+852 9123 4567', '+852 91234567'],
    ['00852-61234567', '+852 61234567'],
    ['+853 6612 3456', '+853 66123456'],
    ['+886 912 345 678', '+886 912345678'],
    ['0912-345-678', '+886 912345678'],
  ])('%s is %s', (text, value) => {
    expect(slot('phone', text)).toEqual({ ok: true, value, extra: {} });
  });
  it.each([
    '1381234567',
    '12345678901',
    '62345678',
    '010-6234567',
    '13812345678 或 13912345678',
    '电话不方便给',
    '91234567',
  ])('%s is not a phone', (text) => {
    expect(parsePhone(text)).toBeNull();
  });
});

describe('phones as shown', () => {
  it.each([
    ['13812345678', '138****5678'],
    ['010-62345678', '010-****5678'],
    ['0571-87654321转802', '0571-****4321转802'],
    ['+852 91234567', '+852 ****4567'],
    ['+886 912345678', '+886 9****5678'],
  ])('%s is shown as %s', (phone, shown) => {
    expect(maskPhone(phone)).toBe(shown);
  });
});

describe('names', () => {
  it.each([
    ['张三', '张三'],
    ['我叫欧阳娜娜', '欧阳娜娜'],
    ['阿卜杜拉·买买提', '阿卜杜拉·买买提'],
    ['迪丽热巴•迪力木拉提', '迪丽热巴·迪力木拉提'],
    ['我姓王', '王'],
    ['王先生', '王先生'],
    ['張三', '張三'],
    ['John Smith', 'John Smith'],
  ])('%s is %s', (text, value) => {
    expect(slot('name', text)).toMatchObject({ ok: true, value });
  });
  it.each([
    ['我叫周敏，去年十月在营业部买了个产品', '周敏'],
    ['姓名林涛 我要投诉柜台', '林涛'],
    ['免贵姓李', '李'],
  ])('%s leads with the name %s', (text, value) => {
    expect(slot('name', text)).toMatchObject({ ok: true, value });
  });
  it.each([
    '帮我查一下持仓',
    '查询余额',
    '我要开户',
    '不方便',
    '转账几点',
    '你们的客服',
    // Someone else's name, or words of a sentence, are not the customer's name.
    '他叫刘强',
    '那个经理姓刘',
    '对方姓陈',
    '名字我忘了 就记得姓刘',
    '我是他客户，他把我钱亏了',
  ])('%s is not a name', (text) => {
    expect(slot('name', text)).toEqual({ ok: false });
  });
});
