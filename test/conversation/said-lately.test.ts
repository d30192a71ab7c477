import { describe, expect, it } from 'vitest';
import { saidGists, SHORT_OFFER, unlessSaidBefore } from '../../src/conversation/said-lately.ts';
import type { OutboundMessage } from '../../src/core/message.ts';

const offer: OutboundMessage = {
  type: 'choices',
  text: '如需了解您的风险测评等级，我可以为您介绍；也可以转人工客服。',
  quickReplies: [{ label: '风险测评', value: 'intent:faq.risk_assessment' }],
};
const courtesy: OutboundMessage = { type: 'text', text: '如需人工客服协助，回复「转人工」即可。' };
const disclosure = '市场有风险，投资需谨慎。';

describe('a courtesy line is not said twice running', () => {
  const before = saidGists([courtesy, offer, { type: 'text', text: disclosure }]);

  it('keeps the buttons of a repeated offer under a short lead, punctuation and spacing aside', () => {
    expect(unlessSaidBefore(offer, before, false)).toEqual({ ...offer, text: SHORT_OFFER });
    const spaced = { ...offer, text: '如需了解您的风险测评等级 我可以为您介绍 也可以转人工客服' };
    expect(unlessSaidBefore(spaced, before, false)).toEqual({ ...offer, text: SHORT_OFFER });
  });

  it('says a text again: it may answer a new question the same way (another stock rejected)', () => {
    expect(unlessSaidBefore(courtesy, before, false)).toBe(courtesy);
  });

  it('keeps what must be said: the answer, a question, the disclosure, an agent, anything new', () => {
    expect(unlessSaidBefore(offer, before, true)).toBe(offer);
    const question = { ...offer, text: '如需人工客服协助，要现在为您转接吗？' };
    expect(unlessSaidBefore(question, saidGists([question]), false)).toBe(question);
    const text = { type: 'text' as const, text: disclosure };
    expect(unlessSaidBefore(text, before, false, [disclosure])).toBe(text);
    const agent = { ...offer, from: 'agent' as const };
    expect(unlessSaidBefore(agent, before, false)).toBe(agent);
    const fresh = { type: 'text' as const, text: '银证转账时间为交易日9:00-16:00。' };
    expect(unlessSaidBefore(fresh, before, false)).toBe(fresh);
  });

  it('forgets nothing it was not told: an empty memory keeps everything', () => {
    expect(unlessSaidBefore(offer, [], false)).toBe(offer);
  });
});
