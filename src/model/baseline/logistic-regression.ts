import { ConfigError, DataError } from '../../core/errors.js';
import { choleskyFactor, choleskySolve } from './cholesky.js';
import { fitFromBlocks, fitFromSource, forEachCheckedRow, gatherNonZeroInputs, matrixBlocks, type BlockAccumulator, type MultiPassFit, type Numbers, type RowBlock, type RowBlockSource } from './row-blocks.js';

/**
 * L2-penalised logistic regression fitted by Newton's method (iteratively reweighted least
 * squares), one pass over the rows per iteration: each pass accumulates the loss, the gradient
 * X̃ᵀ(y − p) and the Hessian X̃ᵀWX̃ at the current coefficients (X̃ = inputs plus a constant 1 for
 * the intercept), exploiting the zeros of one-hot inputs, then one Cholesky solve gives the step.
 * Memory is O((k·(d + 1))²) for d inputs and k outputs, whatever the number of rows.
 *
 * It minimises Σᵢ −log P(yᵢ | xᵢ) + (l2 / 2)·Σ‖wₖ‖² with intercepts unpenalised: scikit-learn's
 * `LogisticRegression(C = 1 / l2)` (its default C = 1 is l2 = 1). Binary targets use one sigmoid
 * output; multiclass targets use softmax over one coefficient vector per class, as scikit-learn's
 * multinomial model does. Steps that would increase the loss are halved (each halving is one more
 * pass), so the loss never rises.
 */

/** Which kind of target the model predicts. */
export type LogisticTarget = { type: 'binary' } | { type: 'multiclass'; classCount: number };

/** How the fit is run. */
export interface LogisticOptions {
  /** L2 penalty on the weights (not the intercepts), on the summed loss: scikit-learn's 1 / C. Default 1. */
  l2?: number;
  /** Newton iterations before giving up (the model is returned with `converged: false`). Default 50. */
  maxIterations?: number;
  /** Converged when no coefficient moves by more than tolerance · (1 + largest |coefficient|). Default 1e-8. */
  tolerance?: number;
}

/** A fitted logistic regression. */
export interface LogisticModel {
  kind: 'logistic';
  target: LogisticTarget;
  /** Encoded inputs per row. */
  width: number;
  /** Outputs: 1 (binary, P(positive) by a sigmoid) or the class count (softmax). */
  outputs: number;
  /** Row-major outputs × (width + 1): each output's weights, then its intercept. */
  coefficients: Float64Array;
  l2: number;
  /** Newton steps taken. */
  iterations: number;
  /** Passes over the rows (steps plus halvings). */
  passes: number;
  converged: boolean;
  /** The penalised loss at the returned coefficients' last evaluated point. */
  loss: number;
  /** Training rows seen in one pass. */
  rows: number;
}

/** Largest Hessian the fit will allocate (its size grows with (outputs · (width + 1))²). */
export const maxLogisticHessianBytes = 256 * 1024 * 1024;

const defaults = { l2: 1, maxIterations: 50, tolerance: 1e-8 };

/** Step halvings after which a rising loss is taken as floating-point noise at the optimum. */
const maxHalvings = 30;

function outputCount(target: LogisticTarget): number {
  if (target.type === 'binary') return 1;
  if (!Number.isInteger(target.classCount) || target.classCount < 2) {
    throw new ConfigError(`A multiclass logistic regression needs at least 2 classes, got ${target.classCount}`);
  }
  return target.classCount;
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** 1 / (1 + e^−z) without overflow. */
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Sums of one pass at fixed coefficients. */
class NewtonPass implements BlockAccumulator {
  loss = 0;
  rows = 0;
  readonly gradient: Float64Array;
  readonly hessian: Float64Array;
  readonly classCounts: Float64Array;
  private readonly active: Int32Array;
  private readonly values: Float64Array;
  private readonly z: Float64Array;
  private readonly p: Float64Array;

  constructor(
    private readonly theta: Float64Array,
    private readonly width: number,
    private readonly outputs: number,
    classCount: number,
  ) {
    const size = outputs * (width + 1);
    this.gradient = new Float64Array(size);
    this.hessian = new Float64Array(size * size);
    this.classCounts = new Float64Array(classCount);
    this.active = new Int32Array(width + 1);
    this.values = new Float64Array(width + 1);
    this.z = new Float64Array(outputs);
    this.p = new Float64Array(outputs);
  }

  add(block: RowBlock): void {
    const { width, outputs, theta, active, values, z, p, gradient, hessian } = this;
    const stride = width + 1;
    const size = outputs * stride;
    forEachCheckedRow(block, width, this.rows, (r, row) => {
      const y = block.y[r]!;
      this.checkLabel(y, row);
      this.classCounts[y]! += 1;
      const count = gatherNonZeroInputs(block.x, r * width, width, active, values);
      for (let k = 0; k < outputs; k++) {
        let sum = 0;
        for (let a = 0; a < count; a++) sum += theta[k * stride + active[a]!]! * values[a]!;
        z[k] = sum;
      }
      if (outputs === 1) {
        p[0] = sigmoid(z[0]!);
        this.loss += softplus(z[0]!) - y * z[0]!;
      } else {
        let max = -Infinity;
        for (let k = 0; k < outputs; k++) max = Math.max(max, z[k]!);
        let total = 0;
        for (let k = 0; k < outputs; k++) total += Math.exp(z[k]! - max);
        for (let k = 0; k < outputs; k++) p[k] = Math.exp(z[k]! - max) / total;
        this.loss += max + Math.log(total) - z[y]!;
      }
      for (let k = 0; k < outputs; k++) {
        const residual = (outputs === 1 ? y : y === k ? 1 : 0) - p[k]!;
        for (let a = 0; a < count; a++) gradient[k * stride + active[a]!]! += residual * values[a]!;
      }
      // Hessian blocks p_k (δ_kl − p_l) (binary: p (1 − p)); only column pairs a ≤ b are summed here, the rest is mirrored later.
      for (let k = 0; k < outputs; k++) {
        for (let l = 0; l < outputs; l++) {
          const w = outputs === 1 ? p[0]! * (1 - p[0]!) : p[k]! * ((k === l ? 1 : 0) - p[l]!);
          if (w === 0) continue;
          for (let a = 0; a < count; a++) {
            const rowIndex = (k * stride + active[a]!) * size + l * stride;
            const wa = w * values[a]!;
            for (let b = a; b < count; b++) hessian[rowIndex + active[b]!]! += wa * values[b]!;
          }
        }
      }
    });
    this.rows += block.rows;
  }

  private checkLabel(y: number, row: number): void {
    const classes = this.classCounts.length;
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      const expected = this.outputs === 1 ? '0 (negative) or 1 (positive)' : `a class index 0..${classes - 1}`;
      throw new DataError(`Training row ${row}: the target is ${y}; expected ${expected}`);
    }
  }

  /** Copies each summed (a < b) entry to its mirror (b, a) so the Hessian is full. */
  symmetrise(): void {
    const stride = this.width + 1;
    const size = this.outputs * stride;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        if (i % stride < j % stride) this.hessian[j * size + i] = this.hessian[i * size + j]!;
      }
    }
  }
}

/**
 * Logistic regression as a multi-pass fit (see row-blocks.ts): feed it every training block once
 * per pass until `nextPass()` returns null. Throws a DataError when a class has no training row
 * (its intercept would run off to −∞) or when the inputs leave a coefficient undetermined with l2 = 0.
 */
export function createLogisticFit(width: number, target: LogisticTarget, options: LogisticOptions = {}): MultiPassFit<LogisticModel> {
  const settings = { ...defaults, ...options };
  if (!Number.isInteger(width) || width < 1) throw new ConfigError(`A logistic regression needs at least one input column, got width ${width}`);
  if (!(settings.l2 >= 0)) throw new ConfigError(`The logistic baseline's l2 must be ≥ 0, got ${settings.l2}`);
  const outputs = outputCount(target);
  const classCount = target.type === 'binary' ? 2 : target.classCount;
  const stride = width + 1;
  const size = outputs * stride;
  if (size * size * 8 > maxLogisticHessianBytes) {
    throw new ConfigError(
      `A logistic baseline over ${width} inputs and ${outputs} output${outputs === 1 ? '' : 's'} needs a ${Math.round((size * size * 8) / 2 ** 20)} MiB Hessian (limit ${maxLogisticHessianBytes / 2 ** 20} MiB); reduce the encoded width (fewer one-hot values)`,
    );
  }

  let theta: Float64Array = new Float64Array(size);
  let accepted: { theta: Float64Array; loss: number } | null = null;
  let pass: NewtonPass | null = null;
  let iterations = 0;
  let passes = 0;
  let halvings = 0;
  let converged = false;
  let done = false;
  let rows = 0;

  /** Adds the penalty's loss, gradient and Hessian terms at theta. */
  const penalise = (current: NewtonPass): number => {
    let penalty = 0;
    for (let k = 0; k < outputs; k++) {
      for (let j = 0; j < width; j++) {
        const index = k * stride + j;
        penalty += 0.5 * settings.l2 * theta[index]! ** 2;
        current.gradient[index]! -= settings.l2 * theta[index]!;
        current.hessian[index * size + index]! += settings.l2;
      }
    }
    if (outputs > 1) {
      // Softmax is unchanged when one vector is added to every class's coefficients; ½·Σⱼ(Σₖ θₖⱼ)² pins
      // that direction at Σₖ θₖⱼ = 0, where the penalised optimum already lies, so the optimum is unchanged.
      for (let j = 0; j < stride; j++) {
        let sum = 0;
        for (let k = 0; k < outputs; k++) sum += theta[k * stride + j]!;
        penalty += 0.5 * sum * sum;
        for (let k = 0; k < outputs; k++) {
          current.gradient[k * stride + j]! -= sum;
          for (let l = 0; l < outputs; l++) current.hessian[(k * stride + j) * size + l * stride + j]! += 1;
        }
      }
    }
    return penalty;
  };

  const checkClasses = (counts: Float64Array): void => {
    const missing = counts.findIndex((count) => count === 0);
    if (missing < 0) return;
    const which = target.type === 'binary' ? (missing === 1 ? 'positive (1)' : 'negative (0)') : `index ${missing}`;
    throw new DataError(
      counts.reduce((a, b) => a + b, 0) === 0
        ? 'The logistic baseline got no training rows'
        : `The training rows hold no row of class ${which}: a logistic baseline needs every class in training`,
    );
  };

  const newtonStep = (current: NewtonPass): Float64Array => {
    current.symmetrise();
    const failed = choleskyFactor(current.hessian, size);
    if (failed >= 0) {
      const column = failed % stride;
      throw new DataError(
        `The logistic baseline cannot determine the coefficient of ${column === width ? 'the intercept' : `input ${column}`}` +
          `${outputs > 1 ? ` for class ${Math.floor(failed / stride)}` : ''}: the encoded inputs are collinear or constant. Use l2 > 0 (it is ${settings.l2}).`,
      );
    }
    return choleskySolve(current.hessian, size, current.gradient);
  };

  const digest = (current: NewtonPass): void => {
    passes++;
    if (accepted === null) {
      rows = current.rows;
      checkClasses(current.classCounts);
    }
    const loss = current.loss + penalise(current);
    if (accepted !== null && !(loss <= accepted.loss + 1e-12 * Math.max(1, Math.abs(accepted.loss)))) {
      // The full step overshot: go back halfway towards the last accepted point.
      if (++halvings > maxHalvings) {
        theta = accepted.theta;
        converged = true;
        done = true;
        return;
      }
      for (let i = 0; i < size; i++) theta[i] = accepted.theta[i]! + 0.5 * (theta[i]! - accepted.theta[i]!);
      return;
    }
    halvings = 0;
    accepted = { theta: Float64Array.from(theta), loss };
    const step = newtonStep(current);
    iterations++;
    let largestStep = 0;
    let largestValue = 0;
    for (let i = 0; i < size; i++) {
      largestStep = Math.max(largestStep, Math.abs(step[i]!));
      largestValue = Math.max(largestValue, Math.abs(theta[i]!));
    }
    for (let i = 0; i < size; i++) theta[i]! += step[i]!;
    if (largestStep <= settings.tolerance * (1 + largestValue)) {
      converged = true;
      done = true;
    } else if (iterations >= settings.maxIterations) {
      done = true;
    }
  };

  return {
    nextPass() {
      if (pass) digest(pass);
      pass = done ? null : new NewtonPass(theta, width, outputs, classCount);
      return pass;
    },
    model() {
      if (!done) throw new Error('The logistic fit is not complete: call nextPass() until it returns null');
      return {
        kind: 'logistic',
        target,
        width,
        outputs,
        coefficients: theta,
        l2: settings.l2,
        iterations,
        passes,
        converged,
        loss: accepted?.loss ?? Number.NaN,
        rows,
      };
    },
  };
}

/** Fits a logistic regression on an in-memory row-major matrix (`y`: 0/1 or class indices). */
export function fitLogisticRegression(
  x: Float32Array | Float64Array,
  y: Float32Array | Float64Array | Uint8Array | Int32Array | Uint32Array,
  width: number,
  target: LogisticTarget,
  options: LogisticOptions = {},
): LogisticModel {
  return fitFromBlocks(createLogisticFit(width, target, options), matrixBlocks(x, y, width));
}

/** Fits a logistic regression on rows streamed block by block, one read of the source per pass. */
export function fitLogisticRegressionStreamed(source: RowBlockSource, width: number, target: LogisticTarget, options: LogisticOptions = {}): Promise<LogisticModel> {
  return fitFromSource(createLogisticFit(width, target, options), source);
}

/**
 * Predictions for rows of encoded inputs (row-major, `model.width` per row): binary P(positive)
 * per row; multiclass row-major probabilities, one column per class. Float64.
 */
export function predictLogistic(model: LogisticModel, x: Numbers): Float64Array {
  const { width, outputs, coefficients } = model;
  const stride = width + 1;
  if (x.length % width !== 0) throw new DataError(`The input matrix has ${x.length} values, not a whole number of rows of ${width}`);
  const rows = x.length / width;
  const out = new Float64Array(rows * outputs);
  const z = new Float64Array(outputs);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < outputs; k++) {
      let sum = coefficients[k * stride + width]!;
      for (let j = 0; j < width; j++) sum += coefficients[k * stride + j]! * x[r * width + j]!;
      z[k] = sum;
    }
    if (outputs === 1) {
      out[r] = sigmoid(z[0]!);
      continue;
    }
    let max = -Infinity;
    for (let k = 0; k < outputs; k++) max = Math.max(max, z[k]!);
    let total = 0;
    for (let k = 0; k < outputs; k++) total += Math.exp(z[k]! - max);
    for (let k = 0; k < outputs; k++) out[r * outputs + k] = Math.exp(z[k]! - max) / total;
  }
  return out;
}
