import { describe, expect, test } from 'vitest';
import { ConfigError, DataError } from '../../../src/core/errors.js';
import { createRidgeFit, fitRidgeRegression, fitRidgeRegressionStreamed, predictRidge } from '../../../src/model/baseline/ridge-regression.js';
import { asyncBlocks, loadBaselineReference } from './baseline-reference.js';

const cases = loadBaselineReference().filter((c) => c.task === 'regression');
const fitCase = (c: (typeof cases)[number]) => fitRidgeRegression(Float64Array.from(c.x_train), Float64Array.from(c.y_train), c.width, { alpha: c.alpha! });

describe('ridge regression against scikit-learn 1.2.1 Ridge(alpha, solver="cholesky") / LinearRegression', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const model = fitCase(c);
    const expected = [...(c.sklearn.coef as number[]), c.sklearn.intercept as number];
    // Targets around 100,000: compare relative to the coefficients' size.
    const scale = 1 + Math.max(...expected.map(Math.abs));
    expected.forEach((value, j) => expect(Math.abs(model.coefficients[j]! - value) / scale).toBeLessThan(1e-12));
    const predictions = predictRidge(model, c.x_test);
    c.sklearn.predict_test!.forEach((value, i) => expect(Math.abs(predictions[i]! - value) / scale).toBeLessThan(1e-12));
  });
});

describe('ridge regression against R 4.2.2: lm(y ~ x) and the centred normal equations', () => {
  test.each(cases.filter((c) => c.r).map((c) => [c.name, c.r!.method, c] as const))('%s: %s', (_name, _method, c) => {
    const model = fitCase(c);
    const expected = c.r!.coef_with_intercept_last[0]!;
    const scale = 1 + Math.max(...expected.map(Math.abs));
    expected.forEach((value, j) => expect(Math.abs(model.coefficients[j]! - value) / scale).toBeLessThan(1e-12));
  });
});

describe('fitting from blocks', () => {
  const c = cases.find((r) => r.name === 'ridge_one_hot')!;
  const x = Float64Array.from(c.x_train);
  const y = Float64Array.from(c.y_train);

  test('one streamed pass in blocks of any size gives exactly the in-memory coefficients', async () => {
    const inMemory = fitCase(c);
    for (const size of [1, 29, 10_000]) {
      const streamed = await fitRidgeRegressionStreamed(asyncBlocks(x, y, c.width, size), c.width, { alpha: c.alpha! });
      expect(streamed.coefficients).toEqual(inMemory.coefficients);
    }
    expect(inMemory).toMatchObject({ kind: 'ridge', width: c.width, alpha: 10, rows: y.length });
  });

  test('one pass only', () => {
    const fit = createRidgeFit(c.width, { alpha: 1 });
    const first = fit.nextPass()!;
    first.add({ x, y, rows: y.length });
    expect(fit.nextPass()).toBeNull();
    expect(fit.nextPass()).toBeNull();
    expect(fit.model().coefficients).toHaveLength(c.width + 1);
  });
});

describe('bad input', () => {
  test('one-hot blocks that sum to the intercept need alpha > 0: the error names the coefficient', () => {
    const c = cases.find((r) => r.name === 'ridge_one_hot')!;
    expect(() => fitRidgeRegression(Float64Array.from(c.x_train), Float64Array.from(c.y_train), c.width, { alpha: 0 })).toThrow(
      /cannot determine the coefficient of (input \d+|the intercept): the encoded inputs are collinear or constant. Use alpha > 0 \(it is 0\)/,
    );
  });

  test.each([
    ['a non-finite target', [1, Number.NaN], /Training row 1: the target is NaN; regression targets must be finite numbers/],
    ['no rows', [], /The ridge baseline got no training rows/],
  ])('%s is a DataError', (_name, y, message) => {
    const x = new Float64Array(y.length).fill(1);
    expect(() => fitRidgeRegression(x, Float64Array.from(y), 1)).toThrow(DataError);
    expect(() => fitRidgeRegression(x, Float64Array.from(y), 1)).toThrow(message);
  });

  test.each([
    [0, {}, /at least one input column, got width 0/],
    [2, { alpha: -1 }, /alpha must be ≥ 0, got -1/],
  ])('width %d with %j is a ConfigError', (width, options, message) => {
    expect(() => createRidgeFit(width, options)).toThrow(ConfigError);
    expect(() => createRidgeFit(width, options)).toThrow(message);
  });
});
