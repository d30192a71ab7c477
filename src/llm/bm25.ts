// Chinese-aware ranking of knowledge passages: the classifier's own reading of text (normalise,
// jieba with the securities lexicon, synonyms to their standard word) and Okapi BM25 over it.
// `coverage` says how much of the question's weight the passage matched, so "no passage really
// answers this" is a threshold rather than a guess.
import { normalizeText } from '../nlu/normalize.ts';
import type { SynonymTable } from '../nlu/synonyms.ts';
import type { Tokenizer } from '../nlu/tokenize.ts';

export interface TermAnalyzer {
  terms(text: string): string[];
}

// Function words and question words that say nothing about which passage answers.
const STOPWORDS = new Set(
  (
    '的 了 吗 呢 吧 啊 呀 嘛 么 是 我 我们 你 你们 您 他 她 它 在 有 和 与 或 及 都 也 就 还 要 能 会 ' +
    '可以 可 能否 是否 怎么 怎样 怎么样 如何 什么 啥 多少 哪些 哪个 哪 几 请问 请 一下 这个 那个 这 那 ' +
    '想 问 知道 告诉 个 为 对 被 把 让 给 从 到 时 时候 如果 但是 但 因为 所以 而 并 等 之 其 该 ' +
    '不 没 没有 又 再 很 更 最 已 已经 需要 需 得 地 着 过 里 中 上 下 后 前 以 于 将 呗 哦 嗯 好 ' +
    '多久 多长时间 意思 为什么 为啥 是不是 有没有 咨询 一般'
  ).split(/\s+/),
);
const WORDLIKE = /[\p{L}\p{N}]/u;

/** The terms of a text as the ranking sees them: words, then the standard words of synonyms. */
export function createTermAnalyzer(tokenizer: Tokenizer, synonyms?: SynonymTable): TermAnalyzer {
  return {
    terms(text: string): string[] {
      const normalized = normalizeText(text);
      const words = tokenizer
        .cut(normalized)
        // Long digit runs are phone, ID or account numbers: never what a passage is about.
        .filter((w) => WORDLIKE.test(w) && !STOPWORDS.has(w) && !/^\d{5,}$/.test(w));
      return synonyms ? [...words, ...synonyms.expand(normalized)] : words;
    },
  };
}

export interface RankedPassage<T> {
  item: T;
  score: number;
  /** Share of the question's idf weight found in the passage, 0..1. */
  coverage: number;
}

export interface Bm25Options {
  k1?: number;
  b?: number;
}

export interface Bm25Index<T> {
  readonly size: number;
  search(query: string, limit: number): RankedPassage<T>[];
}

/** Indexes `items` by `textOf`; heading words can be given extra weight by repeating them. */
export function createBm25Index<T>(
  items: readonly T[],
  textOf: (item: T) => string,
  analyzer: TermAnalyzer,
  options: Bm25Options = {},
): Bm25Index<T> {
  const k1 = options.k1 ?? 1.4;
  const b = options.b ?? 0.75;
  const docs = items.map((item) => {
    const tf = new Map<string, number>();
    const terms = analyzer.terms(textOf(item));
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    return { item, tf, length: terms.length };
  });
  const df = new Map<string, number>();
  for (const d of docs) for (const t of d.tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  const avgLength = n === 0 ? 1 : docs.reduce((s, d) => s + d.length, 0) / n || 1;
  const idf = (term: string): number => {
    const f = df.get(term) ?? 0;
    return Math.log(1 + (n - f + 0.5) / (f + 0.5));
  };
  return {
    size: n,
    search(query, limit) {
      const terms = [...new Set(analyzer.terms(query))];
      const total = terms.reduce((s, t) => s + idf(t), 0);
      if (n === 0 || terms.length === 0 || total === 0) return [];
      const ranked: RankedPassage<T>[] = [];
      for (const d of docs) {
        let score = 0;
        let matched = 0;
        for (const t of terms) {
          const f = d.tf.get(t);
          if (!f) continue;
          const w = idf(t);
          matched += w;
          score += (w * f * (k1 + 1)) / (f + k1 * (1 - b + (b * d.length) / avgLength));
        }
        if (score > 0) ranked.push({ item: d.item, score, coverage: matched / total });
      }
      return ranked.sort((x, y) => y.score - x.score).slice(0, limit);
    },
  };
}
