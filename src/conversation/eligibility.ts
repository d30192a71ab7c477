// 我户口得三十万左右，开港股通得唔得: the customer states their assets and asks whether they qualify.
// A good agent compares first (不够 / 资产这一项够了) and then gives the conditions; the bot reads the
// asset threshold from the topic's own conditions answer, so the figure is always the content's.
import { parseMixedNumber } from '../nlu/entities/numbers.ts';
import { normalizeText } from '../nlu/normalize.ts';

const ASKS_IF_ENOUGH =
  /能不能|能否|可不可以|可以吗|能吗|行不行|行吗|够不够|够吗|够了吗|够不|够了|够没|够[^，。？?]{0,6}(?:不|吗|么|没)[？?]?$|符合|达标|满足|开得了|能开|可以开|得不得|得唔得|唔够|有资格|条件够/u;

// 30万, 三十万, 20来万, 50多万, 1.5w, 八十萬.
const AMOUNT =
  /(\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)\s*(?:来|多|几)?\s*(?:万|萬|w)(?!股|手|份)/iu;

/** The asset threshold an answer states (不低于50万元), in yuan. */
export function assetThreshold(conditions: string): number | null {
  const m = /(?:不低于|不少于|达到)\s*(\d+(?:\.\d+)?)\s*万元?/u.exec(conditions);
  return m?.[1] ? Number(m[1]) * 10_000 : null;
}

/** The amount the customer says they have, in yuan, when the message asks whether it is enough. */
export function statedAssets(text: string): number | null {
  const normalized = normalizeText(text);
  if (!ASKS_IF_ENOUGH.test(normalized)) return null;
  const m = AMOUNT.exec(text) ?? AMOUNT.exec(normalized);
  if (!m?.[1]) return null;
  const figure = /^\d/.test(m[1]) ? Number(m[1]) : decimal(m[1]);
  return figure === null || !Number.isFinite(figure) || figure <= 0 ? null : figure * 10_000;
}

function decimal(chinese: string): number | null {
  const parsed = parseMixedNumber(chinese);
  if (!parsed) return null;
  return Number(parsed.units) / 10 ** parsed.scale;
}

function wan(yuan: number): string {
  const w = yuan / 10_000;
  return `${Number.isInteger(w) ? w : w.toFixed(1)}万元`;
}

/**
 * The comparison said before the conditions: short of the threshold, or the asset condition met
 * with the others still to check. Null when the message states no amount or asks nothing of it.
 */
export function eligibilityNote(text: string, conditions: string, what: string): string | null {
  const assets = statedAssets(text);
  const threshold = assetThreshold(conditions);
  if (assets === null || threshold === null) return null;
  // The basis as the conditions state it: a 20-day average for the boards, the balance for others.
  const basis = /前20个交易日[^，。；]{0,12}日均/u.test(conditions)
    ? '（按申请前20个交易日的日均资产计算）'
    : '';
  return assets < threshold
    ? `按您说的约${wan(assets)}，还没有达到开通${what}要求的${wan(threshold)}${basis}，暂时还不能开通。`
    : `按您说的约${wan(assets)}，资产这一项达到了开通${what}要求的${wan(threshold)}${basis}，还需要同时满足其他条件。`;
}
