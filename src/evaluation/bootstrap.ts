import { metricsForTask } from '../config/load.js';
import type { TaskType } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { createRandom, type Random } from '../core/rng.js';
import type { Interval } from './report-schema.js';
import { prepareMetrics, type MetricOptions, type Numbers, type PreparedMetrics } from './metrics.js';

/**
 * Percentile bootstrap intervals. A resample draws n rows with replacement; instead of copying rows
 * it records how many times each row was drawn and passes those counts to the metrics as weights,
 * so scores are sorted once (for AUC) and every resample costs O(n) per metric.
 */

/** How intervals are drawn (the `gate.bootstrap` block of the config). */
export interface BootstrapSettings {
  /** Number of resamples; 0 gives no intervals. */
  resamples: number;
  /** Confidence level of the two-sided interval, e.g. 0.95. */
  confidence: number;
  /** Seed of the resampling generator: the same seed gives the same intervals. */
  seed: number;
}

/** Inputs of a paired comparison: one set of true values, two models' predictions of the same rows. */
export interface PairedComparisonInput {
  task: TaskType;
  yTrue: Numbers;
  candidate: Numbers;
  champion: Numbers;
  options?: MetricOptions;
  bootstrap: BootstrapSettings;
}

/**
 * Fills `counts` with one resample of n rows drawn with replacement: counts[i] is how many times
 * row i was drawn (they sum to n).
 */
export function drawResampleCounts(random: Random, counts: Float64Array): void {
  const n = counts.length;
  counts.fill(0);
  for (let draw = 0; draw < n; draw++) counts[Math.floor(random() * n)]! += 1;
}

/**
 * Two-sided percentile interval of `values` at `confidence`, using numpy's default (linear)
 * percentile interpolation. Undefined when there are no values.
 */
export function percentileInterval(values: Numbers, confidence: number): Interval | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  const tail = (1 - confidence) / 2;
  return { low: quantileOfSorted(sorted, tail), high: quantileOfSorted(sorted, 1 - tail) };
}

function quantileOfSorted(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const fraction = position - below;
  return sorted[below]! + fraction * (sorted[above]! - sorted[below]!);
}

/** Checks settings that may come from a hand-made call rather than the validated config. */
export function checkBootstrapSettings(settings: BootstrapSettings): void {
  if (!Number.isInteger(settings.resamples) || settings.resamples < 0) {
    throw new ConfigError(`gate.bootstrap.resamples must be a whole number ≥ 0, got ${settings.resamples}`);
  }
  if (!(settings.confidence > 0 && settings.confidence < 1)) {
    throw new ConfigError(`gate.bootstrap.confidence must be between 0 and 1 (exclusive), got ${settings.confidence}`);
  }
  if (!Number.isInteger(settings.seed)) throw new ConfigError(`gate.bootstrap.seed must be an integer, got ${settings.seed}`);
}

/**
 * Percentile bootstrap interval of every metric of prepared predictions. A resample in which a
 * metric is undefined (AUC when the resample holds one class) is skipped for that metric only; a
 * metric undefined in every resample gets no interval. Deterministic for a seed.
 */
export function bootstrapIntervals(prepared: PreparedMetrics, settings: BootstrapSettings): Record<string, Interval> {
  const draws = drawSharedResamples([prepared], metricsForTask(prepared.task), settings);
  return resampledIntervals(draws.values[0]!, settings.confidence);
}

/**
 * Percentile intervals of resampled metrics (NaN = undefined on that resample, skipped); a metric
 * never defined gets no interval.
 */
export function resampledIntervals(values: Record<string, Float64Array>, confidence: number): Record<string, Interval> {
  const intervals: Record<string, Interval> = {};
  for (const [metric, drawn] of Object.entries(values)) {
    const interval = percentileInterval(definedValues(drawn), confidence);
    if (interval) intervals[metric] = interval;
  }
  return intervals;
}

/** Bootstrap intervals straight from predictions (see {@link bootstrapIntervals}). */
export function bootstrapMetricIntervals(
  task: TaskType,
  yTrue: Numbers,
  predictions: Numbers,
  options: MetricOptions,
  settings: BootstrapSettings,
): Record<string, Interval> {
  return bootstrapIntervals(prepareMetrics(task, yTrue, predictions, options), settings);
}

/**
 * Every model's metric values on the same resamples: each resample draws one set of row counts and
 * scores every model on it, so differences between models reflect only how the models differ, not
 * which rows were drawn. `values[model][metric][r]` is NaN where the metric was undefined on
 * resample r for that model (AUC on a resample that holds one class; precision with no predicted
 * positive).
 */
export interface SharedResamples {
  /** Resamples drawn (0 when there were no rows or no resamples asked). */
  resamples: number;
  /** Per model (in input order): metric → its value on each resample, NaN where undefined. */
  values: Record<string, Float64Array>[];
}

/**
 * Draws `settings.resamples` resamples of the rows once and scores each prepared model (all on the
 * same rows) on every one, for the given metrics. Deterministic for a seed; with one model it is
 * exactly the draws of {@link bootstrapIntervals}.
 */
export function drawSharedResamples(models: readonly PreparedMetrics[], metrics: readonly string[], settings: BootstrapSettings): SharedResamples {
  checkBootstrapSettings(settings);
  const rows = models[0]?.rows ?? 0;
  if (models.some((model) => model.rows !== rows)) throw new RangeError('drawSharedResamples: every model must be prepared on the same rows');
  const resamples = rows === 0 ? 0 : settings.resamples;
  const values = models.map(() => Object.fromEntries(metrics.map((metric) => [metric, new Float64Array(resamples)])));
  if (resamples === 0) return { resamples, values };
  const random = createRandom(settings.seed);
  const counts = new Float64Array(rows);
  for (let r = 0; r < resamples; r++) {
    drawResampleCounts(random, counts);
    models.forEach((model, m) => {
      const computed = model.compute(counts);
      const target = values[m]!;
      for (const metric of metrics) target[metric]![r] = computed[metric] ?? Number.NaN;
    });
  }
  return { resamples, values };
}

/** The defined (non-NaN) values of one resampled metric, in draw order. */
export function definedValues(values: Float64Array): Float64Array {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) count++;
  if (count === values.length) return values;
  const out = new Float64Array(count);
  let at = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) out[at++] = values[i]!;
  return out;
}
