import { describe, expect, test } from 'vitest';
import { ConfigError, DataError } from '../../../src/core/errors.js';
import { createLogisticFit, fitLogisticRegression, fitLogisticRegressionStreamed, predictLogistic } from '../../../src/model/baseline/logistic-regression.js';
import { matrixBlocks } from '../../../src/model/baseline/row-blocks.js';
import { asyncBlocks, centreIntercepts, coefficientRows, largestDifference, loadBaselineReference } from './baseline-reference.js';

const cases = loadBaselineReference().filter((c) => c.task !== 'regression');
const targetOf = (c: (typeof cases)[number]) =>
  c.task === 'binary' ? ({ type: 'binary' } as const) : ({ type: 'multiclass', classCount: c.classes! } as const);
const fitCase = (c: (typeof cases)[number]) =>
  fitLogisticRegression(Float64Array.from(c.x_train), Float64Array.from(c.y_train), c.width, targetOf(c), { l2: c.l2! });

describe('logistic regression against scikit-learn 1.2.1 LogisticRegression(C = 1 / l2, newton-cg)', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const model = fitCase(c);
    expect(model.converged).toBe(true);
    const sklearn = (c.sklearn.coef as number[][]).map((row, k) => [...row, (c.sklearn.intercept as number[])[k]!]);
    const mine = coefficientRows(model.coefficients, model.outputs);
    // Coefficients reach 17 on the separable case: compare relative to their size.
    const scale = 1 + Math.max(...sklearn.flat().map(Math.abs));
    expect(largestDifference(centreIntercepts(mine), centreIntercepts(sklearn)) / scale).toBeLessThan(1e-8);
    const probabilities = predictLogistic(model, c.x_test);
    c.sklearn.proba_test!.forEach((p, i) => expect(probabilities[i]).toBeCloseTo(p, 9));
  });
});

describe('logistic regression against R 4.2.2: glm(family = binomial) unpenalised, glmnet(alpha = 0) penalised', () => {
  const withR = cases.filter((c) => c.r !== undefined);
  test.each(withR.map((c) => [c.name, c.r!.method, c] as const))('%s: %s', (_name, method, c) => {
    const mine = centreIntercepts(coefficientRows(fitCase(c).coefficients, c.task === 'binary' ? 1 : c.classes!));
    const reference = centreIntercepts(c.r!.coef_with_intercept_last);
    // glm's IRLS converges to machine precision; glmnet's coordinate descent stops near 1e-6.
    expect(largestDifference(mine, reference)).toBeLessThan(method.startsWith('glm(') ? 1e-12 : 1e-5);
  });
});

describe('fitting from blocks', () => {
  const c = cases.find((r) => r.name === 'multiclass_3')!;
  const x = Float64Array.from(c.x_train);
  const y = Float64Array.from(c.y_train);
  const inMemory = fitCase(c);

  test('streamed blocks of any size give exactly the in-memory coefficients', async () => {
    for (const size of [1, 37, 10_000]) {
      const streamed = await fitLogisticRegressionStreamed(asyncBlocks(x, y, c.width, size), c.width, targetOf(c), { l2: c.l2! });
      expect(streamed.coefficients).toEqual(inMemory.coefficients);
      expect(streamed.passes).toBe(inMemory.passes);
    }
  });

  test('Float32 inputs (as encodeFeatures returns them) give the same fit', () => {
    const fromFloat32 = fitLogisticRegression(Float32Array.from(c.x_train), Int32Array.from(c.y_train), c.width, targetOf(c), { l2: c.l2! });
    expect(fromFloat32.coefficients).toEqual(inMemory.coefficients);
  });

  test('one pass per Newton step; the model records them and the rows', () => {
    expect(inMemory).toMatchObject({ kind: 'logistic', outputs: 3, width: c.width, rows: y.length, l2: 1, converged: true });
    expect(inMemory.iterations).toBeGreaterThan(2);
    expect(inMemory.passes).toBe(inMemory.iterations);
    const fit = createLogisticFit(c.width, targetOf(c), { l2: 1 });
    let passes = 0;
    for (let pass = fit.nextPass(); pass; pass = fit.nextPass()) {
      passes++;
      for (const block of matrixBlocks(x, y, c.width)()) pass.add(block);
    }
    expect(passes).toBe(inMemory.passes);
    expect(() => createLogisticFit(c.width, targetOf(c)).model()).toThrow(/not complete/);
  });
});

describe('a step that overshoots is halved (one more pass), and the loss never rises', () => {
  // Six rows with two large outlying inputs and a small penalty (found by a seeded search): some
  // full Newton steps raise the loss here, so the fit must step back.
  const xs = [1.5734, 39.299, 56.543, 1.4034, 0.72227, -0.49183, 0.61993, 1.3128, 0.50208, 1.183, -0.018743, 0.036202];
  const ys = [0, 1, 1, 1, 0, 0];
  const model = fitLogisticRegression(Float64Array.from(xs), Float64Array.from(ys), 2, { type: 'binary' }, { l2: 1e-3, maxIterations: 200 });

  test('converges with more passes than Newton steps', () => {
    expect(model.converged).toBe(true);
    expect(model.passes).toBeGreaterThan(model.iterations);
  });

  test('the result is the optimum: the penalised gradient is zero', () => {
    const p = predictLogistic(model, xs);
    const gradient = [0, 0, 0];
    ys.forEach((y, i) => {
      gradient[0]! += (y - p[i]!) * xs[2 * i]!;
      gradient[1]! += (y - p[i]!) * xs[2 * i + 1]!;
      gradient[2]! += y - p[i]!;
    });
    gradient[0]! -= 1e-3 * model.coefficients[0]!;
    gradient[1]! -= 1e-3 * model.coefficients[1]!;
    for (const g of gradient) expect(Math.abs(g)).toBeLessThan(1e-9);
  });
});

describe('bad input', () => {
  const x = Float64Array.from([0.1, 1, -0.3, 0, 0.5, 1, 0.9, 0]);
  test.each([
    ['a binary label 2', [0, 1, 2, 0], { type: 'binary' } as const, DataError, /Training row 2: the target is 2; expected 0 \(negative\) or 1 \(positive\)/],
    ['a class index out of range', [0, 1, 3, 2], { type: 'multiclass', classCount: 3 } as const, DataError, /Training row 2: the target is 3; expected a class index 0..2/],
    ['one class only', [0, 0, 0, 0], { type: 'binary' } as const, DataError, /hold no row of class positive \(1\): a logistic baseline needs every class/],
    ['a class without rows', [0, 1, 0, 1], { type: 'multiclass', classCount: 3 } as const, DataError, /no row of class index 2/],
    ['no rows', [], { type: 'binary' } as const, DataError, /got no training rows/],
    ['one multiclass class', [0, 0, 0, 0], { type: 'multiclass', classCount: 1 } as const, ConfigError, /at least 2 classes, got 1/],
  ])('%s', (_name, y, target, kind, message) => {
    const inputs = y.length === 0 ? new Float64Array(0) : x;
    expect(() => fitLogisticRegression(inputs, Float64Array.from(y), 2, target)).toThrow(kind);
    expect(() => fitLogisticRegression(inputs, Float64Array.from(y), 2, target)).toThrow(message);
  });

  test('a non-finite input is a DataError naming the row and input', () => {
    const bad = Float64Array.from(x);
    bad[5] = Number.NaN;
    expect(() => fitLogisticRegression(bad, Float64Array.from([0, 1, 0, 1]), 2, { type: 'binary' })).toThrow(/Training row 2, input 1 is NaN/);
  });

  test('collinear inputs without a penalty name the coefficient that cannot be determined', () => {
    // Input 1 is all zeros (an unused out-of-vocabulary slot): no information about its weight.
    const collinear = Float64Array.from([0.1, 0, -0.3, 0, 0.5, 0, 0.9, 0, -1, 0, 2, 0]);
    const y = Float64Array.from([0, 1, 0, 1, 1, 0]);
    expect(() => fitLogisticRegression(collinear, y, 2, { type: 'binary' }, { l2: 0 })).toThrow(
      /cannot determine the coefficient of input 1: the encoded inputs are collinear or constant. Use l2 > 0 \(it is 0\)/,
    );
    expect(fitLogisticRegression(collinear, y, 2, { type: 'binary' }, { l2: 1 }).coefficients[1]).toBe(0);
  });

  test.each([
    [{ l2: -1 }, /l2 must be ≥ 0, got -1/],
    [{ l2: Number.NaN }, /l2 must be ≥ 0, got NaN/],
  ])('options %j are a ConfigError', (options, message) => {
    expect(() => createLogisticFit(2, { type: 'binary' }, options)).toThrow(message);
  });

  test('a width whose Hessian would not fit the memory limit is a ConfigError before any pass', () => {
    expect(() => createLogisticFit(2000, { type: 'multiclass', classCount: 10 })).toThrow(/needs a \d+ MiB Hessian \(limit 256 MiB\)/);
  });

  test('a matrix that is not rows × width is a DataError', () => {
    expect(() => fitLogisticRegression(Float64Array.from([1, 2, 3]), Float64Array.from([0, 1]), 2, { type: 'binary' })).toThrow(
      /3 values but 2 targets × 2 inputs = 4 were expected/,
    );
  });
});
