// Keyword classifier for other layers' tests: predictable, no training, same contract as the real one.
import { normalizeText } from './normalize.ts';
import { OUT_OF_SCOPE, type IntentClassifier, type IntentScore, type NluResult } from './types.ts';

/**
 * `rules` maps an intent to keywords; an intent's score is the share of its keywords found in
 * the normalised message. No keyword found → out_of_scope with confidence 1.
 */
export function createFakeClassifier(rules: Record<string, string[]>): IntentClassifier {
  const compiled = Object.entries(rules).map(([intent, words]) => ({
    intent,
    words: words.map((w) => normalizeText(w)).filter((w) => w.length > 0),
  }));
  return {
    classify(text: string): NluResult {
      const normalized = normalizeText(typeof text === 'string' ? text : '');
      const scores: IntentScore[] = [];
      for (const { intent, words } of compiled) {
        const hits = words.filter((w) => normalized.includes(w)).length;
        if (hits > 0) scores.push({ intent, confidence: hits / words.length });
      }
      scores.sort((a, b) => b.confidence - a.confidence || a.intent.localeCompare(b.intent));
      const [best, ...rest] = scores;
      if (!best) return { intent: OUT_OF_SCOPE, confidence: 1, alternatives: [], entities: [] };
      return { intent: best.intent, confidence: best.confidence, alternatives: rest, entities: [] };
    },
  };
}
