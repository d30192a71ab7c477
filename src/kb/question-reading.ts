// The second level of understanding: given the topic the classifier read, which standard question
// of that topic the message asks - one confidently, two or three close ones (then the bot asks
// 您是想问…), or none (the topic's overview answers).
import { OUT_OF_SCOPE, type NluResult, type QuestionReading } from '../nlu/types.ts';
import type { KnowledgeBase, QuestionScore } from './knowledge-base.ts';

/** A question is the answer when it holds this share of its topic's question mass... */
export const QUESTION_SHARE = 0.6;
/** ...and the question classifier gives it at least this much on its own. */
export const QUESTION_MIN_SCORE = 0.2;
/** ...or it leads clearly: this likely, and this many times the next question. */
const CLEAR_LEAD_SCORE = 0.45;
const LEAD_RATIO = 1.25;
/** Close questions worth offering as choices must each score at least this. */
const CANDIDATE_MIN_SCORE = 0.3;
/** A question of another topic this sure, with its topic still plausible, moves the topic. */
const CROSS_TOPIC_SCORE = 0.7;
const CROSS_TOPIC_MIN_TOPIC = 0.1;

export function readQuestion(kb: KnowledgeBase, text: string, topic: NluResult): NluResult {
  const facets = kb.facetsOf(text).map((m) => ({ key: m.key, value: m.value }));
  const base: NluResult = facets.length > 0 ? { ...topic, facets } : { ...topic };
  if (kb.questions.size === 0) return base;
  const ranked = kb.rank(text, 12);
  const reading = moveTopic(outOfScopeQuestion(base, ranked), ranked);
  const inTopic = ranked.filter((r) => r.topic === reading.intent);
  if (inTopic.length === 0) return reading;
  const mass = inTopic.reduce((sum, r) => sum + r.score, 0);
  const [first, second] = inTopic as [QuestionScore, QuestionScore | undefined];
  const clearLead =
    first.score >= CLEAR_LEAD_SCORE && first.score >= LEAD_RATIO * (second?.score ?? 0);
  if (first.score >= QUESTION_MIN_SCORE && (first.score / mass >= QUESTION_SHARE || clearLead)) {
    return { ...reading, question: asReading(first) };
  }
  // Two strong readings: ask which one (您是想问). Weak ones: the topic's overview, which states
  // its key facts and offers its questions, says more than bare choices would.
  const close = inTopic.filter((r) => r.score >= CANDIDATE_MIN_SCORE).slice(0, 3);
  if (close.length >= 2) return { ...reading, candidates: close.map(asReading) };
  return reading;
}

/**
 * The topic classifier sees the whole topic's examples; the question classifier sees exact
 * phrasings. When a question of another topic is near certain and that topic was among the
 * classifier's guesses, the question knows better (两融利率 is the margin topic's rate question).
 */
function moveTopic(topic: NluResult, ranked: QuestionScore[]): NluResult {
  const best = ranked[0];
  if (!best || best.topic === topic.intent || best.score < CROSS_TOPIC_SCORE) return topic;
  if (topic.intent === OUT_OF_SCOPE && best.topic !== OUT_OF_SCOPE) return topic;
  const alt = topic.alternatives.find((a) => a.intent === best.topic);
  if (!alt || alt.confidence < CROSS_TOPIC_MIN_TOPIC) return topic;
  if (topic.confidence >= 0.9) return topic;
  return {
    ...topic,
    intent: best.topic,
    confidence: alt.confidence,
    alternatives: [
      { intent: topic.intent, confidence: topic.confidence },
      ...topic.alternatives.filter((a) => a.intent !== best.topic),
    ].slice(0, Math.max(1, topic.alternatives.length)),
  };
}

/**
 * A message the knowledge base places among the out-of-scope questions (炒外汇, 信用卡账单) while
 * the topic classifier is unsure which business topic it is: it is out of scope, said as such.
 */
const OUT_OF_SCOPE_QUESTION_SCORE = 0.5;
const UNSURE_TOPIC = 0.8;

function outOfScopeQuestion(topic: NluResult, ranked: QuestionScore[]): NluResult {
  const best = ranked[0];
  if (!best || best.topic !== OUT_OF_SCOPE || best.score < OUT_OF_SCOPE_QUESTION_SCORE)
    return topic;
  if (topic.intent === OUT_OF_SCOPE || topic.confidence >= UNSURE_TOPIC) return topic;
  return {
    ...topic,
    intent: OUT_OF_SCOPE,
    confidence: Math.max(best.score, 1 - topic.confidence),
    alternatives: [
      { intent: topic.intent, confidence: topic.confidence },
      ...topic.alternatives,
    ].slice(0, Math.max(1, topic.alternatives.length)),
  };
}

function asReading(r: QuestionScore): QuestionReading {
  return { id: r.id, confidence: Math.round(r.score * 1e4) / 1e4 };
}
