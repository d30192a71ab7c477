// Dialog texts filled from slots: what must not be shown in full is masked by the text's filter.
import { describe, expect, it } from 'vitest';
import { renderDialogText } from '../../src/dialog/template.ts';

const FIRM = { hotline: '95000' };

describe('renderDialogText', () => {
  it('masks the numbers inside a customer story with mask_personal, and leaves the words', () => {
    const story = '麻烦明天打我电话13512345678，身份证110101199003071234，买了600519亏了3000元';
    const shown = renderDialogText('经过：{slot.story|mask_personal}', { story }, FIRM);
    expect(shown).toBe(
      '经过：麻烦明天打我电话135****5678，身份证110101********1234，买了600519亏了3000元',
    );
  });

  it('shows a story without personal numbers as typed', () => {
    const story = '佣金比约定的高，想找人核实';
    expect(renderDialogText('{slot.story|mask_personal}', { story }, FIRM)).toBe(story);
  });
});
