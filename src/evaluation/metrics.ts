import type { TaskType } from '../config/schema.js';
import { DataError } from '../core/errors.js';

/**
 * Model-quality metrics as small pure functions, checked against scikit-learn 1.2 reference values
 * (tests/fixtures/reference). Every metric also accepts optional per-row weights: the bootstrap
 * resamples rows by drawing counts (row i drawn c_i times ⇔ weight c_i), which gives the same value
 * as copying rows, without copying or re-sorting anything.
 *
 * Prediction representation, one per task:
 * - binary: P(positive class) per row, in [0, 1]; `yTrue` is 0 (negative) or 1 (positive);
 * - multiclass: row-major probabilities, `classCount` columns per row (`predictions[i * k + c]`);
 *   `yTrue` is the class index in 0..k-1;
 * - regression: the predicted value per row; `yTrue` is the observed value.
 */

/** Numbers in any array form: `number[]`, `Float32Array`, `Float64Array`, ... */
export type Numbers = ArrayLike<number>;

/** Probabilities are clipped to [eps, 1 − eps] before log loss, as scikit-learn's default `eps=1e-15`. */
export const logLossEpsilon = 1e-15;

/** Default probability at or above which a binary prediction is the positive class. */
export const defaultThreshold = 0.5;

/** Options that decide how predictions are read. */
export interface MetricOptions {
  /** Binary: probability at or above which a row is predicted positive (default 0.5). */
  threshold?: number;
  /** Multiclass: number of classes, i.e. probability columns per row (required for multiclass). */
  classCount?: number;
}

/** Weighted confusion counts of a binary classifier. */
export interface BinaryCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** sklearn-compatible ROC curve points. */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
}

/** One bin of a reliability diagram. */
export interface CalibrationBin {
  bin_low: number;
  bin_high: number;
  /** Mean predicted probability of the rows in the bin. */
  mean_predicted: number;
  /** Share of positive rows in the bin. */
  fraction_positive: number;
  rows: number;
}

/**
 * Scores sorted once (ascending) and cut into blocks of equal score, so that AUC can be computed
 * for any row weights in O(n) without sorting again.
 */
export interface ScoreRanking {
  /** Row indices by ascending score. */
  order: Uint32Array;
  /** End (exclusive, in `order`) of each block of equal scores. */
  blockEnds: Uint32Array;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** Weight of row i: 1 when no weights are given. */
function weightAt(weights: Numbers | undefined, i: number): number {
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

function clipProbability(p: number): number {
  return Math.min(Math.max(p, logLossEpsilon), 1 - logLossEpsilon);
}

// ---------------------------------------------------------------------------------------------
// Binary classification

/** Sorts scores once for repeated AUC computations (see {@link ScoreRanking}). */
export function rankScores(scores: Numbers): ScoreRanking {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a]! - scores[b]!);
  const ends: number[] = [];
  for (let i = 1; i <= n; i++) {
    if (i === n || scores[order[i]!]! !== scores[order[i - 1]!]!) ends.push(i);
  }
  return { order, blockEnds: Uint32Array.from(ends) };
}

/**
 * ROC AUC from a precomputed ranking, with optional row weights. Equal scores count one half, which
 * is exactly the trapezoidal area under sklearn's `roc_curve` (Mann–Whitney U / (P·N)).
 * Returns undefined when the (weighted) rows hold only one class.
 */
export function aucFromRanking(ranking: ScoreRanking, yTrue: Numbers, weights?: Numbers): number | undefined {
  const { order, blockEnds } = ranking;
  let negativesBelow = 0;
  let positivesTotal = 0;
  let area = 0;
  let start = 0;
  for (let b = 0; b < blockEnds.length; b++) {
    const end = blockEnds[b]!;
    let positives = 0;
    let negatives = 0;
    for (let j = start; j < end; j++) {
      const row = order[j]!;
      const w = weightAt(weights, row);
      if (yTrue[row] === 1) positives += w;
      else negatives += w;
    }
    area += positives * (negativesBelow + 0.5 * negatives);
    negativesBelow += negatives;
    positivesTotal += positives;
    start = end;
  }
  if (positivesTotal === 0 || negativesBelow === 0) return undefined;
  return area / (positivesTotal * negativesBelow);
}

/**
 * Area under the ROC curve, like sklearn's `roc_auc_score` (ties in scores count one half).
 * Returns undefined, never NaN, when only one class is present.
 */
export function rocAuc(yTrue: Numbers, yScore: Numbers, weights?: Numbers): number | undefined {
  return aucFromRanking(rankScores(yScore), yTrue, weights);
}

/**
 * The ROC curve as sklearn 1.2's `roc_curve(y_true, y_score, drop_intermediate=True)`: points at
 * each distinct score (highest first) minus collinear intermediate points, preceded by (0, 0) whose
 * threshold is max score + 1. Returns undefined when only one class is present (sklearn returns NaNs).
 */
export function rocCurve(yTrue: Numbers, yScore: Numbers): RocCurve | undefined {
  const n = yScore.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => yScore[b]! - yScore[a]!);
  const tps: number[] = [];
  const fps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  for (let j = 0; j < n; j++) {
    const row = order[j]!;
    if (yTrue[row] === 1) tp += 1;
    // A point at the last row of each run of equal scores.
    if (j === n - 1 || yScore[order[j + 1]!]! !== yScore[row]!) {
      tps.push(tp);
      fps.push(j + 1 - tp);
      thresholds.push(yScore[row]!);
    }
  }
  const positives = tps[tps.length - 1] ?? 0;
  const negatives = fps[fps.length - 1] ?? 0;
  if (positives === 0 || negatives === 0) return undefined;
  let keep = tps.map(() => true);
  if (tps.length > 2) {
    // sklearn keeps a point when the second difference of fps or tps is non-zero (a corner).
    keep = tps.map((_, i) => {
      if (i === 0 || i === tps.length - 1) return true;
      const fpsCurve = fps[i + 1]! - 2 * fps[i]! + fps[i - 1]!;
      const tpsCurve = tps[i + 1]! - 2 * tps[i]! + tps[i - 1]!;
      return fpsCurve !== 0 || tpsCurve !== 0;
    });
  }
  const kept = keep.flatMap((k, i) => (k ? [i] : []));
  const firstThreshold = thresholds[kept[0]!]! + 1;
  return {
    fpr: [0, ...kept.map((i) => fps[i]! / negatives)],
    tpr: [0, ...kept.map((i) => tps[i]! / positives)],
    thresholds: [firstThreshold, ...kept.map((i) => thresholds[i]!)],
  };
}

/** Whether a probability counts as a positive prediction: at or above the threshold. */
export function isPredictedPositive(probability: number, threshold: number): boolean {
  return probability >= threshold;
}

/** Weighted confusion counts at a threshold (a row is predicted positive when p ≥ threshold). */
export function binaryCounts(yTrue: Numbers, yProb: Numbers, threshold: number, weights?: Numbers): BinaryCounts {
  const counts: BinaryCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < yTrue.length; i++) {
    const w = weightAt(weights, i);
    if (w === 0) continue;
    const predicted = isPredictedPositive(yProb[i]!, threshold);
    if (yTrue[i] === 1) {
      if (predicted) counts.tp += w;
      else counts.fn += w;
    } else if (predicted) counts.fp += w;
    else counts.tn += w;
  }
  return counts;
}

/** Share of correct predictions; undefined with no rows. */
export function accuracyFromCounts(c: BinaryCounts): number | undefined {
  const total = c.tp + c.fp + c.tn + c.fn;
  return total > 0 ? (c.tp + c.tn) / total : undefined;
}

/** tp / (tp + fp); 0 when nothing is predicted positive (sklearn `zero_division=0`). */
export function precisionFromCounts(c: BinaryCounts): number {
  const predicted = c.tp + c.fp;
  return predicted > 0 ? c.tp / predicted : 0;
}

/** tp / (tp + fn); 0 when there is no positive row (sklearn `zero_division=0`). */
export function recallFromCounts(c: BinaryCounts): number {
  const actual = c.tp + c.fn;
  return actual > 0 ? c.tp / actual : 0;
}

/** Harmonic mean of precision and recall, 2tp / (2tp + fp + fn); 0 when that is 0/0 (sklearn `zero_division=0`). */
export function f1FromCounts(c: BinaryCounts): number {
  const denominator = 2 * c.tp + c.fp + c.fn;
  return denominator > 0 ? (2 * c.tp) / denominator : 0;
}

/** Binary accuracy at a threshold; undefined with no rows. */
export function binaryAccuracy(yTrue: Numbers, yProb: Numbers, threshold = defaultThreshold): number | undefined {
  return accuracyFromCounts(binaryCounts(yTrue, yProb, threshold));
}

/** Binary precision at a threshold; 0 when no row is predicted positive (sklearn `zero_division=0`). */
export function binaryPrecision(yTrue: Numbers, yProb: Numbers, threshold = defaultThreshold): number {
  return precisionFromCounts(binaryCounts(yTrue, yProb, threshold));
}

/** Binary recall at a threshold; 0 when there is no positive row (sklearn `zero_division=0`). */
export function binaryRecall(yTrue: Numbers, yProb: Numbers, threshold = defaultThreshold): number {
  return recallFromCounts(binaryCounts(yTrue, yProb, threshold));
}

/** Binary F1 at a threshold; 0 when precision and recall are both undefined or 0 (sklearn `zero_division=0`). */
export function binaryF1(yTrue: Numbers, yProb: Numbers, threshold = defaultThreshold): number {
  return f1FromCounts(binaryCounts(yTrue, yProb, threshold));
}

/** −log of the probability given to the true class of one binary row, clipped like sklearn. */
export function binaryRowLogLoss(y: number, p: number): number {
  const clipped = clipProbability(p);
  return -Math.log(y === 1 ? clipped : 1 - clipped);
}

/** Mean binary cross-entropy with probabilities clipped to [1e-15, 1 − 1e-15] (sklearn `log_loss`). */
export function binaryLogLoss(yTrue: Numbers, yProb: Numbers, weights?: Numbers): number | undefined {
  const losses = Float64Array.from({ length: yTrue.length }, (_, i) => binaryRowLogLoss(yTrue[i]!, yProb[i]!));
  return weightedMean(losses, weights);
}

/** Mean squared difference between P(positive) and the 0/1 outcome (sklearn `brier_score_loss`). */
export function brierScore(yTrue: Numbers, yProb: Numbers, weights?: Numbers): number | undefined {
  const errors = Float64Array.from({ length: yTrue.length }, (_, i) => (yProb[i]! - yTrue[i]!) ** 2);
  return weightedMean(errors, weights);
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

/** Predicted class per binary row (1 when p ≥ threshold). */
export function binaryPredictions(yProb: Numbers, threshold = defaultThreshold): Uint8Array {
  return Uint8Array.from({ length: yProb.length }, (_, i) => (isPredictedPositive(yProb[i]!, threshold) ? 1 : 0));
}

/**
 * Reliability diagram: `binCount` equal-width bins of predicted probability, [low, high) except the
 * last which includes 1. Empty bins are omitted. A probability exactly on an edge goes to the upper
 * bin (edges are compared as i / binCount, so 0.3 lands in [0.3, 0.4)).
 */
export function calibrationBins(yTrue: Numbers, yProb: Numbers, binCount = 10): CalibrationBin[] {
  const sums = new Float64Array(binCount);
  const positives = new Float64Array(binCount);
  const rows = new Uint32Array(binCount);
  for (let i = 0; i < yProb.length; i++) {
    const p = yProb[i]!;
    let bin = Math.min(binCount - 1, Math.max(0, Math.floor(p * binCount)));
    // floor(p * k) can be off by one at the edges through rounding; settle it against the edges.
    if (bin > 0 && p < bin / binCount) bin -= 1;
    else if (bin < binCount - 1 && p >= (bin + 1) / binCount) bin += 1;
    sums[bin]! += p;
    positives[bin]! += yTrue[i] === 1 ? 1 : 0;
    rows[bin]! += 1;
  }
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < binCount; b++) {
    const count = rows[b]!;
    if (count === 0) continue;
    bins.push({
      bin_low: b / binCount,
      bin_high: (b + 1) / binCount,
      mean_predicted: sums[b]! / count,
      fraction_positive: positives[b]! / count,
      rows: count,
    });
  }
  return bins;
}

// ---------------------------------------------------------------------------------------------
// Multiclass classification

/** Predicted class per row: the column with the highest probability (the first one on ties, like numpy `argmax`). */
export function predictedClasses(probabilities: Numbers, classCount: number): Uint32Array {
  const n = Math.floor(probabilities.length / classCount);
  const predicted = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestValue = probabilities[i * classCount]!;
    for (let c = 1; c < classCount; c++) {
      const value = probabilities[i * classCount + c]!;
      if (value > bestValue) {
        best = c;
        bestValue = value;
      }
    }
    predicted[i] = best;
  }
  return predicted;
}

/** Share of rows whose predicted class (argmax) is the true class; undefined with no rows. */
export function multiclassAccuracy(
  yTrue: Numbers,
  probabilities: Numbers,
  classCount: number,
  weights?: Numbers,
): number | undefined {
  return accuracyOfLabels(yTrue, predictedClasses(probabilities, classCount), weights);
}

function accuracyOfLabels(yTrue: Numbers, yPred: Numbers, weights?: Numbers): number | undefined {
  const correct = Float64Array.from({ length: yTrue.length }, (_, i) => (yTrue[i] === yPred[i] ? 1 : 0));
  return weightedMean(correct, weights);
}

/**
 * Macro-averaged F1 of predicted labels, like sklearn `f1_score(average='macro')`: the unweighted
 * mean of per-class F1 over the classes present in yTrue or yPred (classes absent from both are
 * ignored); a class's F1 is 2tp / (2tp + fp + fn). Undefined with no rows.
 */
export function macroF1OfLabels(yTrue: Numbers, yPred: Numbers, classCount: number, weights?: Numbers): number | undefined {
  const tp = new Float64Array(classCount);
  const fp = new Float64Array(classCount);
  const fn = new Float64Array(classCount);
  for (let i = 0; i < yTrue.length; i++) {
    const w = weightAt(weights, i);
    if (w === 0) continue;
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (t === p) tp[t]! += w;
    else {
      fp[p]! += w;
      fn[t]! += w;
    }
  }
  let sum = 0;
  let present = 0;
  for (let c = 0; c < classCount; c++) {
    const denominator = 2 * tp[c]! + fp[c]! + fn[c]!;
    if (denominator === 0) continue;
    sum += (2 * tp[c]!) / denominator;
    present += 1;
  }
  return present > 0 ? sum / present : undefined;
}

/** Macro F1 of the argmax predictions of a probability matrix (see {@link macroF1OfLabels}). */
export function macroF1(yTrue: Numbers, probabilities: Numbers, classCount: number, weights?: Numbers): number | undefined {
  return macroF1OfLabels(yTrue, predictedClasses(probabilities, classCount), classCount, weights);
}

/**
 * −log of the probability of the true class of each row, after clipping every probability to
 * [1e-15, 1 − 1e-15] and renormalising the row to sum 1, as sklearn's `log_loss` does.
 */
export function multiclassRowLogLosses(yTrue: Numbers, probabilities: Numbers, classCount: number): Float64Array {
  const losses = new Float64Array(yTrue.length);
  for (let i = 0; i < yTrue.length; i++) {
    let rowSum = 0;
    for (let c = 0; c < classCount; c++) rowSum += clipProbability(probabilities[i * classCount + c]!);
    const own = clipProbability(probabilities[i * classCount + yTrue[i]!]!);
    losses[i] = -Math.log(own / rowSum);
  }
  return losses;
}

/** Mean multiclass cross-entropy, clipped and renormalised like sklearn `log_loss`. */
export function multiclassLogLoss(
  yTrue: Numbers,
  probabilities: Numbers,
  classCount: number,
  weights?: Numbers,
): number | undefined {
  return weightedMean(multiclassRowLogLosses(yTrue, probabilities, classCount), weights);
}

// ---------------------------------------------------------------------------------------------
// Regression

/** Mean absolute error; undefined with no rows. */
export function meanAbsoluteError(yTrue: Numbers, yPred: Numbers, weights?: Numbers): number | undefined {
  return weightedMean(
    Float64Array.from({ length: yTrue.length }, (_, i) => Math.abs(yTrue[i]! - yPred[i]!)),
    weights,
  );
}

/** Root mean squared error; undefined with no rows. */
export function rootMeanSquaredError(yTrue: Numbers, yPred: Numbers, weights?: Numbers): number | undefined {
  const mse = weightedMean(
    Float64Array.from({ length: yTrue.length }, (_, i) => (yTrue[i]! - yPred[i]!) ** 2),
    weights,
  );
  return mse === undefined ? undefined : Math.sqrt(mse);
}

/**
 * Coefficient of determination 1 − SS_res / SS_tot, like sklearn `r2_score` (force_finite=True):
 * when yTrue is constant (SS_tot = 0) it is 1.0 if every prediction is exact and 0.0 otherwise,
 * never NaN or −∞. "Constant" is decided by comparing values, not by a rounded variance.
 * Undefined with no rows.
 */
export function r2Score(yTrue: Numbers, yPred: Numbers, weights?: Numbers): number | undefined {
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

// ---------------------------------------------------------------------------------------------
// All metrics of a task

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

/**
 * Checks predictions against the task's representation (see the module comment) and prepares them
 * for repeated metric computation. Throws a DataError naming the first bad row.
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

/**
 * Every metric of the task (names from src/config/schema.ts) on all rows. A metric that is
 * undefined for these rows (AUC with one class; anything with no rows) is omitted, never NaN.
 */
export function computeMetrics(task: TaskType, yTrue: Numbers, predictions: Numbers, options: MetricOptions = {}): Record<string, number> {
  return prepareMetrics(task, yTrue, predictions, options).compute();
}

function setDefined(target: Record<string, number>, name: string, value: number | undefined): void {
  if (value !== undefined && Number.isFinite(value)) target[name] = value;
}

function prepareBinary(yTrue: Numbers, yProb: Numbers, threshold: number): PreparedMetrics {
  checkLengths('binary', yTrue.length, yProb.length, 1);
  if (!(threshold > 0 && threshold < 1)) throw new DataError(`Binary threshold must be between 0 and 1 (exclusive), got ${threshold}`);
  for (let i = 0; i < yTrue.length; i++) {
    const y = yTrue[i]!;
    if (y !== 0 && y !== 1) throw new DataError(`yTrue[${i}] is ${y}; binary targets must be 0 (negative) or 1 (positive)`);
    const p = yProb[i]!;
    if (!(p >= 0 && p <= 1)) throw new DataError(`predictions[${i}] is ${p}; a binary prediction must be a probability in [0, 1]`);
  }
  const labels = Uint8Array.from(yTrue);
  const rowLogLoss = Float64Array.from({ length: labels.length }, (_, i) => binaryRowLogLoss(labels[i]!, yProb[i]!));
  const rowBrier = Float64Array.from({ length: labels.length }, (_, i) => (yProb[i]! - labels[i]!) ** 2);
  const ranking = rankScores(yProb);
  return {
    task: 'binary',
    rows: labels.length,
    compute(weights) {
      const counts = binaryCounts(labels, yProb, threshold, weights);
      const metrics: Record<string, number> = {};
      setDefined(metrics, 'auc', aucFromRanking(ranking, labels, weights));
      const accuracy = accuracyFromCounts(counts);
      setDefined(metrics, 'accuracy', accuracy);
      if (accuracy !== undefined) {
        metrics.precision = precisionFromCounts(counts);
        metrics.recall = recallFromCounts(counts);
        metrics.f1 = f1FromCounts(counts);
      }
      setDefined(metrics, 'log_loss', weightedMean(rowLogLoss, weights));
      setDefined(metrics, 'brier', weightedMean(rowBrier, weights));
      return metrics;
    },
  };
}

function prepareMulticlass(yTrue: Numbers, probabilities: Numbers, classCount: number): PreparedMetrics {
  checkLengths('multiclass', yTrue.length, probabilities.length, classCount);
  for (let i = 0; i < yTrue.length; i++) {
    const y = yTrue[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= classCount) {
      throw new DataError(`yTrue[${i}] is ${y}; multiclass targets must be class indices 0..${classCount - 1}`);
    }
    for (let c = 0; c < classCount; c++) {
      const p = probabilities[i * classCount + c]!;
      if (!(p >= 0 && p <= 1)) throw new DataError(`predictions row ${i}, class ${c} is ${p}; probabilities must be in [0, 1]`);
    }
  }
  const labels = Uint32Array.from(yTrue);
  const predicted = predictedClasses(probabilities, classCount);
  const correct = Float64Array.from({ length: labels.length }, (_, i) => (labels[i] === predicted[i] ? 1 : 0));
  const rowLogLoss = multiclassRowLogLosses(labels, probabilities, classCount);
  return {
    task: 'multiclass',
    rows: labels.length,
    compute(weights) {
      const metrics: Record<string, number> = {};
      setDefined(metrics, 'accuracy', weightedMean(correct, weights));
      setDefined(metrics, 'macro_f1', macroF1OfLabels(labels, predicted, classCount, weights));
      setDefined(metrics, 'log_loss', weightedMean(rowLogLoss, weights));
      return metrics;
    },
  };
}

function prepareRegression(yTrue: Numbers, yPred: Numbers): PreparedMetrics {
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

function checkLengths(task: TaskType, rows: number, predictionLength: number, width: number): void {
  if (predictionLength !== rows * width) {
    const expected = width === 1 ? `${rows}` : `${rows} rows × ${width} classes = ${rows * width}`;
    throw new DataError(`${task} predictions have ${predictionLength} values but ${expected} were expected (one per row of yTrue${width === 1 ? '' : ' and class'})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting, shared by gate summaries and Markdown tables

/**
 * A metric value with 4 significant digits ("0.8460", "12.35", "0.04123"); large values are
 * rounded to integers rather than written in exponent form.
 */
export function formatMetricValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1e4) return Math.round(value).toString();
  return value.toPrecision(4);
}

/** A difference with an explicit sign ("+0.005000", "−0.03100"), 4 significant digits. */
export function formatMetricDelta(delta: number | null | undefined): string {
  if (delta === null || delta === undefined) return '—';
  if (delta === 0) return formatMetricValue(0);
  const text = formatMetricValue(Math.abs(delta));
  return delta > 0 ? `+${text}` : `−${text}`;
}
