// What customers ask of the human service itself, in their own words. These are requests and
// questions about the service (is anyone there, call me back, can I phone you, is there anyone at
// the weekend), not about a securities topic, so they beat the topic words around them: 我要留个言
// 让你们的人明天给我回个电话 港股通一直开不了 asks for a call-back, whatever 港股通 suggests.
import { asksWhenAgentsAvailable } from '../dialog/agent-hours.ts';
import { parsePhone } from '../dialog/phone.ts';
import { normalizeText } from '../nlu/normalize.ts';

const NEGATED =
  /(?:不用|不要|别|无需|不需要|不必|没必要)[^，,。；;！!？?]{0,4}(?:留言|留个言|回电|回个电话|打电话|打给|联系)/u;

// ---- a call-back --------------------------------------------------------------------------

/** 留个言 / 回个电话 / 打电话给我 / 让你们的人联系我. */
const CALLBACK =
  /留个?言|留个口信|回个?电话|回电|回我电话|(?:打|拨)个?电话给我(?!们)|给我(?:打|拨)个?电话|打我(?:的)?(?:电话|手机)|(?:让|叫|请)(?:你们的?)?(?:人|客服|专员|工作人员|经理|同事)[^，,。；;！!？?]{0,8}联系我/u;
// 我留了言怎么还没人回: about a message already left, not a new one.
const ALREADY_LEFT =
  /留(?:了|过)言|留言了|已经留|(?:怎么|为什么|咋)(?:还)?(?:没|不)(?:人)?(?:回|联系)/u;

// 有人打电话给我说是你们客服: a call received, which the anti-fraud answers tell.
const PHONED_BY = /有人(?:给我)?打|接到|来电|说是|自称|冒充|骗/u;

/** The customer asks to leave a message for a call-back (留个言 / 明天给我回个电话). */
export function asksForCallback(text: string): boolean {
  const t = normalizeText(text);
  return CALLBACK.test(t) && !ALREADY_LEFT.test(t) && !NEGATED.test(t) && !PHONED_BY.test(t);
}

/**
 * The words of a call-back request and the talk about the service around it (那能不能先留个言 明早
 * 让人联系我 / 明天上班了能有人处理吗) removed: what is left is the customer's own matter, if any.
 */
const SERVICE_TALK = new RegExp(
  [
    CALLBACK.source,
    '(?:人工客服|人工服务|人工|真人|客服专员|客服|专员|工作人员|你们的?人|有人|没人|人呢)',
    '(?:明天|明早上?|明儿|后天|今晚|今天|晚上|早上|上午|下午|中午|开盘前|收盘后|上班(?:了|后|时)?|下班(?:了|后)?|回头|之后|以后|现在|先|再|等会儿?|太晚|这么晚|这个点|半夜|深夜)',
    '(?:那|就|我|你们|能不能|可不可以|可以|能|会|要|想|让|叫|请|麻烦|拜托|帮忙|给我|帮我|处理|联系|一下|都行|都可以|行不行|好不好|吗|吧|呢|啊|呀|哈|的|了|在|还)',
  ].join('|'),
  'gu',
);

/** True when a message says something beyond asking for (or about) the human service. */
export function tellsMoreThanServiceTalk(text: string): boolean {
  const rest = normalizeText(text).replace(SERVICE_TALK, '');
  return (rest.match(/[\u3400-\u9fff]/gu) ?? []).length >= 4;
}

/** 那能不能先留个言 明早让人联系我: a call-back asked for, with neither the matter nor a phone. */
export function onlyAsksForCallback(text: string): boolean {
  return asksForCallback(text) && !tellsMoreThanServiceTalk(text) && parsePhone(text) === null;
}

// ---- is anyone there ------------------------------------------------------------------------

const PERSON = '(?:人工客服|人工服务|人工坐席|人工|真人客服|真人)';
/** 人工还在吗 / 现在还有人工吗 / 人工在不在: asking whether a person is on duty is asking for one. */
const STILL = '(?:还|现在|这会儿?|这个点|都|今晚|晚上)*';
const ON_DUTY = new RegExp(
  `${PERSON}${STILL}(?:在不在|在吗|在么|在嘛|在没|在线吗|在线不|在不)|` +
    `(?:有没有|还有没有|现在有没有|还有|现在还有)${PERSON}(?:在)?(?:吗|么|嘛|呢|啊|不|没)|` +
    `${PERSON}(?:还)?(?:有没有|有吗|有么|有不|有没)|` +
    // 客服下班了吗: whether they have gone for the day is whether one is there.
    `(?:人工客服|人工|客服|真人)(?:都|已经)?(?:下班|休息)了(?:吗|么|没|没有|吧)?`,
  'u',
);
// 人工几点在 / 周末人工在吗 ask when, which the service-hours answers tell.
const WHEN =
  /几点|几时|什么时候|啥时候|什么时间|哪天|几号|明天|周末|周六|周日|星期|礼拜|节假日|假期|放假/u;

/** The customer asks whether a person is there now (人工还在吗), which is asking for one. */
export function asksWhetherAgentsAreIn(text: string): boolean {
  const t = normalizeText(text);
  return ON_DUTY.test(t) && !WHEN.test(t);
}

// ---- weekends and holidays ------------------------------------------------------------------

const DAYS_OFF =
  /周末|周六|周日|周天|星期六|星期天|星期日|礼拜六|礼拜天|礼拜日|双休|节假日|节日|假期|放假|过年|春节|国庆|五一|元旦|中秋|端午|清明/u;
const SOMEONE =
  /有人|有没有人|人工|客服|上班|值班|接电话|接听|热线|在线|能转|转人工|能联系|回复|处理/u;
// 周末营业部开门吗 / 节假日能转账吗 ask about branches and transfers, which their own answers tell.
const OTHER_SERVICE = /营业部|营业厅|网点|柜台|转账|交易|开市|开盘|休市|股市|港股通|打新|申购/u;

/** 周六周日有人不 / 节假日有客服吗: whether the human service works on days off. */
export function asksAboutServiceOnDaysOff(text: string): boolean {
  const t = normalizeText(text);
  return DAYS_OFF.test(t) && SOMEONE.test(t) && !OTHER_SERVICE.test(t);
}

/**
 * 周六周日有人不 / 国庆放假呢 right after an answer about the human service: the sentence of that
 * answer about weekends and holidays, rather than the whole answer again.
 */
export function daysOffPartOf(clause: string, answer: string): string | null {
  const t = normalizeText(clause);
  const elliptical = DAYS_OFF.test(t) && [...t].length <= 10 && !OTHER_SERVICE.test(t);
  if (!asksAboutServiceOnDaysOff(clause) && !elliptical) return null;
  const sentences = answer.match(/[^。！？!?]+[。！？!?]?/gu) ?? [];
  return sentences.find((s) => DAYS_OFF.test(s))?.trim() ?? null;
}

// ---- phoning the firm -----------------------------------------------------------------------

/** 能不能直接打电话给你们 / 我想打电话问 / 打哪个电话: the customer wants to call, so the hotline. */
const CALL_US =
  /(?:打|拨)个?电话(?:给|找|问)?(?:你们|客服|贵公司|公司|人工)|打(?:你们|客服)(?:的)?电话|(?:给|找)(?:你们|客服)打个?电话|打给你们|(?:想|要|能|可以|能不能|可不可以|直接)打个?电话(?:问|咨询|过去)?|打(?:过去|电话过去)问|电话(?:联系|找)(?:你们|客服)|(?:你们|客服)(?:的)?(?:电话|热线)(?:是)?(?:多少|几号|号码)|给(?:我)?(?:个|一个)?(?:电话号码|电话|号码|热线)[我呗吧啊嘛，,\s]*(?:打|拨|问|$)|有没有(?:什么)?(?:电话|热线)(?:可以|能)?(?:打|拨|联系)?/u;
// 有人打电话给我说是你们的 / 这个电话是你们打的吗: a call received, which the anti-fraud answers tell.
const CALL_RECEIVED = /打(?:来|给我|过来)|接到|来电|是你们|是不是你们|冒充|骗/u;

export function asksToCallUs(text: string): boolean {
  const t = normalizeText(text);
  return CALL_US.test(t) && !CALL_RECEIVED.test(t) && !NEGATED.test(t);
}

/** Which question about the human service a message asks, whatever the classifier read. */
export type ServiceQuestion = 'days_off' | 'hours' | 'hotline';

/** 周末几点有人 asks about the weekend first; 周一几点有人 about the hours; 能打电话吗 the hotline. */
export function serviceQuestionOf(text: string): ServiceQuestion | null {
  if (asksAboutServiceOnDaysOff(text)) return 'days_off';
  if (asksWhenAgentsAvailable(text)) return 'hours';
  if (asksToCallUs(text)) return 'hotline';
  return null;
}
