import { ConfigError } from '../core/errors.js';
import type { MetricRule, MlopsConfigInput, TaskType } from '../config/schema.js';
import { ColumnStats, compareText, maxInferredClasses, maxTrackedValues, positiveLabelWords, regressionDistinctThreshold, share } from './infer-columns.js';

/** The task, slices and gate `mlops init` infers from the target column and the features. */

/** A task with the reason it was chosen. */
export interface InferredTask {
  task: MlopsConfigInput['task'];
  reason: string;
}

/**
 * Chooses the task from the target's values: 2 distinct values → binary; a numeric target with
 * more than 20 distinct values → regression; otherwise multiclass (3 to 100 classes). An
 * explicit task is checked against the values instead. Errors are ConfigErrors that say what to
 * do.
 */
export function inferTask(target: string, stats: ColumnStats, requested?: TaskType): InferredTask {
  const distinct = stats.distinct;
  if (stats.count === 0) throw new ConfigError(`The target column "${target}" has no values: every cell is missing.`);
  if (distinct === 1) {
    throw new ConfigError(
      `The target column "${target}" has a single value (${JSON.stringify(stats.values.keys().next().value)}) in all ${stats.count} rows; a model needs at least two. Choose another --target.`,
    );
  }
  const type: TaskType = requested ?? (distinct === 2 ? 'binary' : stats.numeric && (stats.overflow || distinct > regressionDistinctThreshold) ? 'regression' : 'multiclass');
  const how = requested ? `--task ${requested}` : 'inferred';
  if (type === 'regression') {
    if (!stats.numeric) {
      throw new ConfigError(`--task regression needs a numeric target, but column "${target}" holds ${JSON.stringify(stats.firstText)}.`);
    }
    // target_transform is chosen once the target is read in its number format (inferConfig, chooseTargetTransform).
    return {
      task: { type: 'regression', target_transform: 'none' },
      reason: `regression (${how}: a numeric target with ${stats.overflow ? 'many' : distinct} distinct values).`,
    };
  }
  if (type === 'binary') {
    if (distinct !== 2) {
      throw new ConfigError(`--task binary needs a target with exactly 2 values, but column "${target}" has ${stats.overflow ? 'thousands of' : distinct}; use --task multiclass or regression.`);
    }
    const labels = [...stats.values].sort((a, b) => a[1] - b[1] || compareText(a[0], b[0]));
    const conventional = labels.find(([label]) => positiveLabelWords.includes(label.toLowerCase()));
    const [positive, positiveCount] = conventional ?? labels[0]!;
    const negative = labels.find(([label]) => label !== positive)![0];
    const why = conventional
      ? `${JSON.stringify(positive)} is a conventional positive value`
      : `${JSON.stringify(positive)} is the minority class (no value reads as yes/true/1/positive)`;
    return {
      task: { type: 'binary', positive_label: positive, negative_label: negative, threshold: 0.5 },
      reason: `binary (${how}: 2 distinct values). Positive label ${JSON.stringify(positive)} (${share(positiveCount, stats.count)} of rows): ${why}. Swap the labels if the other value is the event to predict.`,
    };
  }
  if (distinct < 3) throw new ConfigError(`--task multiclass needs at least 3 classes, but column "${target}" has ${distinct}; use --task binary.`);
  if (stats.overflow || distinct > maxInferredClasses) {
    throw new ConfigError(
      `The target column "${target}" has ${stats.overflow ? 'more than ' + maxTrackedValues.toLocaleString('en-US') : distinct} distinct values: too many classes for a classifier (at most ${maxInferredClasses} are inferred). ${stats.numeric ? 'If it is a quantity, pass --task regression.' : 'Choose another --target.'}`,
    );
  }
  return {
    task: { type: 'multiclass', classes: stats.valuesByFrequency() },
    reason: `multiclass (${how}: ${distinct} classes, listed most frequent first).`,
  };
}

/** Rounds to 2 significant digits: a readable tolerance. */
export function roundSignificant(value: number, digits = 2): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const scale = 10 ** (digits - 1 - Math.floor(Math.log10(Math.abs(value))));
  return Math.round(value * scale) / scale;
}

/**
 * How every inferred gate decides, spelled out so the user sees the keys: paired comparisons at a
 * 5% family-wise error, slices judged only with enough rows (of each class, for AUC), and the
 * in-run baseline check on.
 */
const decisionDefaults = { comparison: 'paired', alpha: 0.05, min_slice_rows: 30, min_slice_class_rows: 20, baseline: { enabled: true } } as const;

const decisionReason =
  ' A drop beyond a threshold fails only when a paired test on the same rows says it is real (alpha 0.05, Holm over the slice checks); a slice is judged with at least 30 test rows, and for AUC with at least 20 of each class; a candidate worse than the in-run linear baseline is rejected.';

/** Gate rules that suit the task and the data (`targetStd`: the regression target's population standard deviation), with their explanation. */
export function defaultGate(task: MlopsConfigInput['task'], target: ColumnStats, targetStd = 0): { gate: NonNullable<MlopsConfigInput['gate']>; reason: string } {
  const { gate, reason } = taskGate(task, target, targetStd);
  return { gate: { ...gate, ...decisionDefaults }, reason: `${reason}${decisionReason}` };
}

function taskGate(task: MlopsConfigInput['task'], target: ColumnStats, targetStd: number): { gate: NonNullable<MlopsConfigInput['gate']>; reason: string } {
  if (task.type === 'binary') {
    return {
      gate: { primary_metric: 'auc', overall: { auc: { min: 0.7, max_regression: 0.02 } }, per_slice: { auc: { max_regression: 0.05 } } },
      reason: 'A candidate must reach AUC 0.70 on the test split and lose at most 0.02 AUC against the champion overall, 0.05 within any slice.',
    };
  }
  if (task.type === 'multiclass') {
    const majority = Math.max(...target.values.values()) / target.count;
    const floor = Math.floor(majority * 100) / 100;
    // Log loss beside macro-F1: a candidate whose probabilities got worse (noisy labels, a weaker
    // fit) often moves few argmax decisions, so macro-F1 alone cannot show the drop on a test split
    // of hundreds of rows; the per-row log loss is a proper score whose paired test can.
    const overall: Record<string, MetricRule> = { accuracy: { min: floor }, macro_f1: { max_regression: 0.02 }, log_loss: { max_regression: 0.02 } };
    return {
      gate: { primary_metric: 'macro_f1', overall, per_slice: { macro_f1: { max_regression: 0.05 } } },
      reason: `A candidate must beat always predicting the most frequent class (accuracy ${floor}, rounded down) and lose at most 0.02 macro-F1 (and gain at most 0.02 log loss) against the champion overall, 0.05 macro-F1 within any slice.`,
    };
  }
  const tolerance = roundSignificant(0.05 * targetStd);
  return {
    gate: { primary_metric: 'rmse', overall: { r2: { min: 0 }, rmse: { max_regression: tolerance } }, per_slice: {} },
    reason: `A candidate must do better than predicting the mean (R² ≥ 0) and its RMSE may rise at most ${tolerance} against the champion: 5% of the target's standard deviation (${roundSignificant(targetStd, 4)}), rounded.`,
  };
}

/** Skewness from which a positive target is modelled on the log scale. */
export const logTargetSkewness = 1;

/**
 * Minimum and skewness of a stream of numbers: Welford's update extended to the third moment
 * (Terriberry), one pass, constant memory.
 */
export class Moments {
  count = 0;
  min = Infinity;
  private mean = 0;
  private m2 = 0;
  private m3 = 0;

  add(value: number): void {
    this.count++;
    if (value < this.min) this.min = value;
    const delta = value - this.mean;
    const deltaN = delta / this.count;
    const term = delta * deltaN * (this.count - 1);
    this.mean += deltaN;
    this.m3 += term * deltaN * (this.count - 2) - 3 * deltaN * this.m2;
    this.m2 += term;
  }

  /** Sample skewness (the third standardised moment); 0 when the values are constant. */
  get skewness(): number {
    return this.m2 > 0 ? (Math.sqrt(this.count) * this.m3) / this.m2 ** 1.5 : 0;
  }
}

/**
 * `task.target_transform` for a regression target: `log` when every value is positive and the
 * distribution is right-skewed (skewness ≥ 1: prices, incomes, durations), so the model fits
 * relative errors; `none` otherwise, and always when a value is 0 or negative (no logarithm).
 */
export function chooseTargetTransform(target: { min: number; skewness: number }): { transform: 'none' | 'log'; why: string } {
  const skew = target.skewness;
  const shown = skew.toFixed(2);
  if (skew < logTargetSkewness) return { transform: 'none', why: `Target transform none: the target is not strongly skewed (skewness ${shown}).` };
  if (target.min <= 0) {
    return { transform: 'none', why: `Target transform none: the target is skewed (skewness ${shown}) but has values ≤ 0 (min ${target.min}), so no log.` };
  }
  return {
    transform: 'log',
    why: `Target transform log: every value is positive and the target is right-skewed (skewness ${shown}); the model learns its logarithm and predicts in the target's units.`,
  };
}
