// The second level of understanding: given the topic the classifier read, which standard question
// of that topic the message asks - one confidently, two or three close ones (then the bot asks
// 您是想问…), or none (the topic's overview answers).
import { OUT_OF_SCOPE, type NluResult, type QuestionReading } from '../nlu/types.ts';
import {
  isOverview,
  namesNoQuestion,
  type KnowledgeBase,
  type QuestionScore,
} from './knowledge-base.ts';

/** Within its topic a question is the answer when it is this likely... */
export const QUESTION_MIN_SCORE = 0.4;
/** ...and this many times as likely as the topic's next question. */
const LEAD_RATIO = 1.5;
/** A question this likely within its topic is the answer whatever else scores. */
const SURE_QUESTION = 0.7;
/** The topic in general (开户, 科创板权限) when its overview is this likely within the topic. */
const OVERVIEW_SCORE = 0.5;
/**
 * Close questions worth offering as choices (您是想问) must each be this likely. A topic of twenty
 * questions spreads a long question over three near-equal readings under 0.2 each (刚上市的股票盘中
 * 涨到60%会怎样): they are still the choices to offer, not the topic's overview.
 */
const CANDIDATE_MIN_SCORE = 0.15;
/** A question of another topic this sure, with its topic still plausible, moves the topic. */
const CROSS_TOPIC_SCORE = 0.7;
const CROSS_TOPIC_MIN_TOPIC = 0.1;

export function readQuestion(kb: KnowledgeBase, text: string, topic: NluResult): NluResult {
  const facets = kb.facetsOf(text).map((m) => ({ key: m.key, value: m.value }));
  const base: NluResult = facets.length > 0 ? { ...topic, facets } : { ...topic };
  if (kb.questions.size === 0) return base;
  // One character names no question (see namesNoQuestion), nor a topic surely.
  if (namesNoQuestion(text))
    return { ...base, confidence: Math.min(base.confidence, ONE_CHARACTER) };
  const ranked = kb.rank(text, 12).filter((r) => !isOverview(r.id));
  const reading = moveTopic(outOfScopeQuestion(base, ranked), ranked);
  // Which question of the topic: asked of a classifier that knows only this topic's questions and
  // its general phrasings (the overview), so words shared with other topics do not blur it.
  const within = kb.rankWithin(reading.intent, text, 12);
  const inTopic = within.filter((r) => !isOverview(r.id));
  if (inTopic.length === 0) return reading;
  const overview = within.find((r) => isOverview(r.id))?.score ?? 0;
  const [first, second] = inTopic as [QuestionScore, QuestionScore | undefined];
  const leads = first.score >= LEAD_RATIO * Math.max(second?.score ?? 0, overview);
  if (first.score >= SURE_QUESTION || (first.score >= QUESTION_MIN_SCORE && leads))
    return { ...reading, question: asReading(first) };
  // The topic in general (我想开个股票账户, 科创板权限): its overview states the key facts and
  // offers the topic's questions.
  if (overview >= OVERVIEW_SCORE) return reading;
  // Two close readings: ask which one (您是想问). Weak ones: the overview says more than choices.
  const close = inTopic.filter((r) => r.score >= CANDIDATE_MIN_SCORE).slice(0, 3);
  // 分红的钱要扣税吗 between "when is it deducted" and "at what rate": a leader likely enough is
  // answered and the close ones offered beside it (猜你想问); a menu answers nothing.
  if (close.length >= 2 && first.score >= QUESTION_MIN_SCORE)
    return { ...reading, question: asReading(first), candidates: close.slice(1).map(asReading) };
  if (close.length >= 2) return { ...reading, candidates: close.map(asReading) };
  if (first.score >= QUESTION_MIN_SCORE && first.score > overview)
    return { ...reading, question: asReading(first) };
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

/** The most a topic read from one character can be: a guess, under what the dialog acts on (0.5). */
const ONE_CHARACTER = 0.3;

function asReading(r: QuestionScore): QuestionReading {
  return { id: r.id, confidence: Math.round(r.score * 1e4) / 1e4 };
}
