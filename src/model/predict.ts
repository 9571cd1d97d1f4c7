import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { decodeOutputs, encodeFeatures, outputWidth, type FeatureRecord, type PreprocessingSpec } from './preprocessing.js';

/**
 * Scores rows: encodes them with the spec, runs one batched predict, and decodes the outputs
 * (binary P(positive); multiclass probabilities row-major; regression values in target units).
 */
export function predictRows(network: tfl.LayersModel, spec: PreprocessingSpec, rows: readonly FeatureRecord[]): Float32Array {
  if (rows.length === 0) return new Float32Array(0);
  return predictEncoded(network, spec, encodeFeatures(spec, rows), rows.length);
}

/** Scores already-encoded rows (rows × input_width), decoded to target units. */
export function predictEncoded(network: tfl.LayersModel, spec: PreprocessingSpec, encoded: Float32Array, rows: number): Float32Array {
  return decodeOutputs(spec, predictRaw(network, spec, encoded, rows));
}

/** The network's raw outputs for encoded rows (probabilities, or the standardised target for regression). */
export function predictRaw(network: tfl.LayersModel, spec: PreprocessingSpec, encoded: Float32Array, rows: number): Float32Array {
  const output = tf.tidy(() => network.predict(tf.tensor2d(encoded, [rows, spec.input_width]), { batchSize: Math.max(32, Math.min(rows, 8192)) }) as tf.Tensor);
  let raw: Float32Array;
  try {
    // Read outside tidy: tidy would walk the returned array looking for tensors.
    raw = output.dataSync() as Float32Array;
  } finally {
    output.dispose();
  }
  if (raw.length !== rows * outputWidth(spec)) {
    throw new Error(`the model returned ${raw.length} outputs for ${rows} rows; expected ${rows * outputWidth(spec)}`);
  }
  return Float32Array.from(raw);
}
