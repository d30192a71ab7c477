// Risk disclosure and AI-generated-content label, each added at most once.
import { toHalfWidth } from '../nlu/entities/text.ts';

// Whitespace and punctuation differences must not make a disclosure look missing.
function comparable(text: string): string {
  return toHalfWidth(text).replace(/[\s\p{P}]+/gu, '');
}

function containsOnce(text: string, addition: string): boolean {
  return comparable(text).includes(comparable(addition));
}

/** Appends the firm's risk disclosure on its own line unless the text already carries it. */
export function withRiskDisclosure(text: string, disclosure: string): string {
  if (containsOnce(text, disclosure)) return text;
  const body = text.replace(/\s+$/, '');
  return body.length === 0 ? disclosure.trim() : `${body}\n${disclosure.trim()}`;
}

const PRODUCT_TERMS =
  /基金|理财|收益凭证|期权|期货|融资融券|两融|融资买入|融券|科创板|创业板|北交所|新三板|港股通|沪股通|深股通|股票|个股|可转债|转债|新股|打新|申购|债券|国债|逆回购|信托|资管|私募|公募|权证|股指|(?<![A-Za-z])(?:ETF|LOF|REITs?|FOF|QDII|\*?ST)(?![A-Za-z])/i;

/** True when the text talks about an investment product, so a risk disclosure belongs beside it. */
export function mentionsInvestmentProduct(text: string): boolean {
  if (typeof text !== 'string') return false;
  return PRODUCT_TERMS.test(toHalfWidth(text));
}

export interface AiLabelOptions {
  /** Where the explicit label goes; the 标识办法 allows the start or the end of the text. */
  position?: 'start' | 'end';
}

/**
 * Adds the explicit AI-generated label (《人工智能生成合成内容标识办法》) to LLM-written text,
 * once: text that already carries the label is returned unchanged.
 */
export function withAiLabel(text: string, label: string, options: AiLabelOptions = {}): string {
  if (containsOnce(text, label)) return text;
  const body = text.trim();
  const tag = label.trim();
  if (body.length === 0) return tag;
  return options.position === 'start' ? `${tag}\n${body}` : `${body}\n${tag}`;
}
