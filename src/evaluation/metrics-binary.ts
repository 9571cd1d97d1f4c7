import { DataError } from '../core/errors.js';
import { checkLengths, clipProbability, setDefined, weightAt, weightedMean, type Numbers, type PreparedMetrics } from './metrics-shared.js';

/**
 * Binary classification: AUC, accuracy, precision, recall, F1, log loss and Brier score of
 * P(positive) per row (yTrue 0 or 1), checked against scikit-learn 1.2; plus the predicted labels
 * and the reliability bins the evaluation report shows.
 */

/** Default probability at or above which a binary prediction is the positive class. */
export const defaultThreshold = 0.5;

/** Weighted confusion counts of a binary classifier. */
interface BinaryCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
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
interface ScoreRanking {
  /** Row indices by ascending score. */
  order: Uint32Array;
  /** End (exclusive, in `order`) of each block of equal scores. */
  blockEnds: Uint32Array;
}

function rankScores(scores: Numbers): ScoreRanking {
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
 * ROC AUC from a precomputed ranking, with optional row weights, like sklearn's `roc_auc_score`:
 * equal scores count one half, which is exactly the trapezoidal area under `roc_curve`
 * (Mann–Whitney U / (P·N)). Undefined, never NaN, when the (weighted) rows hold only one class.
 */
function aucFromRanking(ranking: ScoreRanking, yTrue: Numbers, weights?: Numbers): number | undefined {
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

/** Whether a probability counts as a positive prediction: at or above the threshold. */
function isPredictedPositive(probability: number, threshold: number): boolean {
  return probability >= threshold;
}

/** Weighted confusion counts at a threshold (a row is predicted positive when p ≥ threshold). */
function binaryCounts(yTrue: Numbers, yProb: Numbers, threshold: number, weights?: Numbers): BinaryCounts {
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

/**
 * Accuracy, precision, recall and F1 from confusion counts; precision, recall and F1 are 0 when
 * their denominator is (sklearn `zero_division=0`). None of them with no rows.
 */
function setCountMetrics(metrics: Record<string, number>, c: BinaryCounts): void {
  const total = c.tp + c.fp + c.tn + c.fn;
  if (total === 0) return;
  const predicted = c.tp + c.fp;
  const actual = c.tp + c.fn;
  const f1Denominator = 2 * c.tp + c.fp + c.fn;
  metrics.accuracy = (c.tp + c.tn) / total;
  metrics.precision = predicted > 0 ? c.tp / predicted : 0;
  metrics.recall = actual > 0 ? c.tp / actual : 0;
  metrics.f1 = f1Denominator > 0 ? (2 * c.tp) / f1Denominator : 0;
}

/** −log of the probability given to the true class of one binary row, clipped like sklearn. */
function binaryRowLogLoss(y: number, p: number): number {
  const clipped = clipProbability(p);
  return -Math.log(y === 1 ? clipped : 1 - clipped);
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

/**
 * Checks binary predictions (labels 0/1, probabilities in [0, 1], a threshold in (0, 1)) and
 * prepares them: scores ranked once for AUC, per-row log loss and squared error.
 */
export function prepareBinary(yTrue: Numbers, yProb: Numbers, threshold: number): PreparedMetrics {
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
      const metrics: Record<string, number> = {};
      setDefined(metrics, 'auc', aucFromRanking(ranking, labels, weights));
      setCountMetrics(metrics, binaryCounts(labels, yProb, threshold, weights));
      setDefined(metrics, 'log_loss', weightedMean(rowLogLoss, weights));
      setDefined(metrics, 'brier', weightedMean(rowBrier, weights));
      return metrics;
    },
  };
}
