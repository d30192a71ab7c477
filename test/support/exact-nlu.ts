// An NLU for tests of the content layer: it knows exactly the phrasings the content lists (no
// training, so a reload takes milliseconds) and reads nothing else. Built from the content it is
// given, like the real engine, so a reload that adds a question adds what it recognises.
import type { LoadedContent } from '../../src/content/load.ts';
import { createFacetLexicon } from '../../src/content/facets.ts';
import { buildKnowledgeBase } from '../../src/kb/knowledge-base.ts';
import type { NluEngine } from '../../src/nlu/engine.ts';
import { normalizeText } from '../../src/nlu/normalize.ts';
import { OUT_OF_SCOPE, type NluResult } from '../../src/nlu/types.ts';

export function exactNlu(content: LoadedContent): NluEngine {
  const known = new Map<string, { intent: string; question?: string }>();
  for (const intent of content.intents) {
    for (const e of intent.examples) known.set(normalizeText(e), { intent: intent.id });
    for (const q of intent.questions)
      for (const text of [q.question, ...q.similar])
        known.set(normalizeText(text), { intent: intent.id, question: q.id });
  }
  return {
    labels: content.intents.map((i) => i.id),
    kb: buildKnowledgeBase([], createFacetLexicon([])),
    inDomain: (text) => known.has(normalizeText(text)),
    analyze(text): NluResult {
      const hit = known.get(normalizeText(text));
      if (!hit) return { intent: OUT_OF_SCOPE, confidence: 1, alternatives: [], entities: [] };
      return {
        intent: hit.intent,
        confidence: 1,
        alternatives: [],
        entities: [],
        ...(hit.question ? { question: { id: hit.question, confidence: 1 } } : {}),
      };
    },
  };
}
