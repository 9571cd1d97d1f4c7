import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { createRandom, seededPermutation } from '../core/rng.js';
import { selectBackend, type BackendInfo } from './backend.js';
import { buildNetwork } from './network.js';
import { outputWidth, type PreprocessingSpec } from './preprocessing.js';

/** Encoded rows: `x` is rows × input_width, `y` rows × output width, both row-major. */
export interface EncodedSplit {
  x: Float32Array;
  y: Float32Array;
  rows: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  validation_loss: number;
}

export interface TrainResult {
  network: tfl.LayersModel;
  backend: BackendInfo;
  epochsRun: number;
  /** 1-based epoch whose weights were kept (lowest validation loss). */
  bestEpoch: number;
  bestValidationLoss: number;
  history: EpochRecord[];
  durationMs: number;
  /** Training rows processed per second over all epochs (excluding validation passes). */
  samplesPerSecond: number;
}

/**
 * Trains the network with early stopping on the validation split. Reproducible: the same
 * inputs, seed and backend give bit-identical weights. tfjs's own `shuffle: true` uses
 * Math.random, so each epoch's order comes from a seeded permutation and `fit` never shuffles.
 */
export async function trainNetwork(options: {
  model: ModelConfig;
  spec: PreprocessingSpec;
  train: EncodedSplit;
  validation: EncodedSplit;
  logger: Logger;
}): Promise<TrainResult> {
  const { model, spec, train, validation, logger } = options;
  const backend = await selectBackend(model.backend, logger);
  const network = buildNetwork(spec, model);
  const width = spec.input_width;
  const outputs = outputWidth(spec);
  const random = createRandom(model.seed);
  const useTrainingLoss = validation.rows === 0;
  if (useTrainingLoss) logger.warn('The validation split is empty: early stopping watches the training loss instead.');

  const validationX = validation.rows > 0 ? tf.tensor2d(validation.x, [validation.rows, width]) : null;
  const validationY = validation.rows > 0 ? tf.tensor2d(validation.y, [validation.rows, outputs]) : null;
  const shuffledX = new Float32Array(train.x.length);
  const shuffledY = new Float32Array(train.y.length);
  const history: EpochRecord[] = [];
  let best: { epoch: number; loss: number; weights: tf.Tensor[] } | null = null;
  let epochsWithoutImprovement = 0;
  let trainingMs = 0;
  const started = performance.now();
  try {
    for (let epoch = 1; epoch <= model.max_epochs; epoch++) {
      const order = seededPermutation(train.rows, random);
      for (let i = 0; i < train.rows; i++) {
        const source = order[i]!;
        shuffledX.set(train.x.subarray(source * width, (source + 1) * width), i * width);
        shuffledY.set(train.y.subarray(source * outputs, (source + 1) * outputs), i * outputs);
      }
      const xs = tf.tensor2d(shuffledX, [train.rows, width]);
      const ys = tf.tensor2d(shuffledY, [train.rows, outputs]);
      const epochStart = performance.now();
      let loss: number;
      try {
        const fitted = await network.fit(xs, ys, { epochs: 1, batchSize: model.batch_size, shuffle: false, verbose: 0 });
        loss = Number(fitted.history.loss?.[0]);
      } finally {
        xs.dispose();
        ys.dispose();
      }
      trainingMs += performance.now() - epochStart;
      const validationLoss = validationX && validationY ? evaluateLoss(network, validationX, validationY) : loss;
      history.push({ epoch, loss, validation_loss: validationLoss });
      logger.progress(`epoch ${epoch}/${model.max_epochs} loss ${loss.toFixed(4)} val_loss ${validationLoss.toFixed(4)}`);
      if (!Number.isFinite(validationLoss)) {
        throw new Error(`Training diverged at epoch ${epoch} (validation loss ${validationLoss}); lower model.learning_rate.`);
      }
      if (best === null || validationLoss < best.loss - model.early_stopping.min_delta) {
        best?.weights.forEach((w) => w.dispose());
        best = { epoch, loss: validationLoss, weights: network.getWeights().map((w) => w.clone()) };
        epochsWithoutImprovement = 0;
      } else if (++epochsWithoutImprovement >= model.early_stopping.patience) {
        logger.info(`Early stopping after epoch ${epoch}: no improvement for ${model.early_stopping.patience} epochs; keeping epoch ${best.epoch}.`);
        break;
      }
    }
    if (best) network.setWeights(best.weights);
  } finally {
    best?.weights.forEach((w) => w.dispose());
    validationX?.dispose();
    validationY?.dispose();
  }
  const epochsRun = history.length;
  return {
    network,
    backend,
    epochsRun,
    bestEpoch: best?.epoch ?? epochsRun,
    bestValidationLoss: best?.loss ?? Number.NaN,
    history,
    durationMs: performance.now() - started,
    samplesPerSecond: trainingMs > 0 ? (train.rows * epochsRun) / (trainingMs / 1000) : 0,
  };
}

/** The compiled loss (without regularisation terms) on a held-out split. */
function evaluateLoss(network: tfl.LayersModel, x: tf.Tensor2D, y: tf.Tensor2D): number {
  return tf.tidy(() => {
    const result = network.evaluate(x, y, { batchSize: 4096 });
    const scalar = Array.isArray(result) ? result[0]! : result;
    return scalar.dataSync()[0]!;
  });
}
