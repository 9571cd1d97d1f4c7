import type { TaskType } from '../config/schema.js';
import { DataError } from '../core/errors.js';
import { defaultThreshold, prepareBinary } from './metrics-binary.js';
import { prepareMulticlass } from './metrics-multiclass.js';
import { prepareRegression } from './metrics-regression.js';
import type { Numbers, PreparedMetrics } from './metrics-shared.js';

/**
 * Model-quality metrics: `prepareMetrics` is the one way to compute them, checked against
 * scikit-learn 1.2 reference values (tests/fixtures/reference). Every metric also takes optional
 * per-row weights: the bootstrap resamples rows by drawing counts (row i drawn c_i times ⇔
 * weight c_i), which gives the same value as copying rows, without copying or re-sorting anything.
 *
 * Prediction representation, one per task (each in its own module):
 * - binary (metrics-binary.ts): P(positive class) per row, in [0, 1]; `yTrue` is 0 (negative) or 1 (positive);
 * - multiclass (metrics-multiclass.ts): row-major probabilities, `classCount` columns per row
 *   (`predictions[i * k + c]`); `yTrue` is the class index in 0..k-1;
 * - regression (metrics-regression.ts): the predicted value per row; `yTrue` is the observed value.
 */

export type { Numbers, PreparedMetrics } from './metrics-shared.js';
export { defaultThreshold } from './metrics-binary.js';

/** Options that decide how predictions are read. */
export interface MetricOptions {
  /** Binary: probability at or above which a row is predicted positive (default 0.5). */
  threshold?: number;
  /** Multiclass: number of classes, i.e. probability columns per row (required for multiclass). */
  classCount?: number;
}

/**
 * Checks predictions against the task's representation (see the module comment) and prepares them
 * for repeated metric computation; `compute()` then gives every metric of the task (names from
 * src/config/schema.ts) on all rows, or under row weights. A metric that is undefined for the rows
 * (AUC with one class; anything with no rows) is omitted, never NaN. Throws a DataError naming the
 * first bad row.
 */
export function prepareMetrics(task: TaskType, yTrue: Numbers, predictions: Numbers, options: MetricOptions = {}): PreparedMetrics {
  if (task === 'binary') return prepareBinary(yTrue, predictions, options.threshold ?? defaultThreshold);
  if (task === 'multiclass') {
    if (options.classCount === undefined || !Number.isInteger(options.classCount) || options.classCount < 2) {
      throw new DataError(`Multiclass metrics need classCount (the number of probability columns), got ${String(options.classCount)}`);
    }
    return prepareMulticlass(yTrue, predictions, options.classCount);
  }
  return prepareRegression(yTrue, predictions);
}
