import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { createRandom } from '../core/rng.js';
import { selectBackend, type BackendInfo } from './backend.js';
import { buildNetwork } from './network.js';
import { outputWidth, type PreprocessingSpec } from './preprocessing.js';
import { EarlyStopping, type Monitor } from './early-stopping.js';
import { scoreValidation } from './validation-score.js';
import type { TrainingRows, ValidationRows } from './training-rows.js';

export type { EncodedSplit, TrainingRows, ValidationRows } from './training-rows.js';
export { inMemoryTrainingRows, inMemoryValidationRows } from './training-rows.js';

/** One epoch of training, as the training record keeps it. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  validation_loss: number;
  /** The primary metric on the validation split (target units); absent when early stopping watches the loss. */
  validation_metric?: number;
  /** The learning rate the epoch trained with. */
  learning_rate: number;
}

export interface TrainResult {
  network: tfl.LayersModel;
  backend: BackendInfo;
  epochsRun: number;
  /** 1-based epoch whose weights were kept (best watched value). */
  bestEpoch: number;
  /** Validation loss of the kept epoch. */
  bestValidationLoss: number;
  /** What early stopping watched, and its value at the kept epoch. */
  monitor: { name: string; best: number };
  history: EpochRecord[];
  durationMs: number;
  /** Training rows processed per second over all epochs (excluding validation passes). */
  samplesPerSecond: number;
}

/** Rows handed to one `fit` call: a whole number of batches, so batches never depend on how rows arrive. */
const rowsPerFit = 8192;

/**
 * Trains the network with early stopping on the validation split and reduce-on-plateau.
 * Reproducible: the same rows, seed and backend give bit-identical weights. tfjs's own
 * `shuffle: true` uses Math.random, so each epoch's order comes from the row source's seeded
 * shuffle and `fit` never shuffles. Rows arrive in chunks of any size (from memory or from an
 * encoded file); they are regrouped into whole batches, so the batches are the same either way.
 */
export async function trainNetwork(options: {
  model: ModelConfig;
  spec: PreprocessingSpec;
  train: TrainingRows;
  validation: ValidationRows;
  /** The task's primary metric (`gate.primary_metric` or the task default). */
  primaryMetric: string;
  logger: Logger;
}): Promise<TrainResult> {
  const { model, spec, train, validation, logger } = options;
  const backend = await selectBackend(model.backend, logger);
  const network = buildNetwork(spec, model);
  const width = spec.input_width;
  const outputs = outputWidth(spec);
  const random = createRandom(model.seed);
  let monitor = chooseMonitor(model, validation.rows, options.primaryMetric, logger);
  let stopping = new EarlyStopping(monitor, model);
  const optimizer = network.optimizer as tf.Optimizer & { learningRate: number };
  const batchRows = Math.max(model.batch_size, Math.floor(rowsPerFit / model.batch_size) * model.batch_size);
  const stagedX = new Float32Array(batchRows * width);
  const stagedY = new Float32Array(batchRows * outputs);
  const history: EpochRecord[] = [];
  let trainingMs = 0;
  let rowsTrained = 0;
  let kept: { epoch?: number; value?: number } = {};
  const started = performance.now();
  try {
    for (let epoch = 1; epoch <= model.max_epochs; epoch++) {
      const learningRate = optimizer.learningRate;
      let lossSum = 0;
      let epochRows = 0;
      let staged = 0;
      const fitStaged = async () => {
        const fitStart = performance.now();
        const xs = tf.tensor2d(stagedX.subarray(0, staged * width), [staged, width]);
        const ys = tf.tensor2d(stagedY.subarray(0, staged * outputs), [staged, outputs]);
        try {
          const fitted = await network.fit(xs, ys, { epochs: 1, batchSize: model.batch_size, shuffle: false, verbose: 0 });
          lossSum += Number(fitted.history.loss?.[0]) * staged;
        } finally {
          xs.dispose();
          ys.dispose();
        }
        trainingMs += performance.now() - fitStart;
        epochRows += staged;
        staged = 0;
      };
      for await (const chunk of train.epoch(epoch, random)) {
        for (let from = 0; from < chunk.rows; ) {
          const take = Math.min(chunk.rows - from, batchRows - staged);
          stagedX.set(chunk.x.subarray(from * width, (from + take) * width), staged * width);
          stagedY.set(chunk.y.subarray(from * outputs, (from + take) * outputs), staged * outputs);
          staged += take;
          from += take;
          if (staged === batchRows) await fitStaged();
        }
      }
      if (staged > 0) await fitStaged();
      rowsTrained += epochRows;
      const loss = lossSum / Math.max(1, epochRows);
      const scored = validation.rows > 0 ? await scoreValidation(network, spec, validation, monitor.kind === 'metric' ? monitor.name : null) : null;
      const record: EpochRecord = { epoch, loss, validation_loss: scored?.loss ?? loss, learning_rate: learningRate };
      if (scored?.metric !== undefined) record.validation_metric = scored.metric;
      else if (monitor.kind === 'metric') {
        // Only the labels decide whether a metric is defined (AUC needs both classes), so this happens on the first epoch or never.
        logger.warn(`${monitor.name} is undefined on the validation split (${validation.rows} rows); early stopping watches the validation loss instead.`);
        monitor = { kind: 'loss', name: 'val_loss' };
        stopping.dispose();
        stopping = new EarlyStopping(monitor, model);
      }
      history.push(record);
      logger.progress(
        `epoch ${epoch}/${model.max_epochs} loss ${loss.toFixed(4)} val_loss ${record.validation_loss.toFixed(4)}` +
          (record.validation_metric !== undefined ? ` val_${monitor.name} ${record.validation_metric.toFixed(4)}` : ''),
      );
      if (!Number.isFinite(loss) || !Number.isFinite(record.validation_loss)) {
        throw new Error(`Training diverged at epoch ${epoch} (loss ${loss}, validation loss ${record.validation_loss}); lower model.learning_rate.`);
      }
      const watched = monitor.kind === 'metric' ? record.validation_metric : record.validation_loss;
      const step = stopping.observe(epoch, watched ?? Number.NaN, network);
      if (step.reduceLearningRate) {
        const next = Math.max(model.reduce_on_plateau.min_learning_rate, learningRate * model.reduce_on_plateau.factor);
        if (next < learningRate) {
          optimizer.learningRate = next;
          logger.info(`Learning rate ${learningRate} → ${next} after epoch ${epoch}: no improvement of ${monitor.name} for ${model.reduce_on_plateau.patience} epochs.`);
        }
      }
      if (step.stop) {
        logger.info(`Early stopping after epoch ${epoch}: no improvement of ${monitor.name} for ${model.early_stopping.patience} epochs; keeping epoch ${stopping.bestEpoch}.`);
        break;
      }
    }
    stopping.restoreBest(network);
  } finally {
    kept = { epoch: stopping.bestEpoch, value: stopping.bestValue };
    stopping.dispose();
  }
  const epochsRun = history.length;
  const bestEpoch = kept.epoch ?? epochsRun;
  return {
    network,
    backend,
    epochsRun,
    bestEpoch,
    bestValidationLoss: history[bestEpoch - 1]?.validation_loss ?? Number.NaN,
    monitor: { name: monitor.name, best: kept.value ?? Number.NaN },
    history,
    durationMs: performance.now() - started,
    samplesPerSecond: trainingMs > 0 ? rowsTrained / (trainingMs / 1000) : 0,
  };
}

/** What early stopping watches: the primary metric when asked and measurable, else the loss. */
function chooseMonitor(model: ModelConfig, validationRows: number, primaryMetric: string, logger: Logger): Monitor {
  if (validationRows === 0) {
    logger.warn('The validation split is empty: early stopping watches the training loss instead.');
    return { kind: 'loss', name: 'loss' };
  }
  if (model.early_stopping.monitor === 'loss') return { kind: 'loss', name: 'val_loss' };
  return { kind: 'metric', name: primaryMetric };
}
