import { describe, expect, test } from 'vitest';
import { binaryMetricNames, multiclassMetricNames, regressionMetricNames, type TaskType } from '../../src/config/schema.js';
import { DataError } from '../../src/core/errors.js';
import { calibrationBins } from '../../src/evaluation/metrics-binary.js';
import { predictedClasses } from '../../src/evaluation/metrics-multiclass.js';
import { confusionMatrix } from '../../src/evaluation/metrics-shared.js';
import { prepareMetrics, type MetricOptions, type Numbers } from '../../src/evaluation/metrics.js';
import { loadMetricReference } from './reference.js';

const reference = loadMetricReference();

/** Every metric of the task on all rows: the one API, as evaluation and the bootstrap call it. */
function computeMetrics(task: TaskType, yTrue: Numbers, predictions: Numbers, options: MetricOptions = {}): Record<string, number> {
  return prepareMetrics(task, yTrue, predictions, options).compute();
}

describe('binary metrics against scikit-learn 1.2.1', () => {
  const small = reference.binary_metrics_small;

  test.each([
    ['auc_doc_example', reference.auc_doc_example.y_true, reference.auc_doc_example.y_score, reference.auc_doc_example.roc_auc],
    ['auc_with_ties', reference.auc_with_ties.y_true, reference.auc_with_ties.y_score, reference.auc_with_ties.roc_auc],
    ['binary_metrics_small', small.y_true, small.y_prob, small.roc_auc],
  ])('auc on %s', (_name, yTrue, yScore, expected) => {
    expect(computeMetrics('binary', yTrue, yScore).auc).toBeCloseTo(expected, 12);
  });

  test.each([
    ['auc', small.roc_auc],
    ['accuracy', small.accuracy],
    ['precision', small.precision],
    ['recall', small.recall],
    ['f1', small.f1],
    ['log_loss', small.log_loss],
    ['brier', small.brier],
  ])('computeMetrics binary_metrics_small: %s', (metric, expected) => {
    const metrics = computeMetrics('binary', small.y_true, small.y_prob, { threshold: small.threshold });
    expect(metrics[metric]).toBeCloseTo(expected, 12);
  });

  test('computeMetrics returns exactly the binary metric names of the config schema', () => {
    expect(Object.keys(computeMetrics('binary', small.y_true, small.y_prob)).sort()).toEqual([...binaryMetricNames].sort());
  });

  test('Float32Array probabilities give the reference values up to float32 rounding', () => {
    const metrics = computeMetrics('binary', Int32Array.from(small.y_true), Float32Array.from(small.y_prob));
    expect(metrics.auc).toBeCloseTo(small.roc_auc, 12);
    expect(metrics.log_loss).toBeCloseTo(small.log_loss, 6);
    expect(metrics.brier).toBeCloseTo(small.brier, 6);
  });
});

describe('binary edge cases', () => {
  test('one class present: AUC is omitted (never NaN), other metrics stay', () => {
    const metrics = computeMetrics('binary', [1, 1, 1], [0.9, 0.4, 0.7]);
    expect(metrics).not.toHaveProperty('auc');
    expect(metrics.accuracy).toBeCloseTo(2 / 3, 12);
    expect(metrics.recall).toBeCloseTo(2 / 3, 12);
    expect(metrics.precision).toBe(1);
    expect(Object.values(metrics).every(Number.isFinite)).toBe(true);
  });

  test('all correct with hard 0/1 probabilities: accuracy, f1, auc 1; brier 0; log loss only the clip', () => {
    const metrics = computeMetrics('binary', [0, 1, 0, 1], [0, 1, 0, 1]);
    expect(metrics).toMatchObject({ accuracy: 1, precision: 1, recall: 1, f1: 1, auc: 1, brier: 0 });
    // −log(1 − 1e-15) ≈ 9.992e-16 per row: clipping keeps it finite and tiny.
    expect(metrics.log_loss).toBeCloseTo(9.992007221626415e-16, 25);
  });

  test('a confidently wrong probability is clipped like sklearn, not Infinity', () => {
    // p = 0 for a positive: −log(1e-15) = 34.538776.
    expect(computeMetrics('binary', [1], [0]).log_loss).toBeCloseTo(34.538776394910684, 10);
    // p = 1 for a negative: p is clipped to 1 − 1e-15 first, so the loss is −log(1 − (1 − 1e-15)) in
    // float64 = −log(9.992e-16) = 34.539576, as sklearn (clip, then 1 − p) computes it.
    expect(computeMetrics('binary', [0], [1]).log_loss).toBeCloseTo(34.53957599234088, 10);
  });

  test.each([
    // [probability, threshold, predicted positive?]
    [0.5, 0.5, true],
    [0.49999999, 0.5, false],
    [0.3, 0.3, true],
    [0.7000001, 0.7, true],
    [0.6999999, 0.7, false],
  ])('p=%s at threshold %s is predicted positive: %s', (p, threshold, positive) => {
    // One positive row: recall and accuracy are 1 when it is predicted positive, else 0.
    expect(computeMetrics('binary', [1], [p], { threshold })).toMatchObject(positive ? { recall: 1, accuracy: 1 } : { recall: 0, accuracy: 0 });
  });

  test('nothing predicted positive: precision, recall and f1 are 0 (sklearn zero_division=0)', () => {
    const metrics = computeMetrics('binary', [0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], { threshold: 0.9 });
    expect(metrics).toMatchObject({ precision: 0, recall: 0, f1: 0, accuracy: 0.5, auc: 1 });
  });

  test('no positive rows and none predicted: precision, recall and f1 are 0, AUC omitted', () => {
    const metrics = computeMetrics('binary', [0, 0], [0.1, 0.2]);
    expect(metrics).toMatchObject({ precision: 0, recall: 0, f1: 0, accuracy: 1 });
    expect(metrics).not.toHaveProperty('auc');
  });

  test('confusionMatrix is rows true, columns predicted: [[tn, fp], [fn, tp]]', () => {
    // true/pred pairs: (0,0) (0,1) (1,1) (1,1) (1,0)
    expect(confusionMatrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], 2)).toEqual([
      [1, 1],
      [1, 2],
    ]);
  });

  test('calibrationBins: equal-width bins, empty ones omitted, edge values go to the upper bin', () => {
    // 0.05 and 0.08 → [0, 0.1); 0.3 (on an edge) and 0.35 → [0.3, 0.4); 1.0 → [0.9, 1].
    const bins = calibrationBins([0, 1, 1, 0, 1], [0.05, 0.08, 0.3, 0.35, 1.0]);
    expect(bins).toHaveLength(3);
    expect(bins[0]).toMatchObject({ bin_low: 0, bin_high: 0.1, rows: 2, fraction_positive: 0.5 });
    expect(bins[0]!.mean_predicted).toBeCloseTo(0.065, 12);
    expect(bins[1]).toMatchObject({ bin_low: 0.3, bin_high: 0.4, rows: 2, fraction_positive: 0.5 });
    expect(bins[1]!.mean_predicted).toBeCloseTo(0.325, 12);
    expect(bins[2]).toMatchObject({ bin_low: 0.9, bin_high: 1, rows: 1, fraction_positive: 1, mean_predicted: 1 });
  });

  test.each([
    ['a label that is not 0/1', [0, 2], [0.1, 0.2], /yTrue\[1\] is 2/],
    ['a probability above 1', [0, 1], [0.1, 1.2], /predictions\[1\] is 1.2/],
    ['a NaN probability', [0, 1], [Number.NaN, 0.5], /predictions\[0\] is NaN/],
    ['a length mismatch', [0, 1, 1], [0.1, 0.2], /2 values but 3 were expected/],
  ])('binary input with %s is a DataError naming it', (_case, yTrue, yProb, message) => {
    expect(() => computeMetrics('binary', yTrue, yProb)).toThrow(DataError);
    expect(() => computeMetrics('binary', yTrue, yProb)).toThrow(message);
  });
});

describe('multiclass metrics (hand-checked)', () => {
  // 3 classes, 5 rows (argmax in brackets):
  //   true 0: [0.7, 0.2, 0.1] → 0 ✓     true 1: [0.1, 0.6, 0.3] → 1 ✓
  //   true 2: [0.2, 0.5, 0.3] → 1 ✗     true 2: [0.1, 0.1, 0.8] → 2 ✓
  //   true 1: [0.3, 0.4, 0.3] → 1 ✓
  // accuracy = 4/5 = 0.8
  // class 0: tp 1, fp 0, fn 0 → F1 = 2/2 = 1
  // class 1: tp 2, fp 1, fn 0 → F1 = 4/5 = 0.8
  // class 2: tp 1, fp 0, fn 1 → F1 = 2/3
  // macro F1 = (1 + 0.8 + 0.6667) / 3 = 0.822222…
  // log loss = −(ln 0.7 + ln 0.6 + ln 0.3 + ln 0.8 + ln 0.4) / 5
  //          = (0.35667 + 0.51083 + 1.20397 + 0.22314 + 0.91629) / 5 = 0.642182
  const yTrue = [0, 1, 2, 2, 1];
  const probabilities = Float32Array.from([0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.5, 0.3, 0.1, 0.1, 0.8, 0.3, 0.4, 0.3]);

  test.each([
    ['accuracy', 0.8, 12],
    ['macro_f1', 0.8222222222222223, 12],
    ['log_loss', 0.6421815310438048, 6],
  ])('computeMetrics multiclass: %s', (metric, expected, digits) => {
    const metrics = computeMetrics('multiclass', yTrue, probabilities, { classCount: 3 });
    expect(Object.keys(metrics).sort()).toEqual([...multiclassMetricNames].sort());
    expect(metrics[metric]).toBeCloseTo(expected, digits);
  });

  test('the predicted classes are the argmax of each row', () => {
    expect(Array.from(predictedClasses(probabilities, 3))).toEqual([0, 1, 1, 2, 1]);
  });

  test('macro F1 averages only classes present in yTrue or yPred (class 3 absent from both)', () => {
    // classes 0..3; rows (true→pred): 0→0, 1→1, 2→1. Class 0: F1 1; class 1: tp 1, fp 1 → 2/3; class 2: fn 1 → 0.
    // sklearn macro over labels {0, 1, 2}: (1 + 2/3 + 0) / 3 = 0.5556 (not / 4).
    const predictedOneHot = [1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0];
    expect(computeMetrics('multiclass', [0, 1, 2], predictedOneHot, { classCount: 4 }).macro_f1).toBeCloseTo(5 / 9, 12);
  });

  test('log loss renormalises rows after clipping: [0.5, 0.5, 0.5] counts as 1/3 each', () => {
    expect(computeMetrics('multiclass', [0], [0.5, 0.5, 0.5], { classCount: 3 }).log_loss).toBeCloseTo(Math.log(3), 12);
    // A zero probability on the true class is clipped to 1e-15 instead of giving Infinity.
    expect(computeMetrics('multiclass', [2], [0.5, 0.5, 0], { classCount: 3 }).log_loss).toBeCloseTo(34.538776394910684, 8);
  });

  test('ties in probabilities predict the first class, like numpy argmax', () => {
    expect(Array.from(predictedClasses([0.4, 0.4, 0.2], 3))).toEqual([0]);
  });

  test.each([
    ['a class index out of range', [0, 3], [0.2, 0.3, 0.5, 0.2, 0.3, 0.5], /yTrue\[1\] is 3/],
    ['a probability below 0', [0, 1], [0.2, 0.3, 0.5, -0.1, 0.6, 0.5], /row 1, class 0 is -0.1/],
    ['too few probability columns', [0, 1], [0.2, 0.3, 0.5], /3 values but 2 rows × 3 classes = 6/],
  ])('multiclass input with %s is a DataError', (_case, y, p, message) => {
    expect(() => computeMetrics('multiclass', y, p, { classCount: 3 })).toThrow(message);
  });

  test('multiclass without classCount is a DataError', () => {
    expect(() => computeMetrics('multiclass', [0], [1, 0, 0])).toThrow(/classCount/);
  });
});

describe('regression metrics against scikit-learn 1.2.1', () => {
  const example = reference.regression_doc_example;

  test.each([
    ['mae', example.mae],
    ['rmse', example.rmse],
    ['r2', example.r2],
  ])('computeMetrics regression_doc_example: %s', (metric, expected) => {
    const metrics = computeMetrics('regression', example.y_true, example.y_pred);
    expect(Object.keys(metrics).sort()).toEqual([...regressionMetricNames].sort());
    expect(metrics[metric]).toBeCloseTo(expected, 12);
  });

  test.each([
    // sklearn r2_score(force_finite=True) on a constant target: 1.0 if perfect, else 0.0.
    ['perfect on a constant target', [0.1, 0.1, 0.1], [0.1, 0.1, 0.1], 1],
    ['imperfect on a constant target', [0.1, 0.1, 0.1], [0.1, 0.2, 0.1], 0],
    ['perfect on a varying target', [1, 2, 3], [1, 2, 3], 1],
    ['predicting the mean', [1, 2, 3], [2, 2, 2], 0],
    ['worse than the mean', [1, 2, 3], [3, 2, 1], -3],
  ])('r2 %s', (_case, yTrue, yPred, expected) => {
    expect(computeMetrics('regression', yTrue, yPred).r2).toBeCloseTo(expected, 12);
  });

  test('a non-finite prediction is a DataError', () => {
    expect(() => computeMetrics('regression', [1, 2], [1, Number.POSITIVE_INFINITY])).toThrow(/predictions\[1\] is Infinity/);
  });
});

describe('row weights equal duplicated rows (what the bootstrap relies on)', () => {
  const duplicate = <T>(values: readonly T[], counts: readonly number[], width = 1): T[] =>
    counts.flatMap((c, i) => Array.from({ length: c }, () => values.slice(i * width, (i + 1) * width)).flat());

  test.each([
    ['binary', [0, 1, 1, 0, 1, 0], [0.2, 0.5, 0.9, 0.5, 0.3, 0.1], [2, 0, 1, 3, 1, 1], 1],
    ['multiclass', [0, 1, 2, 2], [0.6, 0.3, 0.1, 0.2, 0.2, 0.6, 0.1, 0.1, 0.8, 0.3, 0.4, 0.3], [0, 2, 1, 3], 3],
    ['regression', [3, -0.5, 2, 7], [2.5, 0, 2, 8], [1, 3, 0, 2], 1],
  ] as const)('%s', (task, yTrue, predictions, counts, width) => {
    const options = { classCount: width };
    const weighted = prepareMetrics(task, yTrue, predictions, options).compute(counts);
    const copied = computeMetrics(task, duplicate(yTrue, counts), duplicate(predictions, counts, width), options);
    expect(Object.keys(weighted).sort()).toEqual(Object.keys(copied).sort());
    for (const [metric, value] of Object.entries(copied)) expect(weighted[metric]).toBeCloseTo(value, 12);
  });
});
