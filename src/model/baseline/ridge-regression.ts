import { ConfigError, DataError } from '../../core/errors.js';
import { choleskyFactor, choleskySolve } from './cholesky.js';
import { fitFromBlocks, fitFromSource, forEachCheckedRow, gatherNonZeroInputs, matrixBlocks, type BlockAccumulator, type MultiPassFit, type Numbers, type RowBlock, type RowBlockSource } from './row-blocks.js';

/**
 * Ridge regression in closed form: one pass accumulates X̃ᵀX̃ and X̃ᵀy (X̃ = inputs plus a constant
 * 1 for the intercept, zeros of one-hot inputs skipped), then one Cholesky solve of
 * (X̃ᵀX̃ + alpha·I′)·θ = X̃ᵀy, where I′ leaves the intercept unpenalised. This is scikit-learn's
 * `Ridge(alpha)` with `fit_intercept=True` (its default alpha is 1); alpha = 0 is ordinary least
 * squares. Memory is O((d + 1)²) for d inputs, whatever the number of rows.
 */

/** A fitted ridge regression. */
export interface RidgeModel {
  kind: 'ridge';
  width: number;
  /** The weights, then the intercept (width + 1 values). */
  coefficients: Float64Array;
  alpha: number;
  /** Training rows. */
  rows: number;
}

/** How the fit is run. */
export interface RidgeOptions {
  /** L2 penalty on the weights (not the intercept), scikit-learn's `alpha`. Default 1. */
  alpha?: number;
}

class NormalEquations implements BlockAccumulator {
  rows = 0;
  readonly gram: Float64Array;
  readonly moment: Float64Array;
  private readonly active: Int32Array;
  private readonly values: Float64Array;

  constructor(private readonly width: number) {
    this.gram = new Float64Array((width + 1) ** 2);
    this.moment = new Float64Array(width + 1);
    this.active = new Int32Array(width + 1);
    this.values = new Float64Array(width + 1);
  }

  add(block: RowBlock): void {
    const { width, active, values, gram, moment } = this;
    const size = width + 1;
    forEachCheckedRow(block, width, this.rows, (r, row) => {
      const y = block.y[r]!;
      if (!Number.isFinite(y)) throw new DataError(`Training row ${row}: the target is ${y}; regression targets must be finite numbers`);
      const count = gatherNonZeroInputs(block.x, r * width, width, active, values);
      for (let a = 0; a < count; a++) {
        const va = values[a]!;
        moment[active[a]!]! += va * y;
        const rowIndex = active[a]! * size;
        for (let b = a; b < count; b++) gram[rowIndex + active[b]!]! += va * values[b]!;
      }
    });
    this.rows += block.rows;
  }
}

/** Ridge regression as a one-pass fit (see row-blocks.ts). */
export function createRidgeFit(width: number, options: RidgeOptions = {}): MultiPassFit<RidgeModel> {
  const alpha = options.alpha ?? 1;
  if (!Number.isInteger(width) || width < 1) throw new ConfigError(`A ridge regression needs at least one input column, got width ${width}`);
  if (!(alpha >= 0)) throw new ConfigError(`The ridge baseline's alpha must be ≥ 0, got ${alpha}`);
  let pass: NormalEquations | null = null;
  let model: RidgeModel | null = null;

  const solve = (equations: NormalEquations): RidgeModel => {
    if (equations.rows === 0) throw new DataError('The ridge baseline got no training rows');
    const size = width + 1;
    const { gram } = equations;
    for (let i = 0; i < size; i++) {
      for (let j = i + 1; j < size; j++) gram[j * size + i] = gram[i * size + j]!;
    }
    for (let j = 0; j < width; j++) gram[j * size + j]! += alpha;
    const failed = choleskyFactor(gram, size);
    if (failed >= 0) {
      throw new DataError(
        `The ridge baseline cannot determine the coefficient of ${failed === width ? 'the intercept' : `input ${failed}`}: the encoded inputs are collinear or constant. Use alpha > 0 (it is ${alpha}).`,
      );
    }
    return { kind: 'ridge', width, coefficients: choleskySolve(gram, size, equations.moment), alpha, rows: equations.rows };
  };

  return {
    nextPass() {
      if (model) return null;
      if (pass) {
        model = solve(pass);
        return null;
      }
      pass = new NormalEquations(width);
      return pass;
    },
    model() {
      if (!model) throw new Error('The ridge fit is not complete: call nextPass() until it returns null');
      return model;
    },
  };
}

/** Fits a ridge regression on an in-memory row-major matrix. */
export function fitRidgeRegression(x: Float32Array | Float64Array, y: Float32Array | Float64Array, width: number, options: RidgeOptions = {}): RidgeModel {
  return fitFromBlocks(createRidgeFit(width, options), matrixBlocks(x, y, width));
}

/** Fits a ridge regression on rows streamed block by block (one pass). */
export function fitRidgeRegressionStreamed(source: RowBlockSource, width: number, options: RidgeOptions = {}): Promise<RidgeModel> {
  return fitFromSource(createRidgeFit(width, options), source);
}

/** Predicted values for rows of encoded inputs (row-major, `model.width` per row). Float64. */
export function predictRidge(model: RidgeModel, x: Numbers): Float64Array {
  const { width, coefficients } = model;
  if (x.length % width !== 0) throw new DataError(`The input matrix has ${x.length} values, not a whole number of rows of ${width}`);
  const rows = x.length / width;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = coefficients[width]!;
    for (let j = 0; j < width; j++) sum += coefficients[j]! * x[r * width + j]!;
    out[r] = sum;
  }
  return out;
}
