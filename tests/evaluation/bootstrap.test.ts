import { describe, expect, test } from 'vitest';
import { binaryMetricNames } from '../../src/config/schema.js';
import { ConfigError } from '../../src/core/errors.js';
import { createRandom } from '../../src/core/rng.js';
import {
  bootstrapIntervals,
  bootstrapMetricIntervals,
  definedValues,
  drawResampleCounts,
  drawSharedResamples,
  percentileInterval,
  resampledIntervals,
} from '../../src/evaluation/bootstrap.js';
import { prepareMetrics } from '../../src/evaluation/metrics.js';
import { syntheticBinary } from './synthetic.js';

const split = syntheticBinary(1400, 3);
const settings = { resamples: 300, confidence: 0.95, seed: 7 };

describe('percentileInterval', () => {
  test('matches numpy.percentile (linear) at 2.5% and 97.5%', () => {
    // np.percentile(np.arange(1, 11), [2.5, 97.5]) = [1.225, 9.775]
    const interval = percentileInterval([10, 3, 1, 4, 2, 9, 5, 8, 6, 7], 0.95)!;
    expect(interval.low).toBeCloseTo(1.225, 12);
    expect(interval.high).toBeCloseTo(9.775, 12);
  });

  test('one value gives a point interval; no values give none', () => {
    expect(percentileInterval([0.7], 0.9)).toEqual({ low: 0.7, high: 0.7 });
    expect(percentileInterval([], 0.95)).toBeUndefined();
  });
});

describe('drawResampleCounts', () => {
  test('draws n rows with replacement: counts sum to n and some rows repeat', () => {
    const counts = new Float64Array(50);
    drawResampleCounts(createRandom(1), counts);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(50);
    expect(Math.max(...counts)).toBeGreaterThan(1);
    expect(counts.filter((c) => c === 0).length).toBeGreaterThan(0);
  });
});

describe('bootstrapIntervals', () => {
  const prepared = prepareMetrics('binary', split.yTrue, split.scores);
  const intervals = bootstrapIntervals(prepared, settings);
  const point = prepared.compute();

  test('gives an interval for every binary metric', () => {
    expect(Object.keys(intervals).sort()).toEqual([...binaryMetricNames].sort());
  });

  test.each([...binaryMetricNames])('the %s interval is ordered and contains the point estimate', (metric) => {
    const interval = intervals[metric]!;
    expect(interval.low).toBeLessThanOrEqual(interval.high);
    expect(interval.low).toBeLessThan(point[metric]!);
    expect(interval.high).toBeGreaterThan(point[metric]!);
  });

  test('the same seed gives the same intervals; another seed different ones', () => {
    expect(bootstrapIntervals(prepared, settings)).toEqual(intervals);
    const other = bootstrapIntervals(prepared, { ...settings, seed: 8 });
    expect(other.auc).not.toEqual(intervals.auc);
    expect(other.log_loss).not.toEqual(intervals.log_loss);
  });

  test('a higher confidence gives a wider interval', () => {
    const wide = bootstrapIntervals(prepared, { ...settings, confidence: 0.99 });
    expect(wide.auc!.low).toBeLessThan(intervals.auc!.low);
    expect(wide.auc!.high).toBeGreaterThan(intervals.auc!.high);
  });

  test('more rows give a narrower AUC interval (the interval reflects sampling error)', () => {
    const small = syntheticBinary(200, 3);
    const narrow = intervals.auc!;
    const wide = bootstrapMetricIntervals('binary', small.yTrue, small.scores, {}, settings).auc!;
    expect(wide.high - wide.low).toBeGreaterThan(narrow.high - narrow.low);
  });

  test('resamples in which AUC is undefined are skipped for AUC only', () => {
    // One positive among 6 rows: about (5/6)^6 ≈ 33% of resamples draw no positive and have no AUC;
    // the other metrics are defined in every resample.
    const yTrue = [1, 0, 0, 0, 0, 0];
    const scores = [0.9, 0.2, 0.95, 0.1, 0.3, 0.4];
    const result = bootstrapMetricIntervals('binary', yTrue, scores, {}, { resamples: 200, confidence: 0.9, seed: 1 });
    expect(Object.keys(result).sort()).toEqual([...binaryMetricNames].sort());
    expect(result.auc!.low).toBeGreaterThanOrEqual(0);
    expect(result.auc!.high).toBeLessThanOrEqual(1);
  });

  test('a group with one class has no AUC interval; 0 resamples give no intervals', () => {
    const oneClass = bootstrapMetricIntervals('binary', [0, 0, 0], [0.1, 0.5, 0.7], {}, settings);
    expect(oneClass).not.toHaveProperty('auc');
    expect(oneClass).toHaveProperty('accuracy');
    expect(bootstrapIntervals(prepared, { ...settings, resamples: 0 })).toEqual({});
  });

  test('regression and multiclass intervals contain their point estimates', () => {
    const random = createRandom(11);
    const yTrue = Array.from({ length: 300 }, () => random() * 10);
    const yPred = yTrue.map((y) => y + (random() - 0.5) * 3);
    const regression = bootstrapMetricIntervals('regression', yTrue, yPred, {}, settings);
    const point = prepareMetrics('regression', yTrue, yPred).compute();
    for (const metric of ['mae', 'rmse', 'r2']) {
      expect(regression[metric]!.low).toBeLessThan(point[metric]!);
      expect(regression[metric]!.high).toBeGreaterThan(point[metric]!);
    }
    const labels = Array.from({ length: 300 }, (_, i) => i % 3);
    const probabilities = labels.flatMap((label) => {
      const row = [random(), random(), random()];
      row[label]! += 0.8;
      const sum = row.reduce((a, b) => a + b, 0);
      return row.map((p) => p / sum);
    });
    const multiclass = bootstrapMetricIntervals('multiclass', labels, probabilities, { classCount: 3 }, settings);
    const multiclassPoint = prepareMetrics('multiclass', labels, probabilities, { classCount: 3 }).compute();
    for (const metric of ['accuracy', 'macro_f1', 'log_loss']) {
      expect(multiclass[metric]!.low).toBeLessThan(multiclassPoint[metric]!);
      expect(multiclass[metric]!.high).toBeGreaterThan(multiclassPoint[metric]!);
    }
  });

  test.each([
    [{ resamples: -1, confidence: 0.95, seed: 1 }, /resamples/],
    [{ resamples: 10, confidence: 1.5, seed: 1 }, /confidence/],
    [{ resamples: 10, confidence: 0.95, seed: 0.5 }, /seed/],
  ])('bad settings %j are a ConfigError', (bad, message) => {
    expect(() => bootstrapIntervals(prepared, bad)).toThrow(ConfigError);
    expect(() => bootstrapIntervals(prepared, bad)).toThrow(message);
  });
});

describe('drawSharedResamples (several models on the same draws)', () => {
  const a = prepareMetrics('binary', split.yTrue, split.scores);
  const b = prepareMetrics('binary', split.yTrue, split.worse);

  test('with one model it is exactly the draws behind bootstrapIntervals', () => {
    const draws = drawSharedResamples([a], [...binaryMetricNames], settings);
    expect(resampledIntervals(draws.values[0]!, settings.confidence)).toEqual(bootstrapIntervals(a, settings));
  });

  test('each model scored on the same rows: its values equal its own bootstrap with the same seed', () => {
    const draws = drawSharedResamples([a, b], [...binaryMetricNames], settings);
    expect(draws.resamples).toBe(settings.resamples);
    expect(resampledIntervals(draws.values[1]!, settings.confidence)).toEqual(bootstrapIntervals(b, settings));
  });

  test('a metric undefined on a resample is NaN there and skipped by the intervals', () => {
    // One positive among 6 rows: about a third of resamples draw no positive and have no AUC.
    const one = prepareMetrics('binary', [0, 0, 0, 0, 0, 1], [0.1, 0.2, 0.3, 0.4, 0.5, 0.9]);
    const draws = drawSharedResamples([one], ['auc', 'accuracy'], { resamples: 200, confidence: 0.9, seed: 1 });
    const undefinedAuc = draws.values[0]!.auc!.filter(Number.isNaN).length;
    expect(undefinedAuc).toBeGreaterThan(30);
    expect(definedValues(draws.values[0]!.auc!).length).toBe(200 - undefinedAuc);
    expect(draws.values[0]!.accuracy!.some(Number.isNaN)).toBe(false);
  });

  test('models prepared on different rows are refused', () => {
    expect(() => drawSharedResamples([a, prepareMetrics('binary', [0, 1], [0.2, 0.8])], ['auc'], settings)).toThrow(/same rows/);
  });
});
