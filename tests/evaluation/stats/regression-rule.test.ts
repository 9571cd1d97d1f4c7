import { describe, expect, test } from 'vitest';
import {
  judgePointRegression,
  judgeRegression,
  judgeRegressionFamily,
  maxUndefinedResampleShare,
  usableBootstrapPValue,
  type RegressionEvidence,
} from '../../../src/evaluation/stats/regression-rule.js';

describe('judgeRegression: fail only when the drop exceeds max_regression AND p ≤ alpha', () => {
  test.each([
    // worsening, max_regression, p, outcome, basis
    [0.01, 0.02, 0.001, 'pass', 'within_threshold'],
    [0.02, 0.02, 0.001, 'pass', 'within_threshold'],
    // champion − max_regression in floats: 0.8 − 0.78 is 0.020000000000000018, still on the bound.
    [0.8 - 0.78, 0.02, 0.001, 'pass', 'within_threshold'],
    [-0.03, 0.02, 0.9, 'pass', 'within_threshold'],
    // The contract=Two year case of the issue: a 0.07 AUC drop on ~10 positives is within noise.
    [0.07, 0.05, 0.31, 'pass', 'drop_not_significant'],
    [0.07, 0.05, 0.0500001, 'pass', 'drop_not_significant'],
    [0.07, 0.05, 0.05, 'fail', 'drop_significant'],
    [0.07, 0.05, 0.001, 'fail', 'drop_significant'],
    [0.021, 0.02, 1e-9, 'fail', 'drop_significant'],
    [null, 0.02, 0.01, 'not_judged', 'no_evidence'],
    [0.07, 0.05, null, 'not_judged', 'no_evidence'],
    // Within the threshold passes without a test: no p-value can make it fail.
    [0.01, 0.05, null, 'pass', 'within_threshold'],
  ] as const)('worsening %d, max_regression %d, p %d → %s (%s)', (worsening, maxRegression, pValue, outcome, basis) => {
    const judgement = judgeRegression({ worsening, maxRegression, pValue }, 0.05);
    expect(judgement.outcome).toBe(outcome);
    expect(judgement.basis).toBe(basis);
    expect(judgement.pValue).toBe(outcome === 'not_judged' ? null : pValue);
  });

  test.each([
    [{ worsening: 0.1, maxRegression: -0.01, pValue: 0.01 }, 0.05, /max_regression must be ≥ 0, got -0.01/],
    [{ worsening: 0.1, maxRegression: 0.01, pValue: 0.01 }, 0, /alpha must be between 0 and 1/],
    [{ worsening: 0.1, maxRegression: 0.01, pValue: 0.01 }, 1, /alpha must be between 0 and 1/],
  ])('bad settings are a RangeError: %j at alpha %d', (evidence, alpha, message) => {
    expect(() => judgeRegression(evidence, alpha)).toThrow(message);
  });
});

describe('judgeRegressionFamily: Holm over the judged checks', () => {
  test('a drop that is significant alone is not when it is one of many checks', () => {
    const family: RegressionEvidence[] = [
      { worsening: 0.07, maxRegression: 0.05, pValue: 0.02 },
      ...Array.from({ length: 9 }, () => ({ worsening: 0, maxRegression: 0.05, pValue: 0.9 })),
    ];
    expect(judgeRegression(family[0]!, 0.05).outcome).toBe('fail');
    const judged = judgeRegressionFamily(family, 0.05);
    // Holm: 10 × 0.02 = 0.2 > 0.05.
    expect(judged[0]).toEqual({ outcome: 'pass', basis: 'drop_not_significant', pValue: 0.2 });
    expect(judged.slice(1).every((j) => j.outcome === 'pass' && j.basis === 'within_threshold')).toBe(true);
  });

  test('a strong drop still fails in a large family, and the adjusted p-values are Holm\'s', () => {
    const family: RegressionEvidence[] = [
      { worsening: 0.01, maxRegression: 0.05, pValue: 0.04 },
      { worsening: 0.2, maxRegression: 0.05, pValue: 0.005 },
      { worsening: 0.08, maxRegression: 0.05, pValue: 0.01 },
      { worsening: 0.09, maxRegression: 0.05, pValue: 0.03 },
    ];
    // statsmodels multipletests([0.04, 0.005, 0.01, 0.03], method='holm') → [0.06, 0.02, 0.03, 0.06]
    expect(judgeRegressionFamily(family, 0.05)).toEqual([
      { outcome: 'pass', basis: 'within_threshold', pValue: 0.06 },
      { outcome: 'fail', basis: 'drop_significant', pValue: 0.02 },
      { outcome: 'fail', basis: 'drop_significant', pValue: 0.03 },
      { outcome: 'pass', basis: 'drop_not_significant', pValue: 0.06 },
    ]);
  });

  test('checks that cannot be judged are not in the family and are reported as not judged', () => {
    const judged = judgeRegressionFamily(
      [
        { worsening: 0.07, maxRegression: 0.05, pValue: 0.02 },
        { worsening: null, maxRegression: 0.05, pValue: 0.001 },
        { worsening: 0.1, maxRegression: 0.05, pValue: null },
      ],
      0.05,
    );
    // A family of one: 0.02 stays 0.02.
    expect(judged[0]).toEqual({ outcome: 'fail', basis: 'drop_significant', pValue: 0.02 });
    expect(judged[1]!.outcome).toBe('not_judged');
    expect(judged[2]!.outcome).toBe('not_judged');
  });
});

describe('judgePointRegression (gate.comparison: point)', () => {
  test.each([
    [0.07, 0.05, 'fail', 'drop_over_threshold'],
    [0.05, 0.05, 'pass', 'within_threshold'],
    [-0.1, 0.05, 'pass', 'within_threshold'],
    [null, 0.05, 'not_judged', 'no_evidence'],
  ] as const)('worsening %d, max_regression %d → %s', (worsening, maxRegression, outcome, basis) => {
    expect(judgePointRegression(worsening, maxRegression)).toEqual({ outcome, basis, pValue: null });
  });
});

describe('usableBootstrapPValue', () => {
  test.each([
    [0.01, 0, 1000, 0.01],
    [0.01, 50, 1000, 0.01],
    [0.01, 51, 1000, null],
    [null, 0, 1000, null],
    [0.01, 0, 0, null],
  ])('p %d with %d of %d resamples undefined → %s', (p, undefinedResamples, drawn, expected) => {
    expect(usableBootstrapPValue(p, undefinedResamples, drawn)).toBe(expected);
  });

  test('the limit is 5%', () => expect(maxUndefinedResampleShare).toBe(0.05));
});
