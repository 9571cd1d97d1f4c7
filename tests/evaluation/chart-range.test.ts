import { describe, expect, test } from 'vitest';
import { chartRange, intervalScale } from '../../src/evaluation/chart-range.js';

describe('chartRange', () => {
  test.each([
    ['auc', [0.81, 0.85, 0.79]],
    ['auc', [0.999, 0.998]],
    ['accuracy', [0.01, 0.02]],
    ['log_loss', [0.01, 0.4]],
    ['rmse', [310.4, 420.2]],
    ['r2', [0.99, 0.97]],
    ['residual', [-12.5, 3, 0]],
  ])('%s %j: the range holds every value and stays in the metric’s domain', (metric, values) => {
    const range = chartRange(values, metric);
    for (const value of values) {
      expect(range.min).toBeLessThanOrEqual(value);
      expect(range.max).toBeGreaterThanOrEqual(value);
    }
    if (['auc', 'accuracy'].includes(metric)) expect([range.min >= 0, range.max <= 1]).toEqual([true, true]);
    if (['log_loss', 'rmse'].includes(metric)) expect(range.min).toBeGreaterThanOrEqual(0);
    if (metric === 'r2') expect(range.max).toBeLessThanOrEqual(1);
  });

  test('a difference in the fourth decimal does not fill the axis', () => {
    const range = chartRange([0.8397, 0.8459], 'auc');
    expect(range.max - range.min).toBeGreaterThanOrEqual(0.1);
  });

  test('bounds are round steps: 0.79–0.85 AUC gives [0.75, 0.9]', () => {
    expect(chartRange([0.81, 0.85, 0.79], 'auc')).toEqual({ min: 0.75, max: 0.9 });
  });

  test('missing values (null, NaN, undefined) are ignored; none at all gives [0, 1]', () => {
    expect(chartRange([null, 0.81, Number.NaN, undefined, 0.85, 0.79], 'auc')).toEqual(chartRange([0.81, 0.85, 0.79], 'auc'));
    expect(chartRange([null, Number.NaN], 'rmse')).toEqual({ min: 0, max: 1 });
  });
});

describe('intervalScale', () => {
  test.each([
    ['a rate spans [0, 1] whatever the values', 'auc', [0.81, 0.85], { min: 0, max: 1 }],
    ['a loss starts at 0', 'log_loss', [0.41, 0.45], { min: 0, max: chartRange([0.41, 0.45, 0], 'log_loss').max }],
    ['other metrics follow chartRange', 'r2', [0.5, 0.7], chartRange([0.5, 0.7], 'r2')],
  ])('%s', (_case, metric, values, expected) => {
    expect(intervalScale(values, metric)).toEqual(expected);
  });
});
