import type * as tfl from '@tensorflow/tfjs-layers';
import { prepareMetrics } from '../evaluation/metrics.js';
import { predictRaw } from './predict.js';
import { decodeOutputs, outputWidth, type PreprocessingSpec } from './preprocessing.js';
import type { ValidationRows } from './training-rows.js';

/** Probabilities are clipped to [1e-7, 1 − 1e-7] for the loss, as tfjs-layers' losses clip. */
const lossEpsilon = 1e-7;

/**
 * Scores the network on the validation split in one pass: the mean loss in the encoded space
 * (the training loss without regularisation: cross-entropy, or squared error of the standardised
 * target) and, when asked, one metric of the decoded predictions in target units.
 */
export async function scoreValidation(
  network: tfl.LayersModel,
  spec: PreprocessingSpec,
  validation: ValidationRows,
  metric: string | null,
): Promise<{ loss: number; metric?: number }> {
  const outputs = outputWidth(spec);
  const predictions = new Float64Array(validation.rows * outputs);
  let lossSum = 0;
  let at = 0;
  for await (const chunk of validation.chunks()) {
    const raw = predictRaw(network, spec, chunk.x, chunk.rows);
    lossSum += chunkLoss(spec, raw, chunk.y, outputs);
    predictions.set(metric === null ? raw : decodeOutputs(spec, raw), at * outputs);
    at += chunk.rows;
  }
  if (at !== validation.rows) throw new Error(`the validation source gave ${at} rows; expected ${validation.rows}`);
  const loss = lossSum / Math.max(1, validation.rows);
  if (metric === null) return { loss };
  const target = spec.target;
  const prepared = prepareMetrics(target.type, validation.targets, predictions, {
    threshold: target.type === 'binary' ? target.threshold : undefined,
    classCount: target.type === 'multiclass' ? target.classes.length : undefined,
  });
  const value = prepared.compute()[metric];
  return value === undefined ? { loss } : { loss, metric: value };
}

/** Sum over rows of the training loss of raw outputs against encoded targets. */
function chunkLoss(spec: PreprocessingSpec, raw: Float32Array, y: Float32Array, outputs: number): number {
  let sum = 0;
  if (spec.target.type === 'binary') {
    for (let i = 0; i < raw.length; i++) {
      const p = Math.min(Math.max(raw[i]!, lossEpsilon), 1 - lossEpsilon);
      sum -= y[i]! * Math.log(p) + (1 - y[i]!) * Math.log(1 - p);
    }
  } else if (spec.target.type === 'multiclass') {
    for (let row = 0; row * outputs < raw.length; row++) {
      let total = 0;
      for (let c = 0; c < outputs; c++) total += raw[row * outputs + c]!;
      for (let c = 0; c < outputs; c++) {
        const p = Math.min(Math.max(raw[row * outputs + c]! / total, lossEpsilon), 1 - lossEpsilon);
        sum -= y[row * outputs + c]! * Math.log(p);
      }
    }
  } else {
    for (let i = 0; i < raw.length; i++) sum += (raw[i]! - y[i]!) ** 2;
  }
  return sum;
}
