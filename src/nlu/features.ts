// Sparse features that survive real customer typing: words, character n-grams and toneless pinyin.
import { pinyin } from 'pinyin-pro';

export interface FeatureOptions {
  /** Character n-gram sizes, inclusive. Default 1..3. */
  charNgramMin?: number;
  charNgramMax?: number;
  /** Word unigrams from the tokenizer. Default true. */
  words?: boolean;
  /** Adjacent word pairs. Default true. */
  wordBigrams?: boolean;
  /** Toneless pinyin syllable n-grams so 开护 meets 开户. Default true. */
  pinyin?: boolean;
}

export interface FeatureGroupWeights {
  char: number;
  word: number;
  pinyin: number;
}

export const DEFAULT_GROUP_WEIGHTS: FeatureGroupWeights = { char: 1, word: 1, pinyin: 0.5 };

export interface SparseVector {
  /** Feature ids, ascending. */
  indices: Int32Array;
  values: Float32Array;
}

const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
const syllableCache = new Map<string, string>();

/** Fuzzy toneless pinyin of one character (most common reading), or '' when it is not a CJK ideograph. */
export function syllableOf(ch: string): string {
  if (!CJK.test(ch)) return '';
  let s = syllableCache.get(ch);
  if (s === undefined) {
    s = fuzzySyllable(pinyin(ch, { toneType: 'none', type: 'array' })[0] ?? '');
    syllableCache.set(ch, s);
  }
  return s;
}

/**
 * Folds the pinyin pairs that pinyin-input typos confuse most (zh/z, ch/c, sh/s, n/l, -ng/-n),
 * so 投述 (tou shu) meets 投诉 (tou su).
 */
export function fuzzySyllable(syllable: string): string {
  return syllable
    .replace(/^([zcs])h/, '$1')
    .replace(/^l/, 'n')
    .replace(/([aei])ng$/, '$1n');
}

/** Toneless pinyin of each CJK character run: '开户 etf' → [['kai','hu']]. */
export function pinyinRuns(text: string): string[][] {
  const runs: string[][] = [];
  let run: string[] = [];
  for (const ch of text) {
    const s = syllableOf(ch);
    if (s) run.push(s);
    else if (run.length) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length) runs.push(run);
  return runs;
}

/**
 * Feature terms of one normalised message (with repeats, so counts are term frequencies).
 * Prefixes name the group: `c:` characters, `w:` words, `b:` word pairs, `p:` pinyin.
 */
export function extractTerms(
  normalized: string,
  tokens: readonly string[],
  options: FeatureOptions = {},
): string[] {
  const nMin = options.charNgramMin ?? 1;
  const nMax = options.charNgramMax ?? 3;
  const terms: string[] = [];
  for (const segment of normalized.split(' ')) {
    const chars = Array.from(segment);
    for (let n = nMin; n <= nMax; n++) {
      for (let i = 0; i + n <= chars.length; i++) terms.push('c:' + chars.slice(i, i + n).join(''));
    }
  }
  if (options.words ?? true) for (const t of tokens) terms.push('w:' + t);
  if (options.wordBigrams ?? true) {
    for (let i = 0; i + 1 < tokens.length; i++) terms.push('b:' + tokens[i] + '|' + tokens[i + 1]);
  }
  if (options.pinyin ?? true) {
    for (const run of pinyinRuns(normalized)) {
      for (let n = 2; n <= 3; n++) {
        for (let i = 0; i + n <= run.length; i++) terms.push('p:' + run.slice(i, i + n).join(' '));
      }
    }
  }
  return terms;
}

function groupOf(term: string): keyof FeatureGroupWeights {
  const p = term.charCodeAt(0);
  if (p === 99 /* c */) return 'char';
  if (p === 112 /* p */) return 'pinyin';
  return 'word';
}

export interface VectorizerOptions {
  /** Drop terms seen in fewer training documents. Default 1 (keep all). */
  minDf?: number;
  /** 1 + log(tf) instead of raw counts. Default true. */
  sublinearTf?: boolean;
  groupWeights?: Partial<FeatureGroupWeights>;
}

/** A fitted dictionary-indexed TF-IDF space; unseen terms are ignored at transform time. */
export interface Vectorizer {
  readonly size: number;
  transform(terms: readonly string[]): SparseVector;
  /** Term of a feature id, for debugging and tests. */
  termOf(id: number): string | undefined;
}

export function fitVectorizer(
  documents: ReadonlyArray<readonly string[]>,
  options: VectorizerOptions = {},
): Vectorizer {
  const minDf = options.minDf ?? 1;
  const sublinear = options.sublinearTf ?? true;
  const weights: FeatureGroupWeights = { ...DEFAULT_GROUP_WEIGHTS, ...options.groupWeights };
  const df = new Map<string, number>();
  for (const doc of documents) {
    for (const t of new Set(doc)) df.set(t, (df.get(t) ?? 0) + 1);
  }
  const ids = new Map<string, number>();
  const terms: string[] = [];
  const scale: number[] = [];
  const n = documents.length;
  for (const [t, d] of [...df.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (d < minDf) continue;
    ids.set(t, terms.length);
    terms.push(t);
    // Smoothed idf as in scikit-learn, times the group weight.
    scale.push((Math.log((1 + n) / (1 + d)) + 1) * weights[groupOf(t)]);
  }
  const idf = Float64Array.from(scale);

  return {
    size: terms.length,
    termOf: (id) => terms[id],
    transform(docTerms) {
      const counts = new Map<number, number>();
      for (const t of docTerms) {
        const id = ids.get(t);
        if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      const indices = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
      const values = new Float32Array(indices.length);
      let norm = 0;
      for (let k = 0; k < indices.length; k++) {
        const id = indices[k] as number;
        const tf = counts.get(id) as number;
        const v = (sublinear ? 1 + Math.log(tf) : tf) * (idf[id] as number);
        values[k] = v;
        norm += v * v;
      }
      if (norm > 0) {
        const inv = 1 / Math.sqrt(norm);
        for (let k = 0; k < values.length; k++) values[k] = (values[k] as number) * inv;
      }
      return { indices, values };
    },
  };
}

/** Dot product of two sparse vectors with ascending indices (cosine when both are L2-normalised). */
export function sparseDot(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < a.indices.length && j < b.indices.length) {
    const x = a.indices[i] as number;
    const y = b.indices[j] as number;
    if (x === y) sum += (a.values[i++] as number) * (b.values[j++] as number);
    else if (x < y) i++;
    else j++;
  }
  return sum;
}
