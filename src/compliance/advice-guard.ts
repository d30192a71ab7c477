// Stops outbound text that promises returns or tips stocks, and spots customers asking for advice.
import { toHalfWidth } from '../nlu/entities/text.ts';

export type ComplianceCheck = { ok: true } | { ok: false; reasons: string[] };

interface Rule {
  reason: string;
  pattern: RegExp;
}

// Each reason names what the text promised, so logs tell reviewers why a reply was stopped.
const PROMISE_RULES: Rule[] = [
  { reason: '承诺保本', pattern: /保本|保住本金|本金(?:有保障|无忧|绝对安全)|保底/g },
  { reason: '承诺稳赚', pattern: /稳赚|包赚|只赚不赔|稳赢|躺赚|稳拿收益|稳挣/g },
  {
    reason: '预测股价必涨',
    pattern:
      /(?:一定|肯定|必定|必然|绝对|保证|铁定|百分之百|100%)(?:会|能|要)?(?:大|上)?涨|必涨|必大涨|稳涨|必将上涨|包涨/g,
  },
  {
    reason: '承诺收益',
    pattern:
      /(?:保证|承诺|确保|担保)(?:您的?)?(?:投资)?(?:收益|盈利|赚钱|回报|利润|年化)|收益(?:有|可)保障|保收益|保证赚|稳定(?:高)?收益|固定收益率?\d|收益率?(?:至少|不低于)\d/g,
  },
  { reason: '宣称零风险', pattern: /零风险|无风险|没有(?:任何)?风险|毫无风险|风险为零/g },
  {
    reason: '宣称收益翻倍',
    pattern: /翻倍|翻番|翻几倍|翻[一二两三四五六七八九十]倍|十倍股|百倍股|[0-9]+倍收益/g,
  },
  {
    reason: '推荐买卖个股',
    pattern:
      /(?:推荐|建议|值得|赶紧|赶快)(?:您|你|大家)?(?:买入|买进|购入|加仓|抄底|建仓|满仓|追涨|卖出|清仓|减仓|抛售|入手)|(?:推荐|荐)(?:一只|几只|一支|个|只)?(?:股票|个股|牛股|黑马股?)|强烈推荐|牛股|黑马股|金股/g,
  },
  { reason: '给出目标价', pattern: /目标价|目标位|看到\d+(?:\.\d+)?元|涨到\d+(?:\.\d+)?元/g },
  { reason: '内幕消息', pattern: /内幕消息|内部消息|内线消息|小道消息/g },
];

// Words that turn the promise into a warning or disclaimer ("不保证收益", "谨防承诺保本的骗局").
const NEGATION =
  /(?:不(?![管用必论仅但少停断错])|非|无(?!论)|没|未|别|勿|莫|禁止|严禁|杜绝|拒绝|谨防|警惕|防范|小心|切忌|举报|任何|凡是|所谓|并不|绝不|不会|不能|不得|不可|不代表|不构成|不承诺|不保证|不存在|无法|不是)[^，。；！？,.;!?\n]{0,6}$/;

// The dozen characters before a match: NEGATION only looks back to the last punctuation mark, so
// a negation in an earlier clause never counts.
function textBefore(text: string, index: number): string {
  return text.slice(Math.max(0, index - 12), index);
}

function normaliseForRules(text: string): string {
  return toHalfWidth(text).replace(/[ \t]+/g, '');
}

/** Checks text the bot (or an LLM layer) is about to send. Disclaimers and warnings pass. */
export function checkOutboundCompliance(text: string): ComplianceCheck {
  if (typeof text !== 'string') return { ok: true };
  const flat = normaliseForRules(text);
  const reasons: string[] = [];
  for (const rule of PROMISE_RULES) {
    for (const m of flat.matchAll(rule.pattern)) {
      if (NEGATION.test(textBefore(flat, m.index))) continue;
      reasons.push(`${rule.reason}：「${m[0]}」`);
      break;
    }
  }
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

const ADVICE_REQUESTS: RegExp[] = [
  // Which stock / fund will rise.
  /哪[只支](?:股票?|基金)?(?:会|能|要|可能)?(?:涨|大涨|赚|好)|哪[个些](?:股票?|基金)(?:会|能|要|可能)?(?:涨|大涨|赚|好)/,
  /(?:什么|啥)(?:股票?|基金)(?:会|能|要)?(?:涨|好|赚钱|值得)/,
  // Price predictions.
  /涨不涨|会不会涨|能不能涨|会涨吗|能涨吗|还会涨|还能涨|会跌吗|跌不跌|会不会跌|要涨了吗|会大涨|能涨到|涨到多少|能涨多少|目标价/,
  // Asking for picks.
  /推荐(?:一?[只支个]|几[只支个]|一些|点|下)?(?:好的?)?(?:股票|个股|牛股|基金|理财产品|板块|标的)/,
  /推荐[^，。？?,.!！]{0,10}(?:会涨|能涨|要涨|涨停|大涨|翻倍)|(?:明天|后天|下周|今天|马上|短期)[^，。？?]{0,4}(?:会|能|要)(?:大)?涨(?:的|停)/,
  /帮我?(?:选|挑|推荐)(?:一?[只支个])?(?:股|基金)|选股|荐股|带我?(?:炒股|赚钱)|有(?:什么|没有|啥)好的?(?:股|基金)|牛股|金股|内幕消息/,
  // Return expectations and guarantees.
  /能赚多少|会赚多少|可以赚多少|能挣多少|赚多少钱|收益能有多少|能有多少收益|保本吗|保不保本|能保本吗|稳赚吗|稳不稳赚|会不会亏/,
  // Buy / sell / hold decisions (not "可以卖吗", which asks about trading rules).
  /(?:该|应该|该不该|要不要|值不值得|值得)(?:买|卖|抄底|加仓|减仓|清仓|入手|持有|割肉)|(?:可以|能)抄底吗|买还是卖/,
  // Timing the market: 现在能抄底不, 是不是见底了, 该不该逃顶.
  /(?:能|可以|现在|适合|是时候)抄底|抄底(?:吗|不|么|呢)|是不是(?:见底|到底|底部)|(?:见底|到底部|触底)了?(?:吗|没|不|$)|逃顶|(?:还能|还要|会不会)(?:再)?(?:涨|跌)/,
  // Which of two things will do better: 白酒和新能源哪个能涨, 哪个板块好.
  /哪(?:个|一个|些|一些|类)(?:板块|行业|方向)?(?:会|能|更|比较|最)?(?:涨|大涨|赚钱|赚|有前景|好(?=$|[吗呢啊？?，,。些点]))/,
  // Products that cannot lose or double: 有没有稳赚不赔的, 一下翻倍那种.
  /(?:有没有|有什么|有啥|推荐|给我|想要|想找)[^，。？?,]{0,8}(?:稳赚|保本|翻倍|不亏|高收益|暴涨)|翻倍的|翻番的/,
];

// "茅台能买吗" asks whether to buy a named security: advice. "科创板的股票我能买吗" or "怎么买" asks
// about permissions or the procedure, which the FAQ answers.
const BUY_QUESTION =
  /(?:能|可以|可不可以|能不能|现在|今天|明天|还)买(?:吗|不|么|入吗|进吗)|能买不|买得吗|(?:能|可以)入手吗|(?:能|可以)上车吗/;
const PROCEDURE_CONTEXT =
  /权限|开通|条件|门槛|资格|怎么买|如何买|在哪买|哪里买|买不了|买不进|手续|规则|时间|几点/;

// Closing an account, moving custody or changing the custody bank with holdings raises "要不要卖 /
// 股票怎么处理": a question about the procedure, which the FAQ answers, not a request for advice.
const PROCESS_QUESTION =
  /销户|注销(?:账户|账号)?|转托管|转户|换券商|换个券商|换一家券商|撤销指定|撤指|变更存管|换存管|换银行卡|换卡|过户|继承|转到别的券商|转去别的券商/;
// ...unless it also asks what will rise or which stock to pick.
const STILL_ADVICE = /推荐|哪[只支个]|会涨|会跌|涨不涨|跌不跌|目标价|稳赚|保本|能赚多少/;

// 北交所的股票一天最多能涨多少 / 科创板涨跌幅是多少 ask the price-limit rule, which the FAQ answers:
// a day's limit or the rule's own name, not how far a stock will go (这只还能涨多少).
const PRICE_LIMIT_QUESTION =
  /涨跌幅|涨跌停|(?:一天|每天|单日|当日|当天|日内|一个交易日)[^，。？?,]{0,4}(?:最多|最高|最大|顶多|上限)[^，。？?,]{0,3}[涨跌]/;
// ...unless it also asks for a prediction or a pick (明天涨跌幅会有多大, 哪只一天能涨停).
const PREDICTION =
  /推荐|哪[只支个]|还能涨|还会涨|会涨|会跌|涨不涨|跌不跌|目标价|明天|后天|下周|下个月/;

/**
 * Heuristic: the customer asks for investment advice or a prediction (a safety net beside the
 * classifier). `namesSecurity` says the message names a stock or fund (from the entity extractor),
 * which turns "能买吗" from a rules question into a request for a recommendation.
 */
export function isAdviceRequest(text: string, context: { namesSecurity?: boolean } = {}): boolean {
  if (typeof text !== 'string') return false;
  const flat = normaliseForRules(text);
  if (PROCESS_QUESTION.test(flat) && !STILL_ADVICE.test(flat)) return false;
  if (PRICE_LIMIT_QUESTION.test(flat) && !PREDICTION.test(flat)) return false;
  if (ADVICE_REQUESTS.some((re) => re.test(flat))) return true;
  return context.namesSecurity === true && BUY_QUESTION.test(flat) && !PROCEDURE_CONTEXT.test(flat);
}
