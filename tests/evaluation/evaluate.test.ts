import { describe, expect, test } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { createRandom } from '../../src/core/rng.js';
import { evaluatePredictions, maxResidualSamples, missingSliceValue } from '../../src/evaluation/evaluate.js';
import { prepareMetrics } from '../../src/evaluation/metrics.js';
import { evaluationReportSchema } from '../../src/evaluation/report-schema.js';
import { syntheticBinary } from './synthetic.js';

const bootstrap = { resamples: 200, confidence: 0.95, seed: 7 };

describe('evaluatePredictions: binary', () => {
  const split = syntheticBinary(600, 5);
  const contract = Array.from({ length: 600 }, (_, i) => (i % 10 === 0 ? null : ['Month-to-month', 'One year', 'Two year'][i % 3]!));
  const report = evaluatePredictions({
    task: 'binary',
    yTrue: split.yTrue,
    predictions: split.scores,
    classes: ['No', 'Yes'],
    threshold: 0.5,
    slices: { contract },
    bootstrap,
  });

  test('the report parses with evaluationReportSchema', () => {
    expect(evaluationReportSchema.parse(report)).toEqual(report);
    expect(report).toMatchObject({ task: 'binary', confidence: 0.95, resamples: 200 });
  });

  test('overall metrics are prepareMetrics on all rows, with an interval per metric', () => {
    expect(report.overall.rows).toBe(600);
    expect(report.overall.metrics).toEqual(prepareMetrics('binary', split.yTrue, split.scores, { threshold: 0.5 }).compute());
    expect(Object.keys(report.overall.intervals).sort()).toEqual(Object.keys(report.overall.metrics).sort());
    const positives = split.yTrue.reduce((a, b) => a + b, 0);
    expect(report.overall.target_summary).toEqual({ positive_rate: positives / 600 });
  });

  test('missing slice values form "(missing)", listed last; slice rows add up', () => {
    const values = Object.keys(report.slices.contract!);
    expect(values).toEqual(['Month-to-month', 'One year', 'Two year', missingSliceValue]);
    expect(report.slices.contract![missingSliceValue]!.rows).toBe(60);
    const total = Object.values(report.slices.contract!).reduce((sum, group) => sum + group.rows, 0);
    expect(total).toBe(600);
  });

  test('each slice holds the metrics of exactly its rows', () => {
    const rows = contract.flatMap((value, i) => (value === 'Two year' ? [i] : []));
    const expected = prepareMetrics(
      'binary',
      rows.map((i) => split.yTrue[i]!),
      rows.map((i) => split.scores[i]!),
    ).compute();
    const slice = report.slices.contract!['Two year']!;
    expect(slice.rows).toBe(rows.length);
    for (const [metric, value] of Object.entries(expected)) expect(slice.metrics[metric]).toBeCloseTo(value, 12);
  });

  test('confusion matrix at the threshold with [negative, positive] labels', () => {
    const count = (label: number, positive: boolean) =>
      split.yTrue.filter((y, i) => y === label && split.scores[i]! >= 0.5 === positive).length;
    const [tn, fp, fn, tp] = [count(0, false), count(0, true), count(1, false), count(1, true)];
    expect(report.confusion).toEqual({ labels: ['No', 'Yes'], matrix: [[tn, fp], [fn, tp]] });
  });

  test('calibration bins cover every row and are ordered', () => {
    const bins = report.calibration!;
    expect(bins.reduce((sum, bin) => sum + bin.rows, 0)).toBe(600);
    bins.forEach((bin) => {
      expect(bin.mean_predicted).toBeGreaterThanOrEqual(bin.bin_low);
      expect(bin.mean_predicted).toBeLessThanOrEqual(bin.bin_high);
    });
    expect(bins.map((b) => b.bin_low)).toEqual([...bins.map((b) => b.bin_low)].sort((a, b) => a - b));
  });

  test('the same inputs give the same report (deterministic intervals)', () => {
    const again = evaluatePredictions({ task: 'binary', yTrue: split.yTrue, predictions: split.scores, classes: ['No', 'Yes'], slices: { contract }, bootstrap });
    expect(again).toEqual(report);
  });

  test('a slice with one class has no AUC and no AUC interval, never NaN', () => {
    const yTrue = [0, 0, 1, 1, 0, 0];
    const predictions = [0.1, 0.6, 0.8, 0.3, 0.2, 0.4];
    const onlyNegatives = ['a', 'a', 'b', 'b', 'b', 'b'];
    const oneClass = evaluatePredictions({ task: 'binary', yTrue, predictions, slices: { group: onlyNegatives }, bootstrap });
    expect(oneClass.slices.group!.a!.metrics).not.toHaveProperty('auc');
    expect(oneClass.slices.group!.a!.intervals).not.toHaveProperty('auc');
    expect(oneClass.confusion!.labels).toEqual(['0', '1']);
    expect(evaluationReportSchema.safeParse(oneClass).success).toBe(true);
  });

  test.each([
    ['a slice column of the wrong length', { slices: { contract: ['a'] } }, /Slice column 'contract' has 1 values but the test split has 600 rows/],
    ['three binary classes', { classes: ['a', 'b', 'c'] }, /Binary evaluation needs classes \[negative, positive\]/],
    ['a probability out of range', { predictions: Float32Array.from([2, ...split.scores.slice(1)]) }, /predictions\[0\] is 2/],
  ])('%s is a DataError', (_case, override, message) => {
    const run = () => evaluatePredictions({ task: 'binary', yTrue: split.yTrue, predictions: split.scores, bootstrap, ...override });
    expect(run).toThrow(DataError);
    expect(run).toThrow(message);
  });

  test('an empty test split is a DataError', () => {
    expect(() => evaluatePredictions({ task: 'binary', yTrue: [], predictions: [], bootstrap })).toThrow(/no rows/);
  });
});

describe('evaluatePredictions: multiclass', () => {
  // Same 5 rows as the hand-checked example in metrics.test.ts: predicted 0, 1, 1, 2, 1.
  const yTrue = [0, 1, 2, 2, 1];
  const predictions = [0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.5, 0.3, 0.1, 0.1, 0.8, 0.3, 0.4, 0.3];
  const report = evaluatePredictions({
    task: 'multiclass',
    yTrue,
    predictions,
    classes: ['setosa', 'versicolor', 'virginica'],
    slices: { site: ['x', 'y', 'x', 'y', 'x'] },
    bootstrap,
  });

  test('parses, has a k×k confusion matrix (rows true, columns predicted) and class shares', () => {
    expect(evaluationReportSchema.safeParse(report).success).toBe(true);
    expect(report.confusion).toEqual({
      labels: ['setosa', 'versicolor', 'virginica'],
      matrix: [
        [1, 0, 0],
        [0, 2, 0],
        [0, 1, 1],
      ],
    });
    expect(report.overall.target_summary).toEqual({ setosa: 0.2, versicolor: 0.4, virginica: 0.4 });
    expect(report.overall.metrics.accuracy).toBeCloseTo(0.8, 12);
    expect(report.calibration).toBeUndefined();
  });

  test('slices pick the right probability rows', () => {
    // site x: rows 0, 2, 4 → predicted 0 ✓, 1 ✗ (true 2), 1 ✓ → accuracy 2/3.
    expect(report.slices.site!.x!.metrics.accuracy).toBeCloseTo(2 / 3, 12);
    // site y: rows 1, 3 → both correct.
    expect(report.slices.site!.y!.metrics.accuracy).toBe(1);
  });

  test('multiclass without classes is a DataError', () => {
    expect(() => evaluatePredictions({ task: 'multiclass', yTrue, predictions, bootstrap })).toThrow(/list of classes/);
  });
});

describe('evaluatePredictions: regression', () => {
  const random = createRandom(21);
  const rows = 1200;
  const yTrue = Array.from({ length: rows }, () => random() * 100);
  const predictions = yTrue.map((y) => y + (random() - 0.5) * 10);
  const input = { task: 'regression' as const, yTrue, predictions, bootstrap };
  const report = evaluatePredictions(input);

  test('parses, with mean target and no confusion', () => {
    expect(evaluationReportSchema.safeParse(report).success).toBe(true);
    expect(report.overall.target_summary.mean).toBeCloseTo(yTrue.reduce((a, b) => a + b, 0) / rows, 9);
    expect(report.confusion).toBeUndefined();
  });

  test('residuals are a bounded, deterministic sample of observed − predicted', () => {
    const residuals = report.residuals!;
    expect(residuals).toHaveLength(maxResidualSamples);
    expect(evaluatePredictions(input).residuals).toEqual(residuals);
    const byPrediction = new Map(predictions.map((p, i) => [p, yTrue[i]! - p]));
    for (const pair of residuals) expect(pair.residual).toBeCloseTo(byPrediction.get(pair.predicted)!, 9);
    expect(new Set(residuals.map((r) => r.predicted)).size).toBe(maxResidualSamples);
  });

  test('a small split keeps every residual in row order', () => {
    const small = evaluatePredictions({ task: 'regression', yTrue: [3, -0.5, 2, 7], predictions: [2.5, 0, 2, 8], bootstrap });
    expect(small.residuals).toEqual([
      { predicted: 2.5, residual: 0.5 },
      { predicted: 0, residual: -0.5 },
      { predicted: 2, residual: 0 },
      { predicted: 8, residual: -1 },
    ]);
  });
});
