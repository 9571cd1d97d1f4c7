import { describe, expect, test } from 'vitest';
import { DataError } from '../../../src/core/errors.js';
import { createMeanFit, createPriorFit, predictMean, predictPrior } from '../../../src/model/baseline/constant-predictor.js';
import { fitFromBlocks, matrixBlocks, type MultiPassFit } from '../../../src/model/baseline/row-blocks.js';
import { loadBaselineReference } from './baseline-reference.js';

const cases = loadBaselineReference();

describe('class prior and mean against scikit-learn 1.2.1 DummyClassifier(strategy="prior") / DummyRegressor()', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const blocks = matrixBlocks(Float64Array.from(c.x_train), Float64Array.from(c.y_train), c.width, 50);
    if (c.task === 'regression') {
      const model = fitFromBlocks(createMeanFit(c.width), blocks);
      expect(model.mean).toBeCloseTo(c.sklearn.mean!, 9);
      expect(Array.from(predictMean(model, 3))).toEqual([model.mean, model.mean, model.mean]);
      return;
    }
    const target = c.task === 'binary' ? ({ type: 'binary' } as const) : ({ type: 'multiclass', classCount: c.classes! } as const);
    const model = fitFromBlocks(createPriorFit(c.width, target), blocks);
    expect(Array.from(model.probabilities)).toEqual(c.sklearn.prior!.map((p) => expect.closeTo(p, 15)));
    const predictions = predictPrior(model, 2);
    expect(Array.from(predictions)).toEqual([...model.probabilities, ...model.probabilities]);
  });
});

describe('bad input', () => {
  test.each([
    ['a label outside 0/1', () => createPriorFit(1, { type: 'binary' }), [0, 3], /Training row 1: the target is 3; expected 0 \(negative\) or 1/],
    ['a class index out of range', () => createPriorFit(1, { type: 'multiclass', classCount: 3 }), [0, 1.5], /the target is 1.5; expected a class index 0..2/],
    ['an infinite regression target', () => createMeanFit(1), [Infinity], /the target is Infinity; regression targets must be finite/],
    ['no rows (prior)', () => createPriorFit(1, { type: 'binary' }), [], /class-prior baseline got no training rows/],
    ['no rows (mean)', () => createMeanFit(1), [], /mean baseline got no training rows/],
  ] as [string, () => MultiPassFit<unknown>, number[], RegExp][])('%s is a DataError', (_name, create, y, message) => {
    const run = () => fitFromBlocks(create(), matrixBlocks(new Float64Array(y.length), Float64Array.from(y), 1));
    expect(run).toThrow(DataError);
    expect(run).toThrow(message);
  });
});
