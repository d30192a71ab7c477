// Intent classifier: averaged multi-class passive-aggressive model over TF-IDF features, blended
// with nearest-centroid similarity, softmax calibrated on a held-out split, and out-of-scope rejection.
import { normalizeText } from './normalize.ts';
import { seededRandom, shuffleInPlace } from './random.ts';
import { defaultSynonyms, type SynonymTable } from './synonyms.ts';
import { createTokenizer, type Tokenizer } from './tokenize.ts';
import {
  extractTerms,
  fitVectorizer,
  type FeatureOptions,
  type SparseVector,
  type Vectorizer,
  type VectorizerOptions,
} from './features.ts';
import {
  OUT_OF_SCOPE,
  type IntentClassifier,
  type IntentScore,
  type LabeledExample,
  type NluResult,
} from './types.ts';

export interface ClassifierOptions {
  /** Reject messages unlike every intent as 'out_of_scope'. Default true. */
  rejectOutOfScope?: boolean;
  /** Below this calibrated confidence the answer is out_of_scope (when rejecting). Default 0.2. */
  minConfidence?: number;
  /** Below this cosine similarity to the nearest intent centroid the answer is out_of_scope. Default 0.1. */
  minSimilarity?: number;
  /** How many alternatives to return. Default 3. */
  maxAlternatives?: number;
  /** Training passes over the data. Default 12. */
  epochs?: number;
  /** Passive-aggressive aggressiveness (PA-I C). Default 0.2. */
  aggressiveness?: number;
  /** Weight of the centroid cosine added to the linear score. Default 0.5. */
  centroidWeight?: number;
  /** Only the true class and this many nearest centroids compete during training. Default 24. */
  candidates?: number;
  /** Share of examples held out to fit the softmax temperature. Default 0.2 (0 disables). */
  calibrationFraction?: number;
  /** Seed of the shuffles and the calibration split. Default 42. */
  seed?: number;
  tokenizer?: Tokenizer;
  /** Standard words read into messages that use a variant. Default: intents/synonyms.txt when it exists. */
  synonyms?: SynonymTable;
  features?: FeatureOptions;
  vectorizer?: VectorizerOptions;
}

export type TrainedIntentClassifier = IntentClassifier & {
  labels: string[];
  /** Softmax temperature fitted on held-out data. */
  temperature: number;
};

/** Feature-major sparse weights: for feature f, classes cls[start[f]..start[f+1]) with weights w. */
interface SparseWeights {
  start: Int32Array;
  cls: Int32Array;
  w: Float32Array;
}

/**
 * The (feature, class) weights training can ever touch: each feature of an example paired with that
 * example's candidate classes and its true class. They get compact slots, feature-major with classes
 * ascending (the layout of the final SparseWeights), and each example gets the slot of every
 * (feature, candidate) pair in the order its training loop reads them: for feature j, candidates
 * 0..m-1 then the true class at m. Training then streams through the example's slot list and a
 * weight array a few times smaller than features x classes, instead of jumping across a dense
 * matrix that no cache holds; the arithmetic, and so the model, is the same.
 */
function candidateSlots(
  xs: readonly SparseVector[],
  ys: Int32Array,
  cands: readonly Int32Array[],
  classes: number,
  features: number,
): { start: Int32Array; cls: Int32Array; slots: Int32Array[] } {
  const slotOf = new Int32Array(features * classes).fill(-1);
  const start = new Int32Array(features + 1);
  const mark = (f: number, c: number): void => {
    const at = f * classes + c;
    if (slotOf[at] === -1) {
      slotOf[at] = 0;
      start[f + 1] = (start[f + 1] as number) + 1;
    }
  };
  xs.forEach((x, n) => {
    const top = cands[n] as Int32Array;
    for (let j = 0; j < x.indices.length; j++) {
      const f = x.indices[j] as number;
      for (let t = 0; t < top.length; t++) mark(f, top[t] as number);
      mark(f, ys[n] as number);
    }
  });
  for (let f = 0; f < features; f++) start[f + 1] = (start[f + 1] as number) + (start[f] as number);
  const cls = new Int32Array(start[features] as number);
  let next = 0;
  for (let at = 0; at < slotOf.length; at++) {
    if (slotOf[at] === -1) continue;
    slotOf[at] = next;
    cls[next++] = at % classes;
  }
  const slots = xs.map((x, n) => {
    const top = cands[n] as Int32Array;
    const m1 = top.length + 1;
    const list = new Int32Array(x.indices.length * m1);
    for (let j = 0; j < x.indices.length; j++) {
      const o = (x.indices[j] as number) * classes;
      for (let t = 0; t < top.length; t++)
        list[j * m1 + t] = slotOf[o + (top[t] as number)] as number;
      list[j * m1 + top.length] = slotOf[o + (ys[n] as number)] as number;
    }
    return list;
  });
  return { start, cls, slots };
}

/** The trained slots as SparseWeights, without the ones training never moved from zero. */
function dropZeros(start: Int32Array, cls: Int32Array, w: Float32Array): SparseWeights {
  const features = start.length - 1;
  const keptStart = new Int32Array(features + 1);
  let nnz = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) nnz++;
  const keptCls = new Int32Array(nnz);
  const keptW = new Float32Array(nnz);
  let k = 0;
  for (let f = 0; f < features; f++) {
    keptStart[f] = k;
    for (let i = start[f] as number; i < (start[f + 1] as number); i++) {
      if (w[i] === 0) continue;
      keptCls[k] = cls[i] as number;
      keptW[k++] = w[i] as number;
    }
  }
  keptStart[features] = k;
  return { start: keptStart, cls: keptCls, w: keptW };
}

function addScores(
  weights: SparseWeights,
  x: SparseVector,
  scale: number,
  out: Float64Array,
): void {
  for (let k = 0; k < x.indices.length; k++) {
    const f = x.indices[k] as number;
    const v = (x.values[k] as number) * scale;
    const end = weights.start[f + 1] as number;
    for (let j = weights.start[f] as number; j < end; j++) {
      out[weights.cls[j] as number] =
        (out[weights.cls[j] as number] as number) + (weights.w[j] as number) * v;
    }
  }
}

/** Indices of the k largest scores, best first (insertion into a short list; k is small). */
export function topK(scores: ArrayLike<number>, k: number): Int32Array {
  const n = Math.min(k, scores.length);
  const idx = new Int32Array(n);
  const val = new Float64Array(n).fill(-Infinity);
  let filled = 0;
  for (let c = 0; c < scores.length; c++) {
    const s = scores[c] as number;
    if (filled === n && s <= (val[n - 1] as number)) continue;
    let pos = filled < n ? filled++ : n - 1;
    while (pos > 0 && (val[pos - 1] as number) < s) {
      val[pos] = val[pos - 1] as number;
      idx[pos] = idx[pos - 1] as number;
      pos--;
    }
    val[pos] = s;
    idx[pos] = c;
  }
  return idx;
}

interface Model {
  linear: SparseWeights;
  centroids: SparseWeights;
  classes: number;
}

interface TrainParams {
  epochs: number;
  aggressiveness: number;
  candidates: number;
  centroidWeight: number;
  seed: number;
}

/**
 * L2-normalised class centroids, built class by class through one reusable dense row and stored
 * feature-major so a message scores against every centroid by walking only its own features.
 */
function buildCentroids(
  xs: readonly SparseVector[],
  ys: Int32Array,
  classes: number,
  features: number,
): SparseWeights {
  const members: number[][] = Array.from({ length: classes }, () => []);
  ys.forEach((y, n) => (members[y] as number[]).push(n));
  const row = new Float64Array(features);
  const mark = new Int32Array(features).fill(-1);
  const rowFeatures: Int32Array[] = [];
  const rowValues: Float32Array[] = [];
  const perFeature = new Int32Array(features + 1);
  for (let c = 0; c < classes; c++) {
    const touched: number[] = [];
    for (const n of members[c] as number[]) {
      const x = xs[n] as SparseVector;
      for (let k = 0; k < x.indices.length; k++) {
        const f = x.indices[k] as number;
        if (mark[f] !== c) {
          mark[f] = c;
          row[f] = 0;
          touched.push(f);
        }
        row[f] = (row[f] as number) + (x.values[k] as number);
      }
    }
    let norm = 0;
    for (const f of touched) norm += (row[f] as number) ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    rowFeatures.push(Int32Array.from(touched));
    rowValues.push(Float32Array.from(touched, (f) => (row[f] as number) * inv));
    for (const f of touched) perFeature[f + 1] = (perFeature[f + 1] as number) + 1;
  }
  for (let f = 0; f < features; f++)
    perFeature[f + 1] = (perFeature[f + 1] as number) + (perFeature[f] as number);
  const start = perFeature.slice();
  const cls = new Int32Array(start[features] as number);
  const w = new Float32Array(cls.length);
  const fill = perFeature; // reused as the per-feature write cursor
  for (let c = 0; c < classes; c++) {
    const fs = rowFeatures[c] as Int32Array;
    const vs = rowValues[c] as Float32Array;
    for (let k = 0; k < fs.length; k++) {
      const f = fs[k] as number;
      const at = fill[f] as number;
      cls[at] = c;
      w[at] = vs[k] as number;
      fill[f] = at + 1;
    }
  }
  return { start, cls, w };
}

function trainModel(
  xs: readonly SparseVector[],
  ys: Int32Array,
  classes: number,
  features: number,
  p: TrainParams,
): Model {
  const centroids = buildCentroids(xs, ys, classes, features);

  // The hard negatives of an example are almost always among its nearest centroids; training
  // against only those keeps each update cheap on hundreds of intents.
  const k = Math.min(classes, p.candidates + 1);
  const cands: Int32Array[] = [];
  const base: Float64Array[] = [];
  const baseTrue = new Float64Array(xs.length);
  const scratch = new Float64Array(classes);
  xs.forEach((x, n) => {
    scratch.fill(0);
    addScores(centroids, x, p.centroidWeight, scratch);
    const top = topK(scratch, k);
    cands.push(top);
    base.push(Float64Array.from(top, (c) => scratch[c] as number));
    baseTrue[n] = scratch[ys[n] as number] as number;
  });

  const { start, cls, slots } = candidateSlots(xs, ys, cands, classes, features);
  const w = new Float32Array(cls.length);
  const u = new Float32Array(cls.length); // running sum for weight averaging
  let step = 1;
  const random = seededRandom(p.seed);
  const order = shuffleInPlace(
    xs.map((_, i) => i),
    random,
  );
  const s = new Float64Array(k + 1);
  for (let epoch = 0; epoch < p.epochs; epoch++) {
    shuffleInPlace(order, random);
    for (const n of order) {
      const x = xs[n] as SparseVector;
      const y = ys[n] as number;
      const top = cands[n] as Int32Array;
      const b = base[n] as Float64Array;
      const slot = slots[n] as Int32Array;
      const m = top.length;
      const m1 = m + 1;
      for (let t = 0; t < m; t++) s[t] = b[t] as number;
      s[m] = baseTrue[n] as number;
      for (let j = 0; j < x.indices.length; j++) {
        const v = x.values[j] as number;
        const o = j * m1;
        for (let t = 0; t <= m; t++)
          s[t] = (s[t] as number) + (w[slot[o + t] as number] as number) * v;
      }
      const sy = s[m] as number;
      let rivalAt = -1;
      let rivalScore = -Infinity;
      for (let t = 0; t < m; t++) {
        if ((top[t] as number) !== y && (s[t] as number) > rivalScore) {
          rivalScore = s[t] as number;
          rivalAt = t;
        }
      }
      const loss = 1 - (sy - rivalScore);
      if (rivalAt >= 0 && loss > 0) {
        // ||x|| = 1, so the PA-I step for the pair (y, rival) is loss / 2, capped by C.
        const tau = Math.min(p.aggressiveness, loss / 2);
        for (let j = 0; j < x.indices.length; j++) {
          const v = (x.values[j] as number) * tau;
          const wy = slot[j * m1 + m] as number;
          const wr = slot[j * m1 + rivalAt] as number;
          w[wy] = (w[wy] as number) + v;
          w[wr] = (w[wr] as number) - v;
          u[wy] = (u[wy] as number) + step * v;
          u[wr] = (u[wr] as number) - step * v;
        }
      }
      step++;
    }
  }
  for (let i = 0; i < w.length; i++)
    if (u[i] !== 0) w[i] = (w[i] as number) - (u[i] as number) / step;
  return { linear: dropZeros(start, cls, w), centroids, classes };
}

function scoreAll(
  model: Model,
  x: SparseVector,
  centroidWeight: number,
  linearOut: Float64Array,
  simOut: Float64Array,
): void {
  linearOut.fill(0);
  simOut.fill(0);
  addScores(model.linear, x, 1, linearOut);
  addScores(model.centroids, x, 1, simOut);
  for (let c = 0; c < model.classes; c++)
    linearOut[c] = (linearOut[c] as number) + centroidWeight * (simOut[c] as number);
}

function softmaxInto(scores: Float64Array, temperature: number, out: Float64Array): void {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  let sum = 0;
  for (let c = 0; c < scores.length; c++) {
    const e = Math.exp(((scores[c] as number) - max) / temperature);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < out.length; c++) out[c] = (out[c] as number) / sum;
}

/** Temperature minimising held-out negative log-likelihood (golden-section search on log T). */
function fitTemperature(scores: Float64Array[], gold: number[]): number {
  const nll = (logT: number): number => {
    const t = Math.exp(logT);
    let total = 0;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i] as Float64Array;
      let max = -Infinity;
      for (const v of s) if (v > max) max = v;
      let sum = 0;
      for (const v of s) sum += Math.exp((v - max) / t);
      total += -(((s[gold[i] as number] as number) - max) / t - Math.log(sum));
    }
    return total;
  };
  // Golden-section search, reusing one interior point per step; 30 steps narrow log T to ~1e-5.
  const phi = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log(0.005);
  let hi = Math.log(5);
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = nll(a);
  let fb = nll(b);
  for (let i = 0; i < 30; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = nll(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = nll(b);
    }
  }
  return Math.exp((lo + hi) / 2);
}

/** Stratified holdout indices: about `fraction` of each label, never a label's only example. */
function holdoutIndices(labels: Int32Array, fraction: number, random: () => number): Set<number> {
  const byLabel = new Map<number, number[]>();
  labels.forEach((y, i) => {
    const list = byLabel.get(y) ?? [];
    list.push(i);
    byLabel.set(y, list);
  });
  const held = new Set<number>();
  for (const idx of byLabel.values()) {
    shuffleInPlace(idx, random);
    const take = Math.min(idx.length - 1, Math.round(idx.length * fraction));
    for (let i = 0; i < take; i++) held.add(idx[i] as number);
  }
  return held;
}

export function trainIntentClassifier(
  examples: LabeledExample[],
  options: ClassifierOptions = {},
): TrainedIntentClassifier {
  if (!Array.isArray(examples) || examples.length === 0)
    throw new Error('trainIntentClassifier: no training examples');
  for (const [i, e] of examples.entries()) {
    if (!e || typeof e.text !== 'string' || typeof e.label !== 'string' || !e.label) {
      throw new Error(`trainIntentClassifier: example ${i} needs a text and a label`);
    }
  }
  const reject = options.rejectOutOfScope ?? true;
  const minConfidence = options.minConfidence ?? 0.2;
  const minSimilarity = options.minSimilarity ?? 0.1;
  const maxAlternatives = options.maxAlternatives ?? 3;
  const params: TrainParams = {
    epochs: options.epochs ?? 12,
    aggressiveness: options.aggressiveness ?? 0.2,
    candidates: options.candidates ?? 24,
    centroidWeight: options.centroidWeight ?? 0.5,
    seed: options.seed ?? 42,
  };
  const calibrationFraction = options.calibrationFraction ?? 0.2;
  // Terms seen once add little on large sets but cost memory proportional to the intent count.
  const vectorizerOptions: VectorizerOptions = {
    minDf: examples.length >= 1000 ? 2 : 1,
    ...options.vectorizer,
  };
  const tokenizer = options.tokenizer ?? createTokenizer();
  const synonyms = options.synonyms ?? defaultSynonyms();
  const terms = (text: string): string[] => {
    const normalized = normalizeText(text);
    const words = tokenizer.cut(normalized);
    const standard = synonyms.expand(normalized);
    return extractTerms(
      normalized,
      standard.length ? [...words, ...standard] : words,
      options.features,
    );
  };

  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const ys = Int32Array.from(examples, (e) => labelIndex.get(e.label) as number);
  const docs = examples.map((e) => terms(e.text));
  const classes = labels.length;

  const vectorizer: Vectorizer = fitVectorizer(docs, vectorizerOptions);
  const xs = docs.map((d) => vectorizer.transform(d));

  // Calibration: train on most of the data, fit the temperature on the rest, then train on all.
  // The held-out model shares the full vocabulary (idf sees text, never labels), so the messages
  // are featurised once.
  let temperature = 1;
  if (calibrationFraction > 0 && classes > 1 && examples.length >= 2 * classes) {
    const held = holdoutIndices(ys, calibrationFraction, seededRandom(params.seed + 1));
    const trainIdx = examples.map((_, i) => i).filter((i) => !held.has(i));
    const heldIdx = [...held].sort((a, b) => a - b);
    if (heldIdx.length > 0) {
      const model = trainModel(
        trainIdx.map((i) => xs[i] as SparseVector),
        Int32Array.from(trainIdx, (i) => ys[i] as number),
        classes,
        vectorizer.size,
        params,
      );
      const lin = new Float64Array(classes);
      const sim = new Float64Array(classes);
      const scores = heldIdx.map((i) => {
        scoreAll(model, xs[i] as SparseVector, params.centroidWeight, lin, sim);
        return Float64Array.from(lin);
      });
      temperature = fitTemperature(
        scores,
        heldIdx.map((i) => ys[i] as number),
      );
    }
  }

  const model = trainModel(xs, ys, classes, vectorizer.size, params);
  const oosIndex = labelIndex.get(OUT_OF_SCOPE);

  const linear = new Float64Array(classes);
  const similarity = new Float64Array(classes);
  const probs = new Float64Array(classes);

  const scoreText = (text: string): SparseVector | undefined => {
    if (typeof text !== 'string') return undefined;
    const x = vectorizer.transform(terms(text));
    if (x.indices.length === 0) return undefined;
    scoreAll(model, x, params.centroidWeight, linear, similarity);
    return x;
  };

  const ranked = (values: Float64Array, k: number): IntentScore[] =>
    Array.from(topK(values, k), (c) => ({
      intent: labels[c] as string,
      confidence: values[c] as number,
    }));

  return {
    labels,
    temperature,
    classify(text: string): NluResult {
      const x = scoreText(text);
      if (!x) return { intent: OUT_OF_SCOPE, confidence: 1, alternatives: [], entities: [] };
      softmaxInto(linear, temperature, probs);
      let bestSim = 0;
      for (let c = 0; c < classes; c++)
        if (c !== oosIndex && (similarity[c] as number) > bestSim)
          bestSim = similarity[c] as number;
      const all = ranked(probs, maxAlternatives + 2);
      const top = all[0] as IntentScore;
      const round = (s: IntentScore): IntentScore => ({
        intent: s.intent,
        confidence: Math.round(s.confidence * 1e4) / 1e4,
      });
      if (
        reject &&
        top.intent !== OUT_OF_SCOPE &&
        (bestSim < minSimilarity || top.confidence < minConfidence)
      ) {
        // Unlike every intent: answer out_of_scope, but keep the guesses as alternatives.
        const oosConfidence = Math.max(
          1 - top.confidence,
          oosIndex === undefined ? 0 : (probs[oosIndex] as number),
        );
        return {
          intent: OUT_OF_SCOPE,
          confidence: Math.round(oosConfidence * 1e4) / 1e4,
          alternatives: all
            .filter((s) => s.intent !== OUT_OF_SCOPE)
            .slice(0, maxAlternatives)
            .map(round),
          entities: [],
        };
      }
      return {
        intent: top.intent,
        confidence: Math.round(top.confidence * 1e4) / 1e4,
        alternatives: all.slice(1, 1 + maxAlternatives).map(round),
        entities: [],
      };
    },
  };
}
