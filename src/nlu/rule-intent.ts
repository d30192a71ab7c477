// Domain rules that decide an intent the bag-of-features classifier cannot (which board a stock is
// listed on, a request for a stock tip). One shape for all of them, so the classifier's own guess
// is never lost and every rule speaks with the same confidence.
import type { Entity, NluResult } from './types.ts';

/** What a rule's decision is worth: above the dialog policy's "confident" threshold. */
export const RULE_CONFIDENCE = 0.9;

/** `result` with `intent` decided by a rule; the classifier's guess becomes the first alternative. */
export function withRuleIntent(result: NluResult, intent: string): NluResult {
  const confidence = Math.max(result.confidence, RULE_CONFIDENCE);
  if (intent === result.intent) return { ...result, confidence };
  return {
    ...result,
    intent,
    confidence,
    alternatives: [
      { intent: result.intent, confidence: result.confidence },
      ...result.alternatives.filter((a) => a.intent !== intent && a.intent !== result.intent),
    ].slice(0, Math.max(1, result.alternatives.length)),
  };
}

/** Canonical symbols ('688981.SH') of the stocks a message names, by code or by name. */
export function namedSecurities(entities: readonly Entity[]): string[] {
  return entities.flatMap((e) =>
    (e.type === 'stock_code' || e.type === 'stock_name') && e.normalized ? [e.normalized] : [],
  );
}
