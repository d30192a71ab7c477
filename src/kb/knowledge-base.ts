// The knowledge base of standard questions (标准问 + 相似问 + one answer), the second level of
// understanding under the topic classifier: a question classifier trained on every standard
// question and its paraphrases ranks the questions of a message, and facets (科创板, ETF...) keep
// a follow-up on the same question for another board or product.
import type { FacetLexicon, FacetMention } from '../content/facets.ts';
import type { Facets, IntentDefinition, StandardQuestion } from '../content/types.ts';
import { trainIntentClassifier, type ClassifierOptions } from '../nlu/classifier.ts';
import { normalizeText, withoutLongNumbers } from '../nlu/normalize.ts';
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
  /**
   * Questions ranked for a message, best first (at most `limit`); a topic's general phrasings rank
   * as its overview, `@topic` (see isOverview).
   */
  rank(text: string, limit?: number): QuestionScore[];
  /**
   * The questions of one topic (and its overview) ranked for a message by a classifier that knows
   * only that topic: within a topic, 几点 tells the hours question from the others however often
   * 几点 appears elsewhere. Scores sum to about 1 over the topic.
   */
  rankWithin(topic: string, text: string, limit?: number): QuestionScore[];
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

/**
 * One character (要, 我, 税) is too little to tell one standard question from another, however
 * sure the classifier's arithmetic: 要 answering 需要转人工吗 is not 转户要卖股票吗, and 我 cut from
 * 我还有个两融账户呢 is not 我的佣金费率是多少. Such a text ranks no question at all.
 */
export function namesNoQuestion(text: string): boolean {
  return [...normalizeText(text).replace(/[^\p{L}\p{N}]/gu, '')].length < 2;
}

/** The label a topic's own examples train under: asking about the topic, not one question. */
export function overviewLabel(topic: string): string {
  return `@${topic}`;
}

export function isOverview(id: string): boolean {
  return id.startsWith('@');
}

/** Every phrasing of every standard question, labelled with the question id. */
function phrasings(intent: IntentDefinition): { text: string; label: string }[] {
  return intent.questions.flatMap((q) =>
    [q.question, ...q.similar].map((text) => ({ text, label: q.id })),
  );
}

/** A topic example a questions-only classifier places this surely is a specific question. */
const SPECIFIC_EXAMPLE = 0.5;

/**
 * A topic's general phrasings (我想开个股票账户, 科创板权限), the examples of its overview `@topic`:
 * the topic's own examples, less those that ask one of its questions (广州营业部地址 is the
 * address question, not the contact topic in general). Which ones do is asked of a classifier
 * trained on the topic's questions alone, so no list needs keeping by hand.
 */
function generalPhrasings(
  intent: IntentDefinition,
  own: { text: string; label: string }[],
  options: ClassifierOptions,
): { text: string; label: string }[] {
  if (intent.questions.length === 0) return [];
  const label = overviewLabel(intent.id);
  if (new Set(own.map((e) => e.label)).size < 2)
    return intent.examples.map((text) => ({ text, label }));
  const questionsOnly = trainIntentClassifier(own, {
    rejectOutOfScope: false,
    maxAlternatives: 1,
    ...options,
  });
  return intent.examples
    .filter((text) => questionsOnly.classify(text).confidence < SPECIFIC_EXAMPLE)
    .map((text) => ({ text, label }));
}

// A question about another board than the one named is almost surely not the one meant.
const FACET_CONFLICT_FACTOR = 0.15;
const FACET_AGREEMENT_BONUS = 0.15;
/** Share of a topic's own classifier in rankWithin (the rest: the whole knowledge base's). */
const WITHIN_WEIGHT = 0.5;

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
  // Per topic: its questions' phrasings and its general phrasings (the overview).
  const perTopic = new Map<string, { text: string; label: string }[]>();
  for (const intent of intents) {
    const own = phrasings(intent);
    perTopic.set(intent.id, [...own, ...generalPhrasings(intent, own, options.classifier ?? {})]);
  }
  const examples = [...perTopic.values()].flat();
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

  // One classifier per topic over its questions and overview (see rankWithin).
  const withinTopic = new Map<string, IntentClassifier>();
  for (const intent of intents) {
    const own = perTopic.get(intent.id) ?? [];
    if (new Set(own.map((e) => e.label)).size < 2) continue;
    withinTopic.set(
      intent.id,
      trainIntentClassifier(own, {
        rejectOutOfScope: false,
        maxAlternatives: 40,
        ...options.classifier,
      }),
    );
  }
  const scoreOf = (label: string, confidence: number, named: FacetMention[]): QuestionScore[] => {
    if (isOverview(label)) return [{ id: label, topic: label.slice(1), score: confidence }];
    const q = questions.get(label);
    if (!q) return [];
    return [{ id: q.id, topic: q.topic, score: confidence * facetFit(q.facets, named) }];
  };

  function rank(raw: string, limit = 8): QuestionScore[] {
    if (namesNoQuestion(raw)) return [];
    // Phone, card and ID numbers weigh nothing in which question is asked.
    const text = withoutLongNumbers(raw);
    if (!classifier) {
      const only = [...questions.values()][0];
      return only ? [{ id: only.id, topic: only.topic, score: 1 }] : [];
    }
    const result = classifier.classify(text);
    const named = facetsOf(text);
    const scored: QuestionScore[] = [
      { intent: result.intent, confidence: result.confidence },
      ...result.alternatives,
    ].flatMap((a) => scoreOf(a.intent, a.confidence, named));
    return scored.sort((a, b) => b.score - a.score).slice(0, limit);
  }

  return {
    questions,
    facets,
    ofTopic: (topic) => byTopic.get(topic) ?? [],
    facetsOf,
    rank,
    rankWithin(topic, raw, limit = 8) {
      if (namesNoQuestion(raw)) return [];
      const text = withoutLongNumbers(raw);
      const own = withinTopic.get(topic);
      if (!own) {
        const only = byTopic.get(topic)?.[0];
        return only ? [{ id: only.id, topic, score: 1 }] : [];
      }
      const named = facetsOf(text);
      const result = own.classify(text);
      const local = [
        { intent: result.intent, confidence: result.confidence },
        ...result.alternatives,
      ].flatMap((a) => scoreOf(a.intent, a.confidence, named));
      // Blended with the whole knowledge base's reading of the topic's questions, renormalised:
      // the topic's own classifier sharpens what sets its questions apart, the whole one keeps
      // the weight of words that matter across topics (营业部 in 营业部几点下班).
      const global = rank(text, 60).filter((r) => r.topic === topic);
      const mass = global.reduce((sum, r) => sum + r.score, 0);
      const blended = new Map<string, QuestionScore>();
      for (const r of local) blended.set(r.id, { ...r, score: r.score * WITHIN_WEIGHT });
      if (mass > 0)
        for (const r of global) {
          const share = (r.score / mass) * (1 - WITHIN_WEIGHT);
          const had = blended.get(r.id);
          blended.set(r.id, { ...r, score: (had?.score ?? 0) + share });
        }
      else for (const r of blended.values()) r.score /= WITHIN_WEIGHT;
      return [...blended.values()].sort((a, b) => b.score - a.score).slice(0, limit);
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
