import { DataError } from '../core/errors.js';
import { checkLengths, setDefined, weightAt, weightedMean, type Numbers, type PreparedMetrics } from './metrics-shared.js';

/** Regression: MAE, RMSE and R² of predicted values against observed ones, matching scikit-learn 1.2. */

/**
 * Coefficient of determination 1 − SS_res / SS_tot, like sklearn `r2_score` (force_finite=True):
 * when yTrue is constant (SS_tot = 0) it is 1.0 if every prediction is exact and 0.0 otherwise,
 * never NaN or −∞. "Constant" is decided by comparing values, not by a rounded variance.
 * Undefined with no rows.
 */
function r2Score(yTrue: Numbers, yPred: Numbers, weights?: Numbers): number | undefined {
  const mean = weightedMean(yTrue, weights);
  if (mean === undefined) return undefined;
  let residual = 0;
  let total = 0;
  let first: number | undefined;
  let constant = true;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weightAt(weights, i);
    if (w === 0) continue;
    const y = yTrue[i]!;
    if (first === undefined) first = y;
    else if (y !== first) constant = false;
    residual += w * (y - yPred[i]!) ** 2;
    total += w * (y - mean) ** 2;
  }
  if (constant || total === 0) return residual === 0 ? 1 : 0;
  return 1 - residual / total;
}

/** Checks regression values (all finite) and prepares per-row absolute and squared errors. */
export function prepareRegression(yTrue: Numbers, yPred: Numbers): PreparedMetrics {
  checkLengths('regression', yTrue.length, yPred.length, 1);
  for (let i = 0; i < yTrue.length; i++) {
    if (!Number.isFinite(yTrue[i]!)) throw new DataError(`yTrue[${i}] is ${yTrue[i]}; regression targets must be finite numbers`);
    if (!Number.isFinite(yPred[i]!)) throw new DataError(`predictions[${i}] is ${yPred[i]}; regression predictions must be finite numbers`);
  }
  const observed = Float64Array.from(yTrue);
  const predicted = Float64Array.from(yPred);
  const absolute = Float64Array.from({ length: observed.length }, (_, i) => Math.abs(observed[i]! - predicted[i]!));
  const squared = Float64Array.from({ length: observed.length }, (_, i) => (observed[i]! - predicted[i]!) ** 2);
  return {
    task: 'regression',
    rows: observed.length,
    compute(weights) {
      const metrics: Record<string, number> = {};
      setDefined(metrics, 'mae', weightedMean(absolute, weights));
      const mse = weightedMean(squared, weights);
      setDefined(metrics, 'rmse', mse === undefined ? undefined : Math.sqrt(mse));
      setDefined(metrics, 'r2', r2Score(observed, predicted, weights));
      return metrics;
    },
  };
}
