import { describe, expect, test } from 'vitest';
import { binaryMetricNames } from '../../../src/config/schema.js';
import { ConfigError, DataError } from '../../../src/core/errors.js';
import { createRandom } from '../../../src/core/rng.js';
import { bootstrapIntervals } from '../../../src/evaluation/bootstrap.js';
import { prepareMetrics, type Numbers } from '../../../src/evaluation/metrics.js';
import { delongRegressionPValue, delongTest } from '../../../src/evaluation/stats/delong.js';
import {
  bootstrapRegressionPValue,
  modelIntervals,
  pairedBootstrap,
  testRegression,
  worseningOf,
  type PairedMetricSample,
} from '../../../src/evaluation/stats/paired-bootstrap.js';
import { syntheticBinary } from '../synthetic.js';
import { readReference, type DelongReferenceCase } from './stats-reference.js';

const split = syntheticBinary(600, 11);
const bootstrap = { resamples: 200, confidence: 0.95, seed: 5 };
const binary = { task: 'binary' as const, yTrue: split.yTrue, candidate: split.worse, champion: split.scores, bootstrap };

const computeMetrics = (yTrue: Numbers, predictions: Numbers) => prepareMetrics('binary', yTrue, predictions).compute();

/** The textbook paired bootstrap: copy the drawn rows, score both copies, subtract. Same draws as drawResampleCounts. */
function copyingPairedBootstrap(yTrue: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, resamples: number, seed: number) {
  const random = createRandom(seed);
  const n = yTrue.length;
  const deltas: Record<string, number[]> = {};
  for (let r = 0; r < resamples; r++) {
    const rows = Array.from({ length: n }, () => Math.floor(random() * n));
    const pick = (values: ArrayLike<number>) => rows.map((i) => values[i]!);
    const ma = computeMetrics(pick(yTrue), pick(a));
    const mb = computeMetrics(pick(yTrue), pick(b));
    for (const metric of Object.keys(ma)) (deltas[metric] ??= []).push(ma[metric]! - mb[metric]!);
  }
  return deltas;
}

describe('pairedBootstrap', () => {
  const samples = pairedBootstrap(binary);

  test('matches copying the drawn rows and scoring both models on the copy', () => {
    const reference = copyingPairedBootstrap(split.yTrue, split.worse, split.scores, bootstrap.resamples, bootstrap.seed);
    for (const metric of binaryMetricNames) {
      const sample = samples[metric]!;
      expect(sample.deltas.length).toBe(bootstrap.resamples);
      sample.deltas.forEach((delta, r) => expect(delta).toBeCloseTo(reference[metric]![r]!, 12));
    }
  });

  test('point values are the metrics on all rows', () => {
    const candidate = computeMetrics(split.yTrue, split.worse);
    const champion = computeMetrics(split.yTrue, split.scores);
    for (const metric of binaryMetricNames) {
      expect(samples[metric]!.candidate).toBe(candidate[metric]);
      expect(samples[metric]!.champion).toBe(champion[metric]);
      expect(samples[metric]!.delta).toBe(candidate[metric]! - champion[metric]!);
      expect(samples[metric]!.lowerIsBetter).toBe(metric === 'log_loss' || metric === 'brier');
    }
  });

  test('the same seed gives the same deltas; another seed other deltas', () => {
    expect(pairedBootstrap(binary).auc!.deltas).toEqual(samples.auc!.deltas);
    expect(pairedBootstrap({ ...binary, bootstrap: { ...bootstrap, seed: 6 } }).auc!.deltas).not.toEqual(samples.auc!.deltas);
  });

  test('a model compared with itself has every delta 0: the pairing removes the row-sampling noise', () => {
    const same = pairedBootstrap({ ...binary, candidate: split.scores });
    for (const metric of binaryMetricNames) expect(same[metric]!.deltas.every((d) => d === 0)).toBe(true);
  });

  test('each model\'s own values on the same draws give exactly its separate bootstrap intervals', () => {
    const candidateAlone = bootstrapIntervals(prepareMetrics('binary', split.yTrue, split.worse), bootstrap);
    const championAlone = bootstrapIntervals(prepareMetrics('binary', split.yTrue, split.scores), bootstrap);
    for (const metric of binaryMetricNames) {
      const sample = samples[metric]!;
      sample.deltas.forEach((delta, r) => expect(delta).toBe(sample.candidateValues[r]! - sample.championValues[r]!));
      expect(modelIntervals(sample, 0.95)).toEqual({ candidate: candidateAlone[metric], champion: championAlone[metric] });
    }
  });

  test('only the requested metrics are drawn', () => {
    expect(Object.keys(pairedBootstrap(binary, ['auc', 'log_loss']))).toEqual(['auc', 'log_loss']);
  });

  test.each([
    ['multiclass', { task: 'multiclass' as const, yTrue: [0, 1, 2, 1, 0, 2], options: { classCount: 3 } }, ['accuracy', 'macro_f1', 'log_loss']],
    ['regression', { task: 'regression' as const, yTrue: [1.5, 2, 3.25, 4, 5, 7] }, ['mae', 'rmse', 'r2']],
  ] as const)('%s tasks get their own metrics', (_name, input, metrics) => {
    const width = input.task === 'multiclass' ? 3 : 1;
    const random = createRandom(1);
    const predictions = () => {
      const values = Float64Array.from({ length: input.yTrue.length * width }, () => random());
      if (input.task === 'regression') return values.map((v, i) => input.yTrue[i]! + v - 0.5);
      for (let i = 0; i < input.yTrue.length; i++) {
        const row = values.subarray(i * 3, i * 3 + 3);
        const sum = row.reduce((a, b) => a + b, 0);
        row.forEach((v, c) => (row[c] = v / sum));
      }
      return values;
    };
    const result = pairedBootstrap({ ...input, candidate: predictions(), champion: predictions(), bootstrap });
    expect(Object.keys(result)).toEqual(metrics);
    for (const metric of metrics) expect(result[metric]!.deltas.length + result[metric]!.undefinedResamples).toBe(bootstrap.resamples);
  });
});

describe('resamples where a metric is undefined', () => {
  // 2 positives in 20 rows: about (18/20)^20 ≈ 12% of resamples hold no positive row, so AUC is undefined there.
  const yTrue = Array.from({ length: 20 }, (_, i) => (i === 3 || i === 11 ? 1 : 0));
  const scoresA = yTrue.map((y, i) => (y ? 0.7 : 0.2 + i / 100));
  const scoresB = yTrue.map((y, i) => (y ? 0.6 : 0.25 + i / 90));
  const settings = { resamples: 1000, confidence: 0.95, seed: 2 };
  const samples = pairedBootstrap({ task: 'binary', yTrue, candidate: scoresA, champion: scoresB, bootstrap: settings });

  test('are counted, left out of the deltas, and never crash', () => {
    const auc = samples.auc!;
    expect(auc.undefinedResamples).toBeGreaterThan(60);
    expect(auc.undefinedResamples).toBeLessThan(200);
    expect(auc.deltas.length).toBe(1000 - auc.undefinedResamples);
    expect(auc.deltas.every(Number.isFinite)).toBe(true);
    // Accuracy needs rows, not classes: defined in every resample.
    expect(samples.accuracy!.undefinedResamples).toBe(0);
  });

  test('more than 5% undefined: no p-value to judge on, but the interval and counts are reported', () => {
    const tested = testRegression(samples.auc!, 0.05, 0.95);
    expect(tested.pValue).toBeNull();
    expect(tested.interval).not.toBeNull();
    expect(tested.undefinedResamples).toBe(samples.auc!.undefinedResamples);
    expect(testRegression(samples.accuracy!, 0.05, 0.95).pValue).not.toBeNull();
  });

  test('no rows: every resample undefined, no p-value, no interval', () => {
    const empty = pairedBootstrap({ task: 'binary', yTrue: [], candidate: [], champion: [], bootstrap: settings });
    expect(empty.auc).toMatchObject({ candidate: null, champion: null, delta: null, undefinedResamples: 1000 });
    expect(empty.auc!.deltas.length).toBe(0);
    expect(testRegression(empty.auc!, 0.02, 0.95)).toMatchObject({ pValue: null, interval: null, worsening: null, resamples: 0 });
  });

  test('zero resamples: no p-value (the gate then uses the point rule)', () => {
    const none = pairedBootstrap({ ...binary, bootstrap: { ...bootstrap, resamples: 0 } });
    expect(testRegression(none.auc!, 0.02, 0.95).pValue).toBeNull();
  });
});

describe('bootstrapRegressionPValue: (1 + k) / (1 + B), k = resamples whose worsening ≤ maxRegression', () => {
  const sample = (deltas: number[], lowerIsBetter = false): PairedMetricSample => ({
    metric: lowerIsBetter ? 'log_loss' : 'auc',
    lowerIsBetter,
    candidate: 0.8,
    champion: 0.83,
    delta: -0.03,
    deltas: Float64Array.from(deltas),
    candidateValues: new Float64Array(deltas.length),
    championValues: new Float64Array(deltas.length),
    resamples: deltas.length,
    undefinedResamples: 0,
  });

  test.each([
    // deltas (candidate − champion), lower is better, threshold, expected p
    [[-0.05, -0.04, -0.03, -0.02, -0.01], false, 0.02, (1 + 2) / 6],
    [[-0.05, -0.04, -0.03, -0.02, -0.01], false, 0, 1 / 6],
    [[-0.05, -0.04, -0.03, -0.02, -0.01], false, 0.06, 1],
    // On the threshold counts as within (H0 side): the check is not failed by a tie.
    [[-0.02, -0.02, -0.03], false, 0.02, 3 / 4],
    // A rise of log loss is a worsening.
    [[0.05, 0.04, 0.03, 0.02, 0.01], true, 0.02, 3 / 6],
    [[-0.05, -0.04], true, 0, 1],
  ])('deltas %j (lower is better: %s), threshold %d → p = %d', (deltas, lower, threshold, expected) => {
    expect(bootstrapRegressionPValue(sample(deltas, lower), threshold)).toBeCloseTo(expected, 15);
  });

  test('no defined resample gives null; a negative threshold is an error', () => {
    expect(bootstrapRegressionPValue(sample([]), 0.02)).toBeNull();
    expect(() => bootstrapRegressionPValue(sample([0]), -0.1)).toThrow(/maxRegression must be ≥ 0/);
  });

  test.each([
    [-0.03, false, 0.03],
    [0.03, false, -0.03],
    [0.03, true, 0.03],
  ])('worseningOf(%d, lowerIsBetter %s) = %d', (delta, lower, expected) => {
    expect(worseningOf(delta, lower)).toBe(expected);
  });
});

describe('the bootstrap p-value agrees with DeLong for AUC (two independent methods)', () => {
  // R's correlated_1403 case with model b as the candidate: its AUC fell 0.038 (DeLong se 0.0069).
  const c = readReference<{ cases: DelongReferenceCase[] }>('delong/delong-reference.json').cases.find((r) => r.name === 'correlated_1403')!;
  const samples = pairedBootstrap(
    { task: 'binary', yTrue: c.y_true, candidate: c.scores_b, champion: c.scores_a, bootstrap: { resamples: 2000, confidence: 0.95, seed: 1 } },
    ['auc'],
  );
  const delong = delongTest(c.y_true, c.scores_b, c.scores_a);
  if (!delong.defined) throw new Error(delong.reason);

  test.each([0.01, 0.02, 0.03, 0.038, 0.045, 0.05])('threshold %d', (threshold) => {
    const bootstrapP = testRegression(samples.auc!, threshold, 0.95).pValue!;
    expect(Math.abs(bootstrapP - delongRegressionPValue(delong, threshold))).toBeLessThan(0.03);
  });

  test('the percentile interval of the delta is close to DeLong\'s', () => {
    const interval = testRegression(samples.auc!, 0.02, 0.95).interval!;
    expect(interval.low).toBeCloseTo(delong.interval.low, 2);
    expect(interval.high).toBeCloseTo(delong.interval.high, 2);
  });
});

describe('the test holds its level: a candidate no worse than the champion is rarely flagged', () => {
  // 200 splits where both models are equally good (exchangeable noise): at alpha 0.05 with
  // max_regression 0, about 5% of p-values fall at or below 0.05. A p-value of the wrong side
  // (1 − p) would flag about 50%; an unpaired comparison would almost never flag anything.
  const rejections = { auc: 0, log_loss: 0 };
  const pValues: number[] = [];
  for (let trial = 0; trial < 200; trial++) {
    const random = createRandom(1000 + trial);
    const yTrue = Float64Array.from({ length: 300 }, () => (random() < 0.3 ? 1 : 0));
    const model = () => Float64Array.from(yTrue, (y) => 1 / (1 + Math.exp(-((y ? 1 : -1) + 6 * (random() - 0.5)))));
    const samples = pairedBootstrap(
      { task: 'binary', yTrue, candidate: model(), champion: model(), bootstrap: { resamples: 199, confidence: 0.95, seed: trial } },
      ['auc', 'log_loss'],
    );
    for (const metric of ['auc', 'log_loss'] as const) {
      const p = testRegression(samples[metric]!, 0, 0.95).pValue!;
      if (metric === 'auc') pValues.push(p);
      if (p <= 0.05) rejections[metric]++;
    }
  }

  test.each(['auc', 'log_loss'] as const)('%s: false-alarm rate within 2%–10% at alpha 5%', (metric) => {
    expect(rejections[metric] / 200).toBeGreaterThanOrEqual(0.02);
    expect(rejections[metric] / 200).toBeLessThanOrEqual(0.1);
  });

  test('p-values spread over (0, 1] rather than piling up at one end', () => {
    const median = [...pValues].sort((a, b) => a - b)[100]!;
    expect(median).toBeGreaterThan(0.3);
    expect(median).toBeLessThan(0.7);
  });
});

describe('bad input', () => {
  test('an unknown metric is a ConfigError naming the task\'s metrics', () => {
    expect(() => pairedBootstrap(binary, ['auc', 'r2'])).toThrow(ConfigError);
    expect(() => pairedBootstrap(binary, ['r2'])).toThrow(/'r2' is not a binary metric; use one of auc, accuracy/);
  });

  test('a bad prediction is a DataError naming the row', () => {
    const broken = Float64Array.from(split.scores);
    broken[7] = 1.5;
    expect(() => pairedBootstrap({ ...binary, champion: broken })).toThrow(DataError);
    expect(() => pairedBootstrap({ ...binary, champion: broken })).toThrow(/predictions\[7\] is 1.5/);
  });

  test('bad settings are a ConfigError', () => {
    expect(() => pairedBootstrap({ ...binary, bootstrap: { ...bootstrap, resamples: -1 } })).toThrow(/resamples must be a whole number/);
  });
});
