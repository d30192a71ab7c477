// 周一几点开始有人 / 明天什么时候有客服: when a person will be there to talk to. The classifier
// hears 几点 and 周一 as the trading hours; the customer means the human service (most often they
// have just heard nobody is on duty), so the service-hours answer is what they need, at any point
// of the conversation and never as the message they are leaving.
const WHEN = '(?:几点|几时|什么时候|啥时候|什么时间|何时|哪天|几号)';
const SOMEONE = '(?:有人工|有客服|有人|来人|人工客服|人工|客服|真人)';
const ON_DUTY = '(?:能|会|可以)?(?:在|上班|值班|接待|回复|接电话|接听|在线|开始)?';
const PARTICLES = '(?:啊|呀|呢|吗|么|吧|哦|哈)*[？?。.!！~～]*$';
const CLAUSE = '[^，,。；;！!？?]';

/** 几点有人 / 什么时候有人工: the time first, the person last. */
const TIME_THEN_PERSON = new RegExp(`${WHEN}${CLAUSE}{0,6}${SOMEONE}${ON_DUTY}${PARTICLES}`, 'u');
/** 人工周一几点开始 / 客服明天几点上班: the service named first. */
const PERSON_THEN_TIME = new RegExp(
  `(?:人工|客服|真人)${CLAUSE}{0,6}${WHEN}(?:开始|上班|值班|有人|在)?(?:上班|有人|接待)?${PARTICLES}`,
  'u',
);

// 营业部几点有人 asks about a branch's opening hours, which the branch question answers.
const ELSEWHERE = /营业部|营业厅|网点|柜台|银行/u;

export function asksWhenAgentsAvailable(text: string): boolean {
  const t = text.trim();
  return (TIME_THEN_PERSON.test(t) || PERSON_THEN_TIME.test(t)) && !ELSEWHERE.test(t);
}
