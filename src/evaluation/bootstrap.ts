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

/** Candidate − champion for one metric on the same rows, with a paired-bootstrap interval. */
export interface PairedDelta {
  metric: string;
  /** Candidate's value on all rows; null when undefined. */
  candidate: number | null;
  /** Champion's value on all rows; null when undefined. */
  champion: number | null;
  /** candidate − champion; null unless both are defined. */
  delta: number | null;
  /** Percentile interval of the delta over resamples where both were defined; null when none was. */
  interval: Interval | null;
  /** Resamples in which the delta was defined. */
  resamples: number;
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
  checkBootstrapSettings(settings);
  const intervals: Record<string, Interval> = {};
  if (settings.resamples === 0 || prepared.rows === 0) return intervals;
  const samples = new Map<string, { values: Float64Array; count: number }>();
  const random = createRandom(settings.seed);
  const counts = new Float64Array(prepared.rows);
  for (let r = 0; r < settings.resamples; r++) {
    drawResampleCounts(random, counts);
    for (const [metric, value] of Object.entries(prepared.compute(counts))) {
      let sample = samples.get(metric);
      if (!sample) {
        sample = { values: new Float64Array(settings.resamples), count: 0 };
        samples.set(metric, sample);
      }
      sample.values[sample.count++] = value;
    }
  }
  for (const [metric, sample] of samples) {
    const interval = percentileInterval(sample.values.subarray(0, sample.count), settings.confidence);
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
 * Compares two models on the same rows for every metric of the task (every name is present; values
 * are null where undefined): each resample draws one set of
 * rows and scores both models on it, so the interval of candidate − champion reflects only how the
 * models differ, not which rows happened to be drawn. The integrator calls this when it has both
 * models' predictions on the candidate's test split (gate verdicts alone hold no per-row data).
 */
export function compareOnSameRows(input: PairedComparisonInput): Record<string, PairedDelta> {
  const { task, yTrue, bootstrap } = input;
  checkBootstrapSettings(bootstrap);
  const candidate = prepareMetrics(task, yTrue, input.candidate, input.options);
  const champion = prepareMetrics(task, yTrue, input.champion, input.options);
  const candidateAll = candidate.compute();
  const championAll = champion.compute();
  const metrics = metricsForTask(task);
  const deltas = new Map(metrics.map((m) => [m, { values: new Float64Array(bootstrap.resamples), count: 0 }]));
  if (candidate.rows > 0) {
    const random = createRandom(bootstrap.seed);
    const counts = new Float64Array(candidate.rows);
    for (let r = 0; r < bootstrap.resamples; r++) {
      drawResampleCounts(random, counts);
      const a = candidate.compute(counts);
      const b = champion.compute(counts);
      for (const [metric, sample] of deltas) {
        const x = a[metric];
        const y = b[metric];
        if (x !== undefined && y !== undefined) sample.values[sample.count++] = x - y;
      }
    }
  }
  const result: Record<string, PairedDelta> = {};
  for (const [metric, sample] of deltas) {
    const c = candidateAll[metric];
    const h = championAll[metric];
    result[metric] = {
      metric,
      candidate: c ?? null,
      champion: h ?? null,
      delta: c !== undefined && h !== undefined ? c - h : null,
      interval: percentileInterval(sample.values.subarray(0, sample.count), bootstrap.confidence) ?? null,
      resamples: sample.count,
    };
  }
  return result;
}

/**
 * Paired-bootstrap interval of candidate − champion for one metric (see {@link compareOnSameRows}).
 * Throws a ConfigError when the metric is not one of the task's.
 */
export function pairedBootstrapDelta(input: PairedComparisonInput & { metric: string }): PairedDelta {
  const known = metricsForTask(input.task);
  if (!known.includes(input.metric)) {
    throw new ConfigError(`'${input.metric}' is not a ${input.task} metric; use one of ${known.join(', ')}`);
  }
  return compareOnSameRows(input)[input.metric]!;
}
