import { describe, expect, it } from 'vitest';
import type { QuickReply } from '../../src/core/message.ts';
import {
  MenuMemory,
  matchMenuAnswer,
  menuShownBy,
  outboundAsText,
  renderTextMenu,
} from '../../src/channels/text-menu.ts';

const MENU: QuickReply[] = [
  { label: '个人开户', value: 'open_personal' },
  { label: '机构开户', value: 'open_institution' },
  { label: 'ETF', value: 'etf' },
];

describe('renderTextMenu', () => {
  it('numbers the options under the prompt', () => {
    expect(renderTextMenu('请问您要办理哪种开户？', MENU.slice(0, 2))).toBe(
      '请问您要办理哪种开户？\n回复数字选择：\n1. 个人开户\n2. 机构开户',
    );
    expect(renderTextMenu('没有选项', [])).toBe('没有选项');
    expect(renderTextMenu('', MENU.slice(0, 1))).toBe('回复数字选择：\n1. 个人开户');
  });

  it('renders a turn as texts, menus included', () => {
    expect(
      outboundAsText([
        { type: 'text', text: '您好。' },
        { type: 'choices', text: '请选择：', quickReplies: MENU.slice(0, 1) },
        { type: 'event', event: 'agent_joined', text: '人工客服已接入。' },
      ]),
    ).toEqual(['您好。', '请选择：\n回复数字选择：\n1. 个人开户', '人工客服已接入。']);
  });
});

describe('one menu at a time', () => {
  it('numbers only the last menu of a reply and names the earlier choices', () => {
    expect(
      outboundAsText([
        {
          type: 'choices',
          text: '交易时间为9:30开始。',
          quickReplies: [{ label: '交易规则', value: 'intent:faq.trading_rules' }],
        },
        { type: 'text', text: '好的，我们继续刚才的投诉登记。' },
        { type: 'choices', text: '请选择投诉类别：', quickReplies: MENU.slice(0, 2) },
      ]),
    ).toEqual([
      '交易时间为9:30开始。\n您也可以直接发送：「交易规则」',
      '好的，我们继续刚才的投诉登记。',
      '请选择投诉类别：\n回复数字选择：\n1. 个人开户\n2. 机构开户',
    ]);
  });

  it('a typed number answers the menu shown last, never an earlier one', () => {
    const memory = new MenuMemory();
    memory.noteShown('c', [
      { type: 'choices', text: '相关问题', quickReplies: [{ label: '交易规则', value: 'rules' }] },
      { type: 'choices', text: '请选择：', quickReplies: MENU.slice(0, 2) },
    ]);
    expect(memory.interpret('c', '1')).toEqual({
      kind: 'choice',
      value: 'open_personal',
      label: '个人开户',
    });
  });
});

describe('matchMenuAnswer', () => {
  it.each([
    ['1', 'open_personal'],
    [' 2 ', 'open_institution'],
    ['２', 'open_institution'],
    ['3.', 'etf'],
    ['1、', 'open_personal'],
    ['（2）', 'open_institution'],
    ['第3个', 'etf'],
    ['个人开户', 'open_personal'],
    ['etf', 'etf'],
    ['open_institution', 'open_institution'],
  ])('%s picks %s', (input, value) => {
    expect(matchMenuAnswer(input, MENU)?.value).toBe(value);
  });

  it.each(['0', '4', '12', '1 和 2', '我要开户', '', '100000'])('%s picks nothing', (input) => {
    expect(matchMenuAnswer(input, MENU)).toBeNull();
  });
});

describe('MenuMemory', () => {
  it('remembers the last menu per conversation until the bot answers without one', () => {
    const memory = new MenuMemory();
    memory.noteShown('c1', [
      { type: 'choices', text: '请选择：', quickReplies: MENU },
      { type: 'text', text: '温馨提示：投资有风险。' },
    ]);
    expect(memory.interpret('c1', '2')).toEqual({
      kind: 'choice',
      value: 'open_institution',
      label: '机构开户',
    });
    expect(memory.interpret('c2', '2')).toEqual({ kind: 'text', text: '2' });
    memory.noteShown('c1', [{ type: 'text', text: '好的。' }]);
    expect(memory.interpret('c1', '2')).toEqual({ kind: 'text', text: '2' });
  });

  it('forgets a menu after its TTL and caps how many it keeps', () => {
    let now = 1_000;
    const memory = new MenuMemory({ ttlMs: 500, maxConversations: 2, now: () => now });
    const shown = [{ type: 'choices' as const, text: '请选择：', quickReplies: MENU }];
    memory.noteShown('a', shown);
    now += 499;
    expect(memory.current('a')).not.toBeNull();
    now += 1;
    expect(memory.current('a')).toBeNull();

    memory.noteShown('x', shown);
    memory.noteShown('y', shown);
    memory.noteShown('z', shown);
    expect(memory.current('x')).toBeNull();
    expect(memory.current('z')).not.toBeNull();
  });

  it('takes the last choices message of a turn', () => {
    expect(
      menuShownBy([
        { type: 'choices', text: 'a', quickReplies: MENU.slice(0, 1) },
        { type: 'choices', text: 'b', quickReplies: MENU.slice(1, 2) },
      ]),
    ).toEqual([MENU[1]]);
    expect(menuShownBy([])).toBeNull();
  });
});
