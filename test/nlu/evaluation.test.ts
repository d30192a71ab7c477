import { describe, expect, it } from 'vitest';
import {
  accuracy,
  crossValidate,
  expectedCalibrationError,
  kFolds,
  macroF1,
  percentile,
  perLabelMetrics,
  splitHoldout,
  summarizeLatencies,
  topConfusions,
} from '../../src/nlu/evaluation.ts';
import { createFakeClassifier } from '../../src/nlu/fake-classifier.ts';
import type { LabeledExample } from '../../src/nlu/types.ts';

const gold = ['a', 'a', 'a', 'b', 'b', 'c'];
const pred = ['a', 'a', 'b', 'b', 'c', 'c'];

describe('metrics', () => {
  it('accuracy', () => {
    expect(accuracy(gold, pred)).toBeCloseTo(4 / 6);
    expect(() => accuracy(['a'], [])).toThrow();
  });

  it('per-label precision/recall/F1 match hand computation', () => {
    const rows = perLabelMetrics(gold, pred);
    const a = rows.find((r) => r.label === 'a');
    const b = rows.find((r) => r.label === 'b');
    const c = rows.find((r) => r.label === 'c');
    expect(a).toMatchObject({ precision: 1, recall: 2 / 3, support: 3 });
    expect(a?.f1).toBeCloseTo(0.8);
    expect(b).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(c?.precision).toBeCloseTo(0.5);
    expect(c?.recall).toBe(1);
    expect(c?.f1).toBeCloseTo(2 / 3);
    expect(macroF1(gold, pred)).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3);
  });

  it('top confusion pairs', () => {
    expect(topConfusions(['a', 'a', 'b', 'a'], ['b', 'b', 'a', 'a'])).toEqual([
      { gold: 'a', predicted: 'b', count: 2 },
      { gold: 'b', predicted: 'a', count: 1 },
    ]);
  });

  it('percentiles use nearest rank', () => {
    const xs = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 99)).toBe(10);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
    expect(summarizeLatencies([1, 2, 3, 4])).toMatchObject({ count: 4, mean: 2.5, p50: 2, max: 4 });
  });
});

const data: LabeledExample[] = [
  ...Array.from({ length: 10 }, (_, i) => ({ text: `开户${i}`, label: 'open' })),
  ...Array.from({ length: 5 }, (_, i) => ({ text: `投诉${i}`, label: 'complain' })),
  { text: '销户', label: 'close' },
];

describe('splits', () => {
  it('splitHoldout is stratified, deterministic and keeps every label in train', () => {
    const s1 = splitHoldout(data, 0.2, 9);
    const s2 = splitHoldout(data, 0.2, 9);
    expect(s1).toEqual(s2);
    expect(s1.test.filter((e) => e.label === 'open').length).toBe(2);
    expect(s1.test.filter((e) => e.label === 'complain').length).toBe(1);
    expect(s1.train.some((e) => e.label === 'close')).toBe(true);
    expect(s1.train.length + s1.test.length).toBe(data.length);
    expect(() => splitHoldout(data, 1)).toThrow();
  });

  it('kFolds partitions the data and crossValidate averages folds', () => {
    const folds = kFolds(data, 4, 2);
    expect(folds.flat().length).toBe(data.length);
    expect(new Set(folds.flat().map((e) => e.text)).size).toBe(data.length);
    const cv = crossValidate(
      data,
      4,
      () => createFakeClassifier({ open: ['开户'], complain: ['投诉'] }),
      2,
    );
    expect(cv.folds.length).toBe(4);
    expect(cv.meanAccuracy).toBeCloseTo(15 / 16, 1);
    expect(() => kFolds(data, 1)).toThrow();
  });
});

describe('expectedCalibrationError', () => {
  it('is 0 when confidence matches the hit rate and grows with over-confidence', () => {
    // Ten predictions at 0.8, eight right: perfectly calibrated.
    const conf = new Array<number>(10).fill(0.8);
    const eightRight = conf.map((_, i) => i < 8);
    expect(expectedCalibrationError(conf, eightRight)).toBeCloseTo(0, 10);
    // Same confidence, only half right: off by 0.3.
    const halfRight = conf.map((_, i) => i < 5);
    expect(expectedCalibrationError(conf, halfRight)).toBeCloseTo(0.3, 10);
    // Bins are weighted by size: 0.95 x4 all right (gap 0.05), 0.55 x6 three right (gap 0.05).
    expect(
      expectedCalibrationError(
        [0.95, 0.95, 0.95, 0.95, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55],
        [true, true, true, true, true, true, true, false, false, false],
      ),
    ).toBeCloseTo(0.05, 10);
    expect(expectedCalibrationError([], [])).toBe(0);
  });

  it('refuses mismatched lengths and confidences outside [0, 1]', () => {
    expect(() => expectedCalibrationError([0.5], [])).toThrow();
    expect(() => expectedCalibrationError([1.2], [true])).toThrow(RangeError);
  });
});
