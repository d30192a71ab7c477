// What one message says beyond the question asked, and a story told where something else was
// asked: taken into the form's other questions, never replacing what the customer said before.
import { describe, expect, it } from 'vitest';
import { parseDialogFile } from '../../src/dialog/loader.ts';
import { answersBeside, goesOnWithStory, storyInstead } from '../../src/dialog/more-answers.ts';
import type { WaitingNode } from '../../src/dialog/types.ts';

const DIALOG = `
id: form
title: 投诉登记
start: name
nodes:
  name: { kind: ask, slot: name, label: 姓名, type: name, prompt: 姓名？, onFail: done, next: phone }
  phone: { kind: ask, slot: phone, label: 联系电话, type: phone, prefill: true, prompt: 电话？, onFail: done, next: account }
  account: { kind: ask, slot: account, label: 资金账号, type: account, optional: true, prompt: 账号？, onFail: done, next: when }
  when: { kind: ask, slot: when, label: 发生时间, type: datetime, prefill: true, optional: true, prompt: 时间？, onFail: done, next: kind }
  kind:
    kind: choice
    slot: kind
    label: 投诉类别
    prefill: true
    prompt: 类别？
    options:
      - { label: 服务态度, says: [态度, 甩脸色] }
      - { label: 收费, says: [手续费, 多收] }
    onFail: done
    next: what
  what: { kind: ask, slot: what, label: 事情经过, type: text, prefill: true, prompt: 经过？, onFail: done, next: done }
  done: { kind: end }
`;
const [dialog] = parseDialogFile(DIALOG, 'dialogs/form.yaml', []);
const form = dialog!;
const node = (id: string): WaitingNode => form.nodes[id] as WaitingNode;
const NOW = '2026-11-23T02:00:00.000Z';

describe('answers beside the one asked', () => {
  it('takes the phone, the time, the option and the story said with the name', () => {
    const more = answersBeside(
      form,
      {},
      node('name'),
      '我叫孙悦，手机 186 1234 5678，上周二在营业部柜台被工作人员甩脸色',
      '孙悦',
      NOW,
    );
    expect(more.slots).toEqual({
      phone: '18612345678',
      when: '上周二',
      when_iso: '2026-11-17',
      kind: '服务态度',
      kind_label: '服务态度',
      what: '上周二在营业部柜台被工作人员甩脸色',
    });
    expect(more.labels).toEqual(['联系电话', '发生时间', '投诉类别', '事情经过']);
  });
  it('takes only the phone when the rest tells nothing (a number given with the name)', () => {
    const more = answersBeside(form, {}, node('name'), '赵刚 13566667777', '赵刚', NOW);
    expect(more).toEqual({ slots: { phone: '13566667777' }, labels: ['联系电话'] });
  });
  it('never fills a question already answered or skipped, and adds to the story told before', () => {
    const more = answersBeside(
      form,
      { phone: '13800000000', when: '', what: '开户审核三天没动静' },
      node('account'),
      '880012345678 昨天打电话问也一直没人回复',
      '880012345678',
      NOW,
    );
    expect(more.slots).toEqual({ what: '开户审核三天没动静；昨天打电话问也一直没人回复' });
    expect(more.labels).toEqual(['事情经过']);
  });
  it('keeps only the time as the time when the rest of the answer is the story', () => {
    const more = answersBeside(
      form,
      {},
      node('when'),
      '上周三下午，APP一直登不上，卖不出去亏了好几千',
      '上周三下午，APP一直登不上，卖不出去亏了好几千',
      NOW,
    );
    expect(more.answer).toBe('上周三下午');
    expect(more.slots.what).toBe('APP一直登不上，卖不出去亏了好几千');
    expect(answersBeside(form, {}, node('when'), '上周三', '上周三', NOW)).toEqual({
      slots: {},
      labels: [],
    });
  });
  it('does not take the option named as the answer for the story (服务态度不好)', () => {
    expect(answersBeside(form, {}, node('kind'), '服务态度不好', '服务态度', NOW).slots).toEqual(
      {},
    );
    const told = answersBeside(
      form,
      {},
      node('kind'),
      '收费，转托管被收了100块开户时没人说过',
      '收费',
      NOW,
    );
    expect(told.slots.what).toBe('转托管被收了100块开户时没人说过');
  });
  it('a free-text answer only gives a phone number said in it', () => {
    const more = answersBeside(
      form,
      {},
      node('what'),
      '昨天被多收了手续费，麻烦打我电话13512345678',
      '昨天被多收了手续费，麻烦打我电话13512345678',
      NOW,
    );
    expect(more).toEqual({ slots: { phone: '13512345678' }, labels: ['联系电话'] });
  });
});

describe('a story where something else was asked', () => {
  it('goes to the story with the time it names', () => {
    const more = storyInstead(
      form,
      {},
      node('name'),
      '就是网上开的 上周四提交的 到现在没动静',
      NOW,
    );
    expect(more?.slots).toEqual({
      what: '就是网上开的 上周四提交的 到现在没动静',
      when: '上周四',
      when_iso: '2026-11-19',
    });
    expect(more?.labels).toEqual(['发生时间', '事情经过']);
  });
  it('notes someone else’s name or looks, which are not the customer’s name', () => {
    expect(
      storyInstead(form, {}, node('name'), '名字我忘了 就记得姓刘 戴个眼镜', NOW)?.slots,
    ).toEqual({
      what: '名字我忘了 就记得姓刘 戴个眼镜',
    });
    expect(storyInstead(form, { what: '柜台态度差' }, node('name'), '他姓刘', NOW)?.slots).toEqual({
      what: '柜台态度差；他姓刘',
    });
  });
  it('takes the customer going on with the story (接着说…) even without an event word', () => {
    expect(goesOnWithStory('好 接着说投诉 就是在柜台办业务的时候')).toBe(true);
    expect(
      storyInstead(form, {}, node('name'), '好 接着说投诉 就是在柜台办业务的时候', NOW)?.slots.what,
    ).toBe('就是在柜台办业务的时候');
  });
  it('is not a refusal, a bare short phrase, or a password handed over', () => {
    expect(
      storyInstead(form, {}, node('phone'), '电话就不留了 不想说 你们系统里有记录', NOW),
    ).toBeNull();
    expect(storyInstead(form, {}, node('name'), '不知道', NOW)).toBeNull();
    expect(
      storyInstead(form, {}, node('name'), '我把交易密码发你 123456 你们登进去看看就知道了', NOW),
    ).toBeNull();
  });
  it('is not a question or a request, however it is put', () => {
    for (const text of [
      '有没有投诉电话可以直接打',
      '那就这样吧 能给个投诉编号不',
      '先说清楚 投诉了多久给答复？别拖着',
      '我想问下投诉一般多久处理完',
      '帮我查一下持仓为什么少了',
    ])
      expect(storyInstead(form, {}, node('name'), text, NOW), text).toBeNull();
  });
  it('has nowhere to go in a form without a story question, nor at the story question', () => {
    const [plain] = parseDialogFile(
      DIALOG.replace('type: text, prefill: true', 'type: text'),
      'dialogs/form.yaml',
      [],
    );
    expect(storyInstead(plain!, {}, node('name'), '上周四提交的到现在没动静', NOW)).toBeNull();
    expect(storyInstead(form, {}, node('what'), '上周四提交的到现在没动静', NOW)).toBeNull();
  });
});
