import { describe, expect, it } from 'vitest';
import { emptyContext } from '../../src/conversation/context.ts';
import { applyStyle, styleFor } from '../../src/conversation/reply-style.ts';
import type { FirmSettings } from '../../src/content/types.ts';

const firm = { hotline: '95000' } as unknown as FirmSettings;
const human = { label: '转人工', value: 'intent:service.human' };
const worried = { frustrated: false, elderly: false, worried: true, callsForPerson: false };

describe('the reassurance before an answer for a worried customer', () => {
  it('comes first when the answer is about something else', () => {
    const style = styleFor({ ...emptyContext(), greeted: true }, worried, firm);
    const [reply] = applyStyle(
      [{ type: 'text', text: '账户被冻结的常见原因有：证件过期、司法冻结……' }],
      style,
      human,
    );
    expect(reply?.text).toMatch(/^请您放心：.*第三方存管.*账户被冻结/u);
  });

  it('is left out when the answer already says it in its own words', () => {
    const style = styleFor({ ...emptyContext(), greeted: true }, worried, firm);
    const answer =
      '请放心，您的资金实行第三方存管：客户交易结算资金存放在商业银行，以每个客户的名义单独立户管理。证券公司不得挪用客户资金，证券公司破产时，客户资金不属于其破产财产。';
    const [reply] = applyStyle([{ type: 'text', text: answer }], style, human);
    expect(reply?.text).toBe(answer);
  });
});

describe('the way to a person for a frustrated customer', () => {
  const angry = { frustrated: true, elderly: false, worried: false, callsForPerson: false };
  const justOffered = { ...emptyContext(), greeted: true, turn: 5, offeredHelpTurn: 4 };

  it('is not said again a turn after it was offered', () => {
    expect(styleFor(justOffered, angry, firm).tail).toBe('');
  });

  it('is said again when the customer calls for a person (人呢)', () => {
    const style = styleFor(justOffered, { ...angry, callsForPerson: true }, firm);
    expect(style.tail).toContain('转人工');
    expect(style.offerHuman).toBe(true);
  });
});
