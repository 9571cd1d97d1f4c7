import { describe, expect, test } from 'vitest';
import { DataError } from '../../../src/core/errors.js';
import { prepareMetrics } from '../../../src/evaluation/metrics.js';
import { delongAuc, delongRegressionPValue, delongTest, type DelongComparison } from '../../../src/evaluation/stats/delong.js';
import { readReference, type DelongReferenceCase } from './stats-reference.js';

const reference = readReference<{ cases: DelongReferenceCase[] }>('delong/delong-reference.json').cases;

function defined(result: ReturnType<typeof delongTest>): DelongComparison {
  if (!result.defined) throw new Error(`expected a defined comparison, got: ${result.reason}`);
  return result;
}

describe('delongTest against pROC 1.18.0 roc.test(method = "delong", paired = TRUE)', () => {
  test.each(reference.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = defined(delongTest(c.y_true, c.scores_a, c.scores_b, c.confidence));
    expect(result.cases).toBe(c.cases);
    expect(result.controls).toBe(c.controls);
    expect(result.candidate).toBeCloseTo(c.auc_a, 13);
    expect(result.champion).toBeCloseTo(c.auc_b, 13);
    expect(result.delta).toBeCloseTo(c.auc_a - c.auc_b, 13);
    expect(result.variance.candidate).toBeCloseTo(c.var_a, 14);
    expect(result.variance.champion).toBeCloseTo(c.var_b, 14);
    expect(result.variance.covariance).toBeCloseTo(c.cov_ab, 14);
    expect(result.z).toBeCloseTo(c.z, 9);
    // p-values span 1 to 1e-16: compare them relative to their size.
    expect(Math.abs(result.pValue - c.p_value)).toBeLessThanOrEqual(1e-9 * c.p_value + 1e-15);
    expect(result.interval.low).toBeCloseTo(c.delta_ci[0], 12);
    expect(result.interval.high).toBeCloseTo(c.delta_ci[1], 12);
  });
});

describe('delongAuc against pROC 1.18.0 ci.auc(method = "delong") and var()', () => {
  const perModel = reference.flatMap((c) => [
    [`${c.name} a`, c.y_true, c.scores_a, c.auc_a, c.var_a, c.auc_a_ci, c.confidence] as const,
    [`${c.name} b`, c.y_true, c.scores_b, c.auc_b, c.var_b, c.auc_b_ci, c.confidence] as const,
  ]);
  test.each(perModel)('%s', (_name, y, scores, auc, variance, ci, confidence) => {
    const result = delongAuc(y, scores, confidence);
    if (!result.defined) throw new Error(result.reason);
    expect(result.auc).toBeCloseTo(auc, 13);
    // Scores are not probabilities here: rescale them into [0, 1] (AUC depends only on their order).
    const low = Math.min(...scores);
    const span = Math.max(...scores) - low || 1;
    const probabilities = scores.map((s) => (s - low) / span);
    expect(result.auc).toBeCloseTo(prepareMetrics('binary', y, probabilities).compute().auc!, 13);
    expect(result.variance).toBeCloseTo(variance, 14);
    expect(result.interval.low).toBeCloseTo(ci[0], 12);
    expect(result.interval.high).toBeCloseTo(ci[1], 12);
  });
});

describe('delongTest edge cases', () => {
  test.each([
    ['one positive row', [0, 0, 1, 0], /^1 positive row: DeLong's variance needs at least 2 rows of each class$/],
    ['no positive row', [0, 0, 0, 0], /^0 positive rows/],
    ['one negative row', [1, 1, 0, 1], /^1 negative row:/],
    ['no rows at all', [], /^0 positive rows/],
  ])('%s: undefined with the reason, never NaN', (_name, y, reason) => {
    const scores = y.map((_, i) => i / 10);
    const result = delongTest(y, scores, scores);
    expect(result.defined).toBe(false);
    if (!result.defined) expect(result.reason).toMatch(reason);
    expect(delongAuc(y, scores).defined).toBe(false);
  });

  test.each([
    ['a label that is not 0/1', [0, 1, 2, 1], [0.1, 0.2, 0.3, 0.4], /yTrue\[2\] is 2; DeLong's test needs labels 0 \(negative\) or 1/],
    ['a NaN score', [0, 1, 0, 1], [0.1, Number.NaN, 0.3, 0.4], /candidate scores\[1\] is NaN/],
    ['a short score array', [0, 1, 0, 1], [0.1, 0.2, 0.3], /candidate scores has 3 scores but yTrue has 4 rows/],
  ])('%s is a DataError naming the row', (_name, y, scores, message) => {
    expect(() => delongTest(y, scores, [0.1, 0.2, 0.3, 0.4])).toThrow(DataError);
    expect(() => delongTest(y, scores, [0.1, 0.2, 0.3, 0.4])).toThrow(message);
  });

  test('a confidence outside (0, 1) is a RangeError', () => {
    expect(() => delongTest([0, 1, 0, 1], [1, 2, 3, 4], [1, 2, 3, 4], 1)).toThrow(/confidence must be between 0 and 1/);
  });

  test('typed arrays give the same result as plain arrays', () => {
    const c = reference.find((r) => r.name === 'correlated_1403')!;
    const plain = defined(delongTest(c.y_true, c.scores_a, c.scores_b));
    const typed = defined(delongTest(Uint8Array.from(c.y_true), Float64Array.from(c.scores_a), Float64Array.from(c.scores_b)));
    expect(typed).toEqual(plain);
  });

  test('swapping the models negates delta, z and the interval and keeps p', () => {
    const c = reference.find((r) => r.name === 'coarse_ties')!;
    const forward = defined(delongTest(c.y_true, c.scores_a, c.scores_b));
    const backward = defined(delongTest(c.y_true, c.scores_b, c.scores_a));
    expect(backward.delta).toBeCloseTo(-forward.delta, 15);
    expect(backward.z).toBeCloseTo(-forward.z, 12);
    expect(backward.pValue).toBeCloseTo(forward.pValue, 15);
    expect(backward.interval.low).toBeCloseTo(-forward.interval.high, 15);
  });
});

describe('delongRegressionPValue (one-sided, H0: delta ≥ −maxRegression) against pnorm of pROC\'s delta and standard error', () => {
  const judged = reference.filter((c) => c.name !== 'identical_models');
  const rows = judged.flatMap((c) =>
    c.thresholds.flatMap((threshold, i) => [
      [c.name, 'a', threshold, c, c.regression_p_a_candidate[i]!] as const,
      [c.name, 'b', threshold, c, c.regression_p_b_candidate[i]!] as const,
    ]),
  );
  test.each(rows)('%s, candidate %s, threshold %d', (_name, which, threshold, c, expected) => {
    const [candidate, champion] = which === 'a' ? [c.scores_a, c.scores_b] : [c.scores_b, c.scores_a];
    const p = delongRegressionPValue(defined(delongTest(c.y_true, candidate, champion)), threshold);
    expect(Math.abs(p - expected)).toBeLessThanOrEqual(1e-9 * Math.min(expected, 1 - expected) + 1e-15);
  });

  test('a zero standard error gives 0 when the drop exceeds the threshold and 1 otherwise', () => {
    const c = reference.find((r) => r.name === 'identical_models')!;
    const same = defined(delongTest(c.y_true, c.scores_a, c.scores_b));
    expect(same.standardError).toBe(0);
    expect(delongRegressionPValue(same, 0)).toBe(1);
    const flat: DelongComparison = { ...same, delta: -0.05 };
    expect(delongRegressionPValue(flat, 0.02)).toBe(0);
    expect(delongRegressionPValue(flat, 0.05)).toBe(1);
    expect(() => delongRegressionPValue(flat, -0.01)).toThrow(/maxRegression must be ≥ 0/);
  });
});
