// A follow-up the answer just given already answers (那收盘前最后那几分钟呢 after the cancel-order
// answer, 那被限制多久 after the penalty answer, 那时候按什么价成交 after after-hours trading): a good
// agent says that part of the answer alone. Re-sending the paragraph does not answer the
// sub-question, and a neighbouring standard question answers something else.
import { normalizeText } from '../nlu/normalize.ts';
import { bigrams } from './gist.ts';

/** What a sub-question asks for, and how a part of an answer that gives it looks. */
interface AskedKind {
  asks: RegExp;
  holds: RegExp;
  /**
   * When several parts give it and the words name nothing, the answer's lead part is meant (the
   * session's own hours come first, the exchanges' order windows after); for a place, the parts
   * are alternatives (APP or a branch) and none is said alone.
   */
  leadWins?: boolean;
}

const KINDS: readonly AskedKind[] = [
  {
    // 多久, 限制多久, 有效期多长; 提交两天了还没通过正常吗 measures a wait against one
    asks: /多久|多长时间|多长|几天|多少天|几个月|多少个月|几年|多少年|有效期|[\d一二两三四五六七八九十几]+\s*个?(?:天|工作日|交易日|周|星期|礼拜|个月|年|小时)/u,
    holds:
      /\d+\s*个?(?:自然日|交易日|工作日|天|日|个月|月|年|小时|分钟)|[一二两三四五六七八九十]+个?(?:自然日|交易日|工作日|天|个月|年|小时)|长期有效/u,
  },
  {
    // 几点, 什么时候, 哪天
    asks: /几点|什么时候|啥时候|何时|哪天|哪一天|时间段|时段/u,
    holds: /\d{1,2}[:：]\d{2}|T\s*\+\s*\d|当天|当日|次日|次一交易日|下一个交易日/u,
    leadWins: true,
  },
  {
    // 按什么价, 价格怎么定
    asks: /什么价|啥价|哪个价|什么价格|价格是|按.{0,3}价|价位/u,
    holds: /(?:收盘|开盘|成交|委托|发行|申报|市|限|均|净值)价|按.{0,8}价/u,
  },
  {
    // 多少钱, 门槛多少, 费率
    asks: /多少钱|多少资金|多少资产|多少万|多少元|门槛|费率|收多少|扣多少|比例|税率|几个点|百分之/u,
    holds: /\d+(?:\.\d+)?\s*(?:万|元|%|‰)|万元|百分之|免征|暂免/u,
  },
  {
    // 最少几股
    asks: /多少股|几股|几手|多少手|最少买|最低买|数量/u,
    holds: /\d+\s*股|整数倍|递增/u,
  },
  {
    // 去哪办, 在哪看
    asks: /哪里|哪儿|在哪|去哪|哪个页面|入口|从哪/u,
    holds: /「[^」]+」|营业部|APP|官网|网站|柜台/u,
  },
];

/** A question about what to do (怎么才能, 如何申请, 咋弄), not about an amount (怎么收). */
const ASKS_HOW_TO =
  /怎么(?:才能|才可以|能|办|弄|操作|做|申请|开|变|改|换|设置|解决|处理)|如何|怎样才|咋(?:弄|办|整|搞|操作)/u;
/** A part that says what to do: where, through what, by doing what. */
const TELLS_HOW =
  /可在|可以在|可通过|通过|「|办理|重新|申请|选择|登录|致电|联系|携带|点击|进入|完成|提交|签署|按提示/u;

/** Pairs of characters that carry no subject: asking words, pronouns, particles. */
const EMPTY = new Set([
  '那个',
  '那时',
  '时候',
  '什么',
  '怎么',
  '可以',
  '能不',
  '不能',
  '是不',
  '不是',
  '我的',
  '您的',
  '现在',
  '还能',
  '要是',
  '的话',
  '多少',
  '多久',
  '哪里',
  '在哪',
]);

/** An answer's parts: its sentences, and the clauses a semicolon separates. */
export function partsOf(answer: string): string[] {
  return (
    (answer.trim().match(/[^。！？!?；;]+[。！？!?；;]?/gu) ?? [])
      .map((p) => p.trim())
      // The bot's own question to the customer (您具体想了解哪一方面？) answers nothing.
      .filter((p) => p.length > 0 && !/[？?]$/u.test(p))
  );
}

/**
 * How well a part of an answer speaks to the clause: the subject words they share that no other
 * part shares (收盘 in the cancel-order answer), and 2 more when the part gives what the clause
 * asks for (a duration for 多久, a price for 什么价).
 */
function scores(parts: readonly string[], clause: string): number[] {
  return scored(parts, clause).map((s) => s.shared + s.gives);
}

// How customers name the two sides of a trade and a charge, said as the answers say them:
// 买的时候也要交 asks whether 买入 is 收.
const AS_ANSWERS_SAY: readonly [RegExp, string][] = [
  [/买(?:的时候|时候|时|进|股票时)/gu, '买入'],
  [/卖(?:的时候|时候|时|掉|股票时)/gu, '卖出'],
  [/(?:交|扣|付)(?=吗|不|么|嘛|[？?]|$)/gu, '收'],
];

function asAnswersSay(clause: string): string {
  return AS_ANSWERS_SAY.reduce((t, [re, to]) => t.replace(re, to), clause);
}

function scored(parts: readonly string[], clause: string): { shared: number; gives: number }[] {
  const wanted = [...bigrams(asAnswersSay(clause))].filter((b) => !EMPTY.has(b));
  const own = parts.map((p) => bigrams(p));
  const kinds = KINDS.filter((k) => k.asks.test(clause));
  return parts.map((part, i) => ({
    shared: wanted.filter(
      (b) => own[i]!.has(b) && own.filter((o) => o.has(b)).length < Math.max(2, parts.length),
    ).length,
    gives: kinds.some((k) => k.holds.test(part)) ? 2 : 0,
  }));
}

/** A one-part answer is said again only for this many shared subject words (超过200股). */
const SURE_WHOLE = 3;

/** The best score any part of the answer gets for the clause (0: the answer does not speak to it). */
export function bestPartScore(answer: string, clause: string): number {
  const parts = partsOf(answer);
  return parts.length === 0 ? 0 : Math.max(...scores(parts, clause));
}

/**
 * The part of the answer that answers the clause, when exactly one part does: at least one
 * subject word of its own or what the clause asks for, ahead of every other part. Null when
 * no part clearly leads.
 */
export function partAnswering(
  answer: string,
  clause: string,
): { text: string; score: number } | null {
  const parts = partsOf(answer.replace(/^您好[，,]/u, ''));
  if (parts.length === 0) return null;
  const detail = scored(parts, clause);
  const all = detail.map((s) => s.shared + s.gives);
  const best = Math.max(...all);
  if (best < 1) return null;
  const leaders = all.filter((s) => s === best).length;
  // 具体到几点截止 names nothing and asks a time several parts give: the answer's lead part
  // (its main fact) is meant, not a detail further on (see leadWins).
  const onlyKind =
    detail.every((d) => d.shared === 0) &&
    KINDS.some((k) => k.leadWins && k.asks.test(clause)) &&
    namesNothing(clause);
  if (leaders > 1 && !onlyKind) return null;
  const whole = parts[all.indexOf(best)]!;
  // 那怎么才能变成C4 asks what to do: a part that only states a fact (C4对应R1–R4) does not say it.
  if (ASKS_HOW_TO.test(clause) && !TELLS_HOW.test(whole)) return null;
  const part = narrowed(whole, clause);
  // The whole answer again only when it plainly speaks to the new words.
  if (parts.length === 1 && part === whole && best < SURE_WHOLE) return null;
  // A clause ended by a semicolon or a comma reads as a whole sentence alone.
  return { text: part.replace(/[；;，,。]?$/u, '。'), score: best };
}

/**
 * Only asking words (具体到几点截止, 最晚几点): no thing named that the answer may not be about
 * (收盘集合竞价几点结束 names the closing auction, which an opening-auction answer does not give).
 */
function namesNothing(clause: string): boolean {
  return askedThing(normalizeText(clause)).length === 0;
}

/**
 * A normalised clause without its asking words, channels and pronouns: what it is about (过户费
 * in 过户费呢; nothing in 在哪开, 在APP哪里换 or 具体到几点截止).
 */
export function askedThing(core: string): string {
  return core.replace(
    /在哪|哪里|哪儿|哪天|怎么|怎样|如何|多少|多久|几[点个天年次时]?|什么时候|啥时候|何时|什么|啥|请问|到底|究竟|吗|呢|嘛|啊|呀|要|能|可以|是|的|了|去|办|弄|开|做|还|也|那|就|在|我|你们?|app|手机上|手机(?!号)|网上|线上|换|改|上|具体|大概|一般|截止|结束|最晚|最早|开始|到|这个|这样|这种|这|它|收费|费用|不/giu,
    '',
  );
}

/** A part longer than this is a paragraph of its own: the comma clause asked about is said. */
const LONG_PART = 60;

/** The comma clause of a long part that alone speaks to the words (周末和法定节假日休市). */
function narrowed(part: string, clause: string): string {
  if (part.length <= LONG_PART) return part;
  const pieces = part
    .split(/[，,]/u)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (pieces.length < 2) return part;
  const all = scores(pieces, clause);
  const best = Math.max(...all);
  if (best < 1 || all.filter((s) => s === best).length > 1) return part;
  return pieces[all.indexOf(best)]!;
}
