import type { TaskType } from '../config/schema.js';
import { DataError } from '../core/errors.js';

/**
 * What every task's metrics share: the array type, row weights, probability clipping, the
 * prepared-metrics shape and the input length check. The task modules (metrics-binary.ts,
 * metrics-multiclass.ts, metrics-regression.ts) build on these; metrics.ts is the API.
 */

/** Numbers in any array form: `number[]`, `Float32Array`, `Float64Array`, ... */
export type Numbers = ArrayLike<number>;

/** Probabilities are clipped to [eps, 1 − eps] before log loss, as scikit-learn's default `eps=1e-15`. */
export const logLossEpsilon = 1e-15;

/**
 * Predictions checked and preprocessed once (sorted scores, per-row losses) so that every metric of
 * the task can be computed repeatedly under different row weights: the bootstrap's inner loop.
 */
export interface PreparedMetrics {
  task: TaskType;
  /** Number of rows. */
  rows: number;
  /** Every metric of the task under the given row weights (default: each row once); undefined metrics are absent. */
  compute(weights?: Numbers): Record<string, number>;
}

/** Weight of row i: 1 when no weights are given. */
export function weightAt(weights: Numbers | undefined, i: number): number {
  return weights === undefined ? 1 : weights[i]!;
}

/** Weighted mean of `values`; undefined when the total weight is 0 (no rows). */
export function weightedMean(values: Numbers, weights?: Numbers): number | undefined {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const w = weightAt(weights, i);
    if (w === 0) continue;
    sum += w * values[i]!;
    total += w;
  }
  return total > 0 ? sum / total : undefined;
}

/** A probability clipped to [1e-15, 1 − 1e-15], as sklearn's `log_loss` clips before taking logs. */
export function clipProbability(p: number): number {
  return Math.min(Math.max(p, logLossEpsilon), 1 - logLossEpsilon);
}

/** Sets `target[name]` only for a finite value: an undefined metric is absent, never NaN. */
export function setDefined(target: Record<string, number>, name: string, value: number | undefined): void {
  if (value !== undefined && Number.isFinite(value)) target[name] = value;
}

/**
 * Confusion matrix of class indices: `matrix[t][p]` counts rows of true class t predicted as p.
 * For binary use labels 0 (negative) and 1 (positive): `[[tn, fp], [fn, tp]]`.
 */
export function confusionMatrix(yTrue: Numbers, yPred: Numbers, classCount: number): number[][] {
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < yTrue.length; i++) matrix[yTrue[i]!]![yPred[i]!]! += 1;
  return matrix;
}

/** Throws a DataError unless there are `width` predictions per row of yTrue. */
export function checkLengths(task: TaskType, rows: number, predictionLength: number, width: number): void {
  if (predictionLength !== rows * width) {
    const expected = width === 1 ? `${rows}` : `${rows} rows × ${width} classes = ${rows * width}`;
    throw new DataError(`${task} predictions have ${predictionLength} values but ${expected} were expected (one per row of yTrue${width === 1 ? '' : ' and class'})`);
  }
}
