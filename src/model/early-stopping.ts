import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { lowerIsBetter, type ModelConfig } from '../config/schema.js';

/** What early stopping and reduce-on-plateau watch on the validation split. */
export type Monitor = { kind: 'loss'; name: 'loss' | 'val_loss' } | { kind: 'metric'; name: string };

/** What to do after an epoch. */
export interface PlateauStep {
  /** The watched value improved: the epoch's weights were kept. */
  improved: boolean;
  /** `reduce_on_plateau.patience` epochs passed without improvement since the last improvement or reduction. */
  reduceLearningRate: boolean;
  /** `early_stopping.patience` epochs passed without improvement. */
  stop: boolean;
}

/**
 * Early stopping with best-weights restore, and the plateau counter of reduce-on-plateau (as
 * Keras's EarlyStopping and ReduceLROnPlateau): an epoch improves when the watched value beats
 * the best so far by more than `min_delta` in the metric's direction (losses, RMSE and MAE go
 * down; AUC, accuracy and F1 go up).
 */
export class EarlyStopping {
  private best: { epoch: number; value: number; weights: tf.Tensor[] } | null = null;
  private sinceImprovement = 0;
  private sinceReduction = 0;
  private readonly sign: number;

  constructor(
    monitor: Monitor,
    private readonly model: Pick<ModelConfig, 'early_stopping' | 'reduce_on_plateau'>,
  ) {
    this.sign = monitor.kind === 'loss' || lowerIsBetter.has(monitor.name) ? 1 : -1;
  }

  /** The 1-based epoch whose weights are kept, or undefined before any finite value. */
  get bestEpoch(): number | undefined {
    return this.best?.epoch;
  }

  /** The watched value at the kept epoch. */
  get bestValue(): number | undefined {
    return this.best?.value;
  }

  /** Records an epoch's watched value; keeps a copy of the weights when it improved. A NaN never improves. */
  observe(epoch: number, value: number, network: tfl.LayersModel): PlateauStep {
    const improved = Number.isFinite(value) && (this.best === null || this.sign * (value - this.best.value) < -this.model.early_stopping.min_delta);
    if (improved) {
      this.best?.weights.forEach((w) => w.dispose());
      this.best = { epoch, value, weights: network.getWeights().map((w) => w.clone()) };
      this.sinceImprovement = 0;
      this.sinceReduction = 0;
      return { improved, reduceLearningRate: false, stop: false };
    }
    this.sinceImprovement++;
    this.sinceReduction++;
    const reduceLearningRate = this.model.reduce_on_plateau.factor < 1 && this.sinceReduction >= this.model.reduce_on_plateau.patience;
    if (reduceLearningRate) this.sinceReduction = 0;
    return { improved, reduceLearningRate, stop: this.sinceImprovement >= this.model.early_stopping.patience };
  }

  /** Puts the kept epoch's weights back into the network. */
  restoreBest(network: tfl.LayersModel): void {
    if (this.best) network.setWeights(this.best.weights);
  }

  /** Frees the kept weights. */
  dispose(): void {
    this.best?.weights.forEach((w) => w.dispose());
    this.best = null;
  }
}
