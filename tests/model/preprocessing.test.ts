import { describe, expect, test } from 'vitest';
import type { FeatureSpec, TaskSpec } from '../../src/config/schema.js';
import {
  decodeOutputs,
  encodeFeatures,
  encodeTargets,
  fitPreprocessing,
  formatPredictions,
  isOutOfVocabulary,
  parsePreprocessingSpec,
  transformWidth,
  type FeatureRecord,
} from '../../src/model/preprocessing.js';

const features: FeatureSpec[] = [
  { name: 'tenure', type: 'numeric' },
  { name: 'total charges', type: 'numeric' },
  { name: 'Contract', type: 'categorical', vocabulary: ['Month-to-month', 'One year', 'Two year'] },
];
const binary: TaskSpec = { type: 'binary', positive_label: 'Yes', negative_label: 'No', threshold: 0.5 };
const rows: FeatureRecord[] = [
  { tenure: 1, 'total charges': 10, Contract: 'Month-to-month' },
  { tenure: 3, 'total charges': null, Contract: 'Month-to-month' },
  { tenure: 5, 'total charges': 30, Contract: 'One year' },
  { tenure: 7, 'total charges': 40, Contract: 'Month-to-month' },
];
const targets = ['No', 'Yes', 'No', 'Yes'];

describe('fitPreprocessing', () => {
  const spec = fitPreprocessing(features, binary, rows, targets);

  test('learns mean, population std and median from training rows only', () => {
    const tenure = spec.features[0]!;
    expect(tenure).toMatchObject({ type: 'numeric', mean: 4, impute: 4, missing_indicator: false, offset: 0 });
    if (tenure.type === 'numeric') expect(tenure.std).toBeCloseTo(Math.sqrt(5), 12);
    const charges = spec.features[1]!;
    // Missing cells are left out of the statistics and switch on the indicator input.
    expect(charges).toMatchObject({ type: 'numeric', mean: 80 / 3, impute: 30, missing_indicator: true, offset: 1 });
  });

  test('orders the vocabulary by frequency and leaves unseen config values out', () => {
    const contract = spec.features[2]!;
    expect(contract).toMatchObject({ type: 'categorical', vocabulary: ['Month-to-month', 'One year'], offset: 3 });
    expect(spec.input_width).toBe(1 + 2 + 3);
    expect(spec.features.map(transformWidth)).toEqual([1, 2, 3]);
  });

  test('survives a JSON round trip through its schema', () => {
    expect(parsePreprocessingSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    expect(() => parsePreprocessingSpec({ ...spec, input_width: 0 })).toThrow(/input_width/);
  });

  // total charges in training: 10, 30, 40 (one missing) → mean 80/3, population std, median 30.
  const chargesMean = 80 / 3;
  const chargesStd = Math.sqrt(((10 - chargesMean) ** 2 + (30 - chargesMean) ** 2 + (40 - chargesMean) ** 2) / 3);

  test.each([
    ['a known row', { tenure: 4, 'total charges': chargesMean, Contract: 'One year' }, [0, 0, 0, 0, 1, 0]],
    ['a missing number (median, indicator on)', { tenure: 4, 'total charges': null, Contract: 'Month-to-month' }, [0, (30 - chargesMean) / chargesStd, 1, 1, 0, 0]],
    ['an unseen category (out-of-vocabulary slot)', { tenure: 4, 'total charges': chargesMean, Contract: 'Two year' }, [0, 0, 0, 0, 0, 1]],
    ['a missing category (no slot set)', { tenure: 4, 'total charges': chargesMean, Contract: null }, [0, 0, 0, 0, 0, 0]],
  ])('encodes %s', (_name, row, expected) => {
    const encoded = Array.from(encodeFeatures(spec, [row]));
    expect(encoded).toHaveLength(expected.length);
    encoded.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5));
  });

  test('flags out-of-vocabulary values for monitoring', () => {
    expect(isOutOfVocabulary(spec, 'Contract', 'Two year')).toBe(true);
    expect(isOutOfVocabulary(spec, 'Contract', 'One year')).toBe(false);
  });

  test('a constant column gets std 1 instead of dividing by zero', () => {
    const constant = fitPreprocessing([{ name: 'x', type: 'numeric' }], binary, [{ x: 5 }, { x: 5 }], ['No', 'Yes']);
    expect(Array.from(encodeFeatures(constant, [{ x: 5 }, { x: 6 }]))).toEqual([0, 1]);
  });
});

describe('targets', () => {
  test('binary labels become 0/1 and predictions get the label at the threshold', () => {
    const spec = fitPreprocessing(features, { ...binary, threshold: 0.3 }, rows, targets);
    expect(Array.from(encodeTargets(spec, ['No', 'Yes']))).toEqual([0, 1]);
    expect(() => encodeTargets(spec, ['Maybe'])).toThrow(/Maybe/);
    expect(formatPredictions(spec, Float32Array.from([0.29, 0.3]))).toEqual([
      { label: 'No', probability: expect.closeTo(0.29, 6) },
      { label: 'Yes', probability: expect.closeTo(0.3, 6) },
    ]);
  });

  test('multiclass labels become one-hot rows and predictions the most probable class', () => {
    const task: TaskSpec = { type: 'multiclass', classes: ['a', 'b', 'c'] };
    const spec = fitPreprocessing(features, task, rows, ['a', 'b', 'c', 'a']);
    expect(Array.from(encodeTargets(spec, ['c', 'a']))).toEqual([0, 0, 1, 1, 0, 0]);
    const [prediction] = formatPredictions(spec, Float32Array.from([0.2, 0.5, 0.3]));
    expect(prediction).toMatchObject({ label: 'b', probabilities: { a: expect.closeTo(0.2, 6), b: expect.closeTo(0.5, 6), c: expect.closeTo(0.3, 6) } });
  });

  test('regression targets are standardised for training and restored on output', () => {
    const task: TaskSpec = { type: 'regression', target_transform: 'none' };
    const spec = fitPreprocessing(features, task, rows, [100, 200, 300, 400]);
    const encoded = encodeTargets(spec, [100, 400]);
    expect(Array.from(decodeOutputs(spec, encoded))).toEqual([100, 400].map((v) => expect.closeTo(v, 3)));
    expect(formatPredictions(spec, Float32Array.from([250]))).toEqual([{ value: 250 }]);
  });

  test('a log target is standardised on the log scale and restored to target units', () => {
    const task: TaskSpec = { type: 'regression', target_transform: 'log' };
    const values = [100, 1000, 10_000, 100_000];
    const spec = fitPreprocessing(features, task, rows, values);
    expect(spec.target).toMatchObject({ type: 'regression', transform: 'log', mean: expect.closeTo(Math.log(3162.2776601683795), 9) });
    const encoded = encodeTargets(spec, values);
    // Equal ratios are equal steps: the encoding is symmetric around the geometric mean.
    expect(encoded[0]! + encoded[3]!).toBeCloseTo(0, 5);
    expect(encoded[1]! - encoded[0]!).toBeCloseTo(encoded[3]! - encoded[2]!, 5);
    expect(Array.from(decodeOutputs(spec, encoded))).toEqual(values.map((v) => expect.closeTo(v, -Math.log10(v) + 4)));
  });

  test('a stored spec from before target transforms reads as transform none', () => {
    const spec = fitPreprocessing(features, { type: 'regression', target_transform: 'none' }, rows, [1, 2, 3, 4]);
    const { transform: _dropped, ...older } = spec.target as { transform: string };
    expect(parsePreprocessingSpec({ ...spec, target: older }).target).toEqual(spec.target);
  });
});
