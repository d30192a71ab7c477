// Groups what the bot missed by similarity, so a content editor reads twenty groups instead of two
// thousand messages. Each message becomes the classifier's own features (jieba words with the
// securities lexicon, characters, toneless pinyin pairs so 开护 meets 开户), weighted TF-IDF over
// the messages at hand; then leader clustering: in a fixed order (most repeated text first), a
// message joins the most similar group leader at or above the threshold, else leads a new group.
// Deterministic: the same messages always give the same groups.
import { normalizeText } from '../nlu/normalize.ts';
import { DEFAULT_GROUP_WEIGHTS, extractTerms, type FeatureGroupWeights } from '../nlu/features.ts';
import type { Tokenizer } from '../nlu/tokenize.ts';
import { OUT_OF_SCOPE } from '../nlu/types.ts';
import type { DayTally, MissedMessage } from './missed-store.ts';
import {
  buildSnippet,
  knownPhrasings,
  type MissedSnippet,
  type SnippetContent,
  type SnippetTarget,
} from './missed-snippet.ts';

export interface MissedGroup {
  /** How many missed messages the group holds. */
  size: number;
  notUnderstood: number;
  lowConfidence: number;
  /** Up to five different texts, the most frequent first. */
  examples: string[];
  /** The topic most classifier readings of the group named (out_of_scope only when all did). */
  likelyTopic: string | null;
  /** Mean classifier confidence in likelyTopic over the readings that named it. */
  confidence: number;
  /** Share of the group's readings that named likelyTopic. */
  agreement: number;
  /** The standard question most readings of likelyTopic leaned to, when any. */
  likelyQuestion: string | null;
  /** YAML to paste into intents/ (see snippetTarget), or null when nothing new can be added. */
  snippet: string | null;
  snippetTarget: SnippetTarget | null;
  firstAt: string;
  lastAt: string;
}

export interface TrendPoint {
  day: string;
  /** Not-understood messages over the messages the bot read that day; null when it read none. */
  share: number | null;
  read: number;
  notUnderstood: number;
  lowConfidence: number;
}

export interface GroupingOptions {
  /** Cosine similarity to a group's leader at which a message joins it. Default 0.3 (measured on hand-grouped samples: 0.5 splits 护照开户 four ways). */
  threshold?: number;
  weights?: FeatureGroupWeights;
  /** Most groups returned (largest first). Default 200. */
  maxGroups?: number;
}

export const DEFAULT_GROUP_THRESHOLD = 0.3;
const EXAMPLES_PER_GROUP = 5;
/** How many of a text's heaviest terms look up candidate leaders. */
const CANDIDATE_TERMS = 6;

interface Text {
  key: string;
  text: string;
  messages: MissedMessage[];
  vector: Map<string, number>;
  firstAt: number;
}

function weightOf(term: string, weights: FeatureGroupWeights): number {
  if (term.startsWith('c:')) return weights.char;
  if (term.startsWith('p:')) return weights.pinyin;
  return weights.word;
}

/** Distinct texts (as the classifier reads them) with their TF-IDF vectors, L2-normalised. */
function vectorise(
  messages: readonly MissedMessage[],
  tokenizer: Tokenizer,
  weights: FeatureGroupWeights,
): Text[] {
  const byKey = new Map<string, { text: string; messages: MissedMessage[]; terms: string[] }>();
  for (const message of messages) {
    const key = normalizeText(message.text).trim();
    if (!key) continue;
    const known = byKey.get(key);
    if (known) known.messages.push(message);
    else {
      const terms = extractTerms(key, tokenizer.cut(key));
      byKey.set(key, { text: message.text.trim(), messages: [message], terms });
    }
  }
  const df = new Map<string, number>();
  for (const { terms } of byKey.values())
    for (const term of new Set(terms)) df.set(term, (df.get(term) ?? 0) + 1);
  const n = byKey.size;
  const texts: Text[] = [];
  for (const [key, { text, messages: members, terms }] of byKey) {
    const tf = new Map<string, number>();
    for (const term of terms) tf.set(term, (tf.get(term) ?? 0) + 1);
    const vector = new Map<string, number>();
    let norm = 0;
    for (const [term, count] of tf) {
      // Sublinear term frequency: a filler said twice (我想问下…我想问下) does not make a topic.
      const w =
        (1 + Math.log(count)) *
        (Math.log((n + 1) / ((df.get(term) ?? 0) + 1)) + 1) *
        weightOf(term, weights);
      vector.set(term, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [term, w] of vector) vector.set(term, w / norm);
    const firstAt = members.reduce((t, m) => Math.min(t, Date.parse(m.at)), Infinity);
    texts.push({ key, text, messages: members, vector, firstAt });
  }
  return texts;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [term, w] of small) dot += w * (large.get(term) ?? 0);
  return dot;
}

/** Words and pinyin pairs propose candidate leaders; characters alone are too common. */
function isProposer(term: string): boolean {
  return term.startsWith('w:') || term.startsWith('p:');
}

/** Leader clustering of distinct texts; returns the members of each cluster, leader first. */
function cluster(texts: Text[], threshold: number): Text[][] {
  texts.sort(
    (a, b) =>
      b.messages.length - a.messages.length || a.firstAt - b.firstAt || a.key.localeCompare(b.key),
  );
  const clusters: Text[][] = [];
  const leadersByTerm = new Map<string, number[]>();
  for (const text of texts) {
    // Leaders sharing one of the text's heaviest words or pinyin pairs are the candidates: a
    // similar leader shares at least one of them, and the rest of the leaders need no look.
    const heaviest = [...text.vector]
      .filter(([term]) => isProposer(term))
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .slice(0, CANDIDATE_TERMS);
    const candidates = new Set<number>();
    for (const [term] of heaviest) {
      for (const c of leadersByTerm.get(term) ?? []) candidates.add(c);
    }
    let best = -1;
    let bestScore = threshold;
    for (const c of [...candidates].sort((x, y) => x - y)) {
      const score = cosine(text.vector, clusters[c]![0]!.vector);
      if (score >= bestScore && (best === -1 || score > bestScore)) {
        best = c;
        bestScore = score;
      }
    }
    if (best >= 0) {
      clusters[best]!.push(text);
      continue;
    }
    const index = clusters.length;
    clusters.push([text]);
    for (const term of text.vector.keys()) {
      if (!isProposer(term)) continue;
      const list = leadersByTerm.get(term) ?? [];
      list.push(index);
      leadersByTerm.set(term, list);
    }
  }
  return clusters;
}

/** The majority reading: the topic most messages named, ties to the higher summed confidence. */
function likelyReading(messages: readonly MissedMessage[]): {
  topic: string | null;
  confidence: number;
  agreement: number;
  question: string | null;
} {
  const votes = new Map<string, { n: number; sum: number; questions: Map<string, number> }>();
  for (const m of messages) {
    // A reading outside the firm's business counts for its best in-domain topic when it has one.
    const topic = m.intent !== OUT_OF_SCOPE ? m.intent : (m.topic ?? OUT_OF_SCOPE);
    const confidence = m.intent !== OUT_OF_SCOPE ? m.confidence : m.topicConfidence;
    const vote = votes.get(topic) ?? { n: 0, sum: 0, questions: new Map<string, number>() };
    vote.n += 1;
    vote.sum += confidence;
    if (m.question) vote.questions.set(m.question, (vote.questions.get(m.question) ?? 0) + 1);
    votes.set(topic, vote);
  }
  const ranked = [...votes].sort(
    ([a, x], [b, y]) =>
      Number(a === OUT_OF_SCOPE) - Number(b === OUT_OF_SCOPE) ||
      y.n - x.n ||
      y.sum - x.sum ||
      a.localeCompare(b),
  );
  const top = ranked[0];
  if (!top) return { topic: null, confidence: 0, agreement: 0, question: null };
  const [topic, vote] = top;
  const question =
    [...vote.questions].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0]?.[0] ?? null;
  return {
    topic,
    confidence: round(vote.sum / vote.n),
    agreement: round(vote.n / messages.length),
    question,
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export interface GroupingContext {
  tokenizer: Tokenizer;
  /** The current intents, for the snippets; without it groups carry no snippet. */
  content?: SnippetContent;
}

export function groupMissed(
  messages: readonly MissedMessage[],
  context: GroupingContext,
  options: GroupingOptions = {},
): MissedGroup[] {
  const texts = vectorise(messages, context.tokenizer, options.weights ?? DEFAULT_GROUP_WEIGHTS);
  const clusters = cluster(texts, options.threshold ?? DEFAULT_GROUP_THRESHOLD);
  const normalize = (t: string) => normalizeText(t).trim();
  const known = context.content ? knownPhrasings(context.content.intents, normalize) : null;
  const groups = clusters.map((members): MissedGroup => {
    const all = members.flatMap((t) => t.messages);
    const byFrequency = [...members].sort(
      (a, b) => b.messages.length - a.messages.length || a.firstAt - b.firstAt,
    );
    const reading = likelyReading(all);
    // The classifier may lean to a standard question of another topic than the one it named.
    if (reading.question && context.content) {
      const topic = context.content.intents.find((i) => i.id === reading.topic);
      if (!topic?.questions.some((q) => q.id === reading.question)) reading.question = null;
    }
    const snippet: MissedSnippet | null =
      context.content && known
        ? buildSnippet(
            byFrequency.map((t) => t.text),
            { topic: reading.topic, ...(reading.question ? { question: reading.question } : {}) },
            context.content,
            normalize,
            known,
          )
        : null;
    const times = all.map((m) => Date.parse(m.at));
    const first = times.reduce((a, b) => Math.min(a, b), Infinity);
    const last = times.reduce((a, b) => Math.max(a, b), -Infinity);
    return {
      size: all.length,
      notUnderstood: all.filter((m) => m.kind === 'not_understood').length,
      lowConfidence: all.filter((m) => m.kind === 'low_confidence').length,
      examples: byFrequency.slice(0, EXAMPLES_PER_GROUP).map((t) => t.text),
      likelyTopic: reading.topic,
      confidence: reading.confidence,
      agreement: reading.agreement,
      likelyQuestion: reading.question,
      snippet: snippet?.yaml ?? null,
      snippetTarget: snippet?.target ?? null,
      firstAt: new Date(first).toISOString(),
      lastAt: new Date(last).toISOString(),
    };
  });
  groups.sort((a, b) => b.size - a.size || a.firstAt.localeCompare(b.firstAt));
  return groups.slice(0, options.maxGroups ?? 200);
}

/** The not-understood share of each day. */
export function missedTrend(tallies: readonly DayTally[]): TrendPoint[] {
  return tallies.map((t) => ({
    day: t.day,
    share: t.read > 0 ? round(t.notUnderstood / t.read) : null,
    read: t.read,
    notUnderstood: t.notUnderstood,
    lowConfidence: t.lowConfidence,
  }));
}
