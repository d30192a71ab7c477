import { describe, expect, it } from 'vitest';
import { ASKS_FOR_STEPS, asSteps, renderSteps } from '../../src/conversation/steps.ts';

describe('answers in steps', () => {
  it('splits a long sentence at its commas, keeping a lead-in with what follows', () => {
    const steps = asSteps(
      '满足条件后，可在APP「业务办理」-「权限开通」选择创业板，系统核验资产和交易经验后，在线阅读并签署风险揭示书即可提交，审核结果以本公司通知为准。',
    );
    expect(steps).toEqual([
      '满足条件后，可在APP「业务办理」-「权限开通」选择创业板。',
      '系统核验资产和交易经验后，在线阅读并签署风险揭示书即可提交。',
      '审核结果以本公司通知为准。',
    ]);
  });

  it('keeps a qualifying clause with the line before it', () => {
    const steps = asSteps(
      '转账时间为交易日 9:00-16:00；以本公司规定为准。资金只能转到本人银行卡。',
    );
    expect(steps).toEqual([
      '转账时间为交易日 9:00-16:00，以本公司规定为准。',
      '资金只能转到本人银行卡。',
    ]);
  });

  it('numbers every step and loses no fact', () => {
    const answer =
      '打开APP，进入「交易」-「银证转账」；选择转入或转出，输入金额和密码；然后提交，资金一般实时到账。';
    const text = renderSteps(answer);
    expect(text).toMatch(/第1步/);
    expect(text).toMatch(/第3步/);
    for (const fact of ['「交易」-「银证转账」', '输入金额和密码', '实时到账'])
      expect(text).toContain(fact);
  });

  it.each(['你能说得简单点吗，一步一步的', '说慢点', '太长了看不懂', '能不能通俗一点'])(
    '%s asks for steps',
    (t) => expect(ASKS_FOR_STEPS.test(t)).toBe(true),
  );
  it.each(['简单问一下开户', '第一步是什么'])('%s does not', (t) =>
    expect(ASKS_FOR_STEPS.test(t)).toBe(false),
  );
});
