import { DataError } from '../core/errors.js';
import { checkLengths, clipProbability, setDefined, weightAt, weightedMean, type Numbers, type PreparedMetrics } from './metrics-shared.js';

/**
 * Multiclass classification: accuracy, macro F1 and log loss of row-major probabilities
 * (`classCount` columns per row, `predictions[i * k + c]`; yTrue the class index), matching
 * scikit-learn 1.2; plus the argmax labels the confusion matrix counts.
 */

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

/**
 * Macro-averaged F1 of predicted labels, like sklearn `f1_score(average='macro')`: the unweighted
 * mean of per-class F1 over the classes present in yTrue or yPred (classes absent from both are
 * ignored); a class's F1 is 2tp / (2tp + fp + fn). Undefined with no rows.
 */
function macroF1OfLabels(yTrue: Numbers, yPred: Numbers, classCount: number, weights?: Numbers): number | undefined {
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

/**
 * −log of the probability of the true class of each row, after clipping every probability to
 * [1e-15, 1 − 1e-15] and renormalising the row to sum 1, as sklearn's `log_loss` does.
 */
function multiclassRowLogLosses(yTrue: Numbers, probabilities: Numbers, classCount: number): Float64Array {
  const losses = new Float64Array(yTrue.length);
  for (let i = 0; i < yTrue.length; i++) {
    let rowSum = 0;
    for (let c = 0; c < classCount; c++) rowSum += clipProbability(probabilities[i * classCount + c]!);
    const own = clipProbability(probabilities[i * classCount + yTrue[i]!]!);
    losses[i] = -Math.log(own / rowSum);
  }
  return losses;
}

/**
 * Checks multiclass predictions (class indices in 0..k-1, probabilities in [0, 1]) and prepares
 * them: argmax labels, per-row correctness and log loss.
 */
export function prepareMulticlass(yTrue: Numbers, probabilities: Numbers, classCount: number): PreparedMetrics {
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
