// The knowledge base of standard questions (标准问 + 相似问 + one answer), the second level of
// understanding under the topic classifier: a question classifier trained on every standard
// question and its paraphrases ranks the questions of a message, and facets (科创板, ETF...) keep
// a follow-up on the same question for another board or product.
import type { FacetLexicon, FacetMention } from '../content/facets.ts';
import type { Facets, IntentDefinition, StandardQuestion } from '../content/types.ts';
import { trainIntentClassifier, type ClassifierOptions } from '../nlu/classifier.ts';
import { normalizeText } from '../nlu/normalize.ts';
import type { IntentClassifier } from '../nlu/types.ts';

export interface QuestionScore {
  id: string;
  topic: string;
  /** Probability-like score of the question classifier, adjusted for the facets named. */
  score: number;
}

export interface KnowledgeBase {
  readonly questions: ReadonlyMap<string, StandardQuestion>;
  readonly facets: FacetLexicon;
  /** Standard questions of a topic, in file order. */
  ofTopic(topic: string): readonly StandardQuestion[];
  /** Questions ranked for a message, best first (at most `limit`). */
  rank(text: string, limit?: number): QuestionScore[];
  /** Facet values the text names (normalised for matching). */
  facetsOf(text: string): FacetMention[];
  /** The question asking `aspect` about exactly these facets. */
  withFacets(aspect: string, facets: Facets): StandardQuestion | undefined;
  /**
   * The question asking what `previous` asks, about the board or product now named (科创板门槛,
   * then 北交所呢): same aspect, every named facet it has agrees, the rest as close to `previous`
   * as possible. Named facets a question does not have (新股 for a quota question) are ignored.
   */
  sameQuestionFor(
    previous: StandardQuestion,
    named: readonly { key: string; value: string }[],
  ): StandardQuestion | undefined;
}

/** Every phrasing of every standard question, labelled with the question id. */
export function questionExamples(
  intents: readonly IntentDefinition[],
): { text: string; label: string }[] {
  return intents.flatMap((intent) =>
    intent.questions.flatMap((q) =>
      [q.question, ...q.similar].map((text) => ({ text, label: q.id })),
    ),
  );
}

// A question about another board than the one named is almost surely not the one meant.
const FACET_CONFLICT_FACTOR = 0.15;
const FACET_AGREEMENT_BONUS = 0.15;

export function buildKnowledgeBase(
  intents: readonly IntentDefinition[],
  facets: FacetLexicon,
  options: { classifier?: ClassifierOptions } = {},
): KnowledgeBase {
  const questions = new Map<string, StandardQuestion>();
  const byTopic = new Map<string, StandardQuestion[]>();
  for (const intent of intents) {
    byTopic.set(intent.id, [...intent.questions]);
    for (const q of intent.questions) questions.set(q.id, q);
  }
  const examples = questionExamples(intents);
  const classes = new Set(examples.map((e) => e.label)).size;
  let classifier: IntentClassifier | null = null;
  if (classes >= 2) {
    classifier = trainIntentClassifier(examples, {
      rejectOutOfScope: false,
      maxAlternatives: 60,
      ...options.classifier,
    });
  }

  const facetsOf = (text: string): FacetMention[] => facets.find(normalizeText(text));

  return {
    questions,
    facets,
    ofTopic: (topic) => byTopic.get(topic) ?? [],
    facetsOf,
    rank(text, limit = 8) {
      if (!classifier) {
        const only = [...questions.values()][0];
        return only ? [{ id: only.id, topic: only.topic, score: 1 }] : [];
      }
      const result = classifier.classify(text);
      const named = facetsOf(text);
      const scored: QuestionScore[] = [
        { intent: result.intent, confidence: result.confidence },
        ...result.alternatives,
      ].flatMap((a) => {
        const q = questions.get(a.intent);
        if (!q) return [];
        return [{ id: q.id, topic: q.topic, score: a.confidence * facetFit(q.facets, named) }];
      });
      return scored.sort((a, b) => b.score - a.score).slice(0, limit);
    },
    sameQuestionFor(previous, named) {
      if (!previous.aspect) return undefined;
      let best: StandardQuestion | undefined;
      let bestScore = 0;
      for (const q of questions.values()) {
        if (q.id === previous.id || q.aspect !== previous.aspect) continue;
        const relevant = named.filter((m) => m.key in q.facets);
        if (relevant.length === 0 || relevant.some((m) => q.facets[m.key] !== m.value)) continue;
        // Among fitting questions, the one that keeps most of the previous question's facets.
        const kept = Object.entries(previous.facets).filter(
          ([k, v]) => q.facets[k] === v || relevant.some((m) => m.key === k),
        ).length;
        const score = relevant.length * 10 + kept - Object.keys(q.facets).length * 0.1;
        if (score > bestScore) {
          best = q;
          bestScore = score;
        }
      }
      return best;
    },
    withFacets(aspect, wanted) {
      for (const q of questions.values())
        if (q.aspect === aspect && sameFacets(q.facets, wanted)) return q;
      return undefined;
    },
  };
}

/**
 * How well a question's facets fit the facets a message names: a question about 科创板 asked with
 * 北交所 in the message is penalised, one about 北交所 is favoured; facets the message does not
 * name change nothing.
 */
function facetFit(facets: Facets, named: readonly FacetMention[]): number {
  let fit = 1;
  for (const [key, value] of Object.entries(facets)) {
    const mentioned = named.filter((m) => m.key === key);
    if (mentioned.length === 0) continue;
    if (mentioned.some((m) => m.value === value)) fit *= 1 + FACET_AGREEMENT_BONUS;
    else fit *= FACET_CONFLICT_FACTOR;
  }
  return fit;
}

export function sameFacets(a: Facets, b: Facets): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => a[k] === b[k]);
}
