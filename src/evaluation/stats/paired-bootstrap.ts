import { metricsForTask } from '../../config/load.js';
import { lowerIsBetter } from '../../config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { checkBootstrapSettings, drawSharedResamples, percentileInterval, type PairedComparisonInput } from '../bootstrap.js';
import { prepareMetrics } from '../metrics.js';
import type { Interval } from '../report-schema.js';
import { usableBootstrapPValue } from './regression-rule.js';

/**
 * The paired bootstrap of candidate − champion for every metric, with a p-value for "the metric
 * worsened by more than the allowed regression". Both models are scored on the same rows and each
 * resample draws one set of rows for both (as row counts used as weights: no copying, scores
 * sorted once), so the spread of the delta reflects how the models differ, not which rows were
 * drawn. Deterministic for a seed.
 */

/** Bootstrap deltas of one metric. */
export interface PairedMetricSample {
  metric: string;
  /** Whether lower values are better (log loss, Brier, MAE, RMSE): then a rise is a worsening. */
  lowerIsBetter: boolean;
  /** Candidate's value on all rows; null when undefined. */
  candidate: number | null;
  /** Champion's value on all rows; null when undefined. */
  champion: number | null;
  /** candidate − champion on all rows; null unless both are defined. */
  delta: number | null;
  /** candidate − champion on each resample where the metric was defined for both, in draw order. */
  deltas: Float64Array;
  /**
   * The candidate's and the champion's own values on the same resamples (aligned with `deltas`):
   * each model's percentile interval comes from these draws, so a separate per-model bootstrap of
   * the same rows is not needed.
   */
  candidateValues: Float64Array;
  championValues: Float64Array;
  /** Resamples drawn. */
  resamples: number;
  /** Resamples where the metric was undefined (AUC on a resample that holds one class): counted, never scored. */
  undefinedResamples: number;
}

/** A metric's paired comparison against an allowed regression (see {@link testRegression}). */
export interface PairedRegressionTest {
  metric: string;
  candidate: number | null;
  champion: number | null;
  /** candidate − champion on all rows. */
  delta: number | null;
  /** How much worse the candidate is on all rows: −delta, or +delta for lower-is-better metrics; negative when it is better. */
  worsening: number | null;
  /** The allowed worsening (max_regression) the p-value refers to. */
  maxRegression: number;
  /** Two-sided percentile interval of delta at the bootstrap's confidence; null without defined resamples. */
  interval: Interval | null;
  /**
   * One-sided p-value of H0 "worsening ≤ maxRegression": (1 + k) / (1 + B), with B the resamples
   * where the metric was defined and k those among them whose worsening is ≤ maxRegression.
   * Null without defined resamples, or when the metric was undefined in more than 5% of them
   * (`maxUndefinedResampleShare`): too few rows of a class to judge.
   */
  pValue: number | null;
  /** Resamples where the metric was defined for both models (B). */
  resamples: number;
  /** Resamples where it was not (one class only, for AUC). */
  undefinedResamples: number;
}

/** Worsenings within this of the threshold count as on it, as the point rule's bound tolerance. */
const thresholdTolerance = 1e-12;

/**
 * Draws `bootstrap.resamples` paired resamples of the rows and records candidate − champion for
 * each metric of the task (or only `metrics`). Predictions are read and checked by
 * `prepareMetrics`, which throws a DataError naming a bad row. A resample where a metric is
 * undefined for either model is counted in `undefinedResamples` and left out of `deltas`.
 */
export function pairedBootstrap(input: PairedComparisonInput, metrics: readonly string[] = metricsForTask(input.task)): Record<string, PairedMetricSample> {
  const { task, yTrue, bootstrap } = input;
  checkBootstrapSettings(bootstrap);
  const known = metricsForTask(task);
  const unknown = metrics.find((m) => !known.includes(m));
  if (unknown !== undefined) throw new ConfigError(`'${unknown}' is not a ${task} metric; use one of ${known.join(', ')}`);
  const candidate = prepareMetrics(task, yTrue, input.candidate, input.options);
  const champion = prepareMetrics(task, yTrue, input.champion, input.options);
  const draws = drawSharedResamples([candidate, champion], metrics, bootstrap);
  const candidateAll = candidate.compute();
  const championAll = champion.compute();
  const samples: Record<string, PairedMetricSample> = {};
  for (const metric of metrics) {
    samples[metric] = pairResamples(metric, { all: candidateAll[metric], drawn: draws.values[0]![metric]! }, { all: championAll[metric], drawn: draws.values[1]![metric]! }, bootstrap.resamples);
  }
  return samples;
}

/** One model's value of a metric on all rows (undefined when undefined) and on each shared resample (NaN where undefined). */
export interface ResampledMetric {
  all: number | undefined;
  drawn: Float64Array;
}

/**
 * The paired sample of one metric from two models' values on the same resamples (see
 * `drawSharedResamples`): the deltas where both were defined, in draw order, and the count of
 * the `asked` resamples where either was not.
 */
export function pairResamples(metric: string, candidate: ResampledMetric, champion: ResampledMetric, asked: number): PairedMetricSample {
  const n = Math.min(candidate.drawn.length, champion.drawn.length);
  const deltas = new Float64Array(n);
  const candidateValues = new Float64Array(n);
  const championValues = new Float64Array(n);
  let defined = 0;
  for (let r = 0; r < n; r++) {
    const x = candidate.drawn[r]!;
    const y = champion.drawn[r]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    deltas[defined] = x - y;
    candidateValues[defined] = x;
    championValues[defined] = y;
    defined++;
  }
  const c = candidate.all;
  const h = champion.all;
  return {
    metric,
    lowerIsBetter: lowerIsBetter.has(metric),
    candidate: c ?? null,
    champion: h ?? null,
    delta: c !== undefined && h !== undefined ? c - h : null,
    deltas: deltas.subarray(0, defined),
    candidateValues: candidateValues.subarray(0, defined),
    championValues: championValues.subarray(0, defined),
    resamples: asked,
    undefinedResamples: asked - defined,
  };
}

/**
 * Each model's own percentile interval of the metric at `confidence`, from the paired draws (null
 * without defined resamples): the same numbers a separate per-model bootstrap with this seed gives.
 */
export function modelIntervals(sample: PairedMetricSample, confidence: number): { candidate: Interval | null; champion: Interval | null } {
  return {
    candidate: percentileInterval(sample.candidateValues, confidence) ?? null,
    champion: percentileInterval(sample.championValues, confidence) ?? null,
  };
}

/** How much worse the candidate is, given candidate − champion: positive means worse. */
export function worseningOf(delta: number, lowerIsBetterMetric: boolean): number {
  return lowerIsBetterMetric ? delta : -delta;
}

/**
 * The one-sided bootstrap p-value of H0 "the true worsening is at most `maxRegression`" against
 * "it is larger": (1 + k) / (1 + B), where B counts the resamples where the metric was defined and
 * k those among them whose worsening is ≤ maxRegression (within 1e−12). This is the percentile
 * bootstrap test (inverting the one-sided percentile interval) with the usual +1 so that it is never
 * 0 (Davison & Hinkley 1997, eq. 4.11). Small values mean the drop beyond the threshold is real.
 * Null when no resample was defined.
 */
export function bootstrapRegressionPValue(sample: PairedMetricSample, maxRegression: number): number | null {
  if (!(maxRegression >= 0)) throw new RangeError(`maxRegression must be ≥ 0, got ${maxRegression}`);
  const { deltas } = sample;
  if (deltas.length === 0) return null;
  let within = 0;
  for (let i = 0; i < deltas.length; i++) {
    if (worseningOf(deltas[i]!, sample.lowerIsBetter) <= maxRegression + thresholdTolerance) within++;
  }
  return (1 + within) / (1 + deltas.length);
}

/**
 * A metric's paired comparison against an allowed regression: point values, the percentile
 * interval of the delta at `confidence`, and the one-sided p-value of {@link bootstrapRegressionPValue}
 * when it may be judged on (see `usableBootstrapPValue`).
 */
export function testRegression(sample: PairedMetricSample, maxRegression: number, confidence: number): PairedRegressionTest {
  return {
    metric: sample.metric,
    candidate: sample.candidate,
    champion: sample.champion,
    delta: sample.delta,
    worsening: sample.delta === null ? null : worseningOf(sample.delta, sample.lowerIsBetter),
    maxRegression,
    interval: percentileInterval(sample.deltas, confidence) ?? null,
    pValue: usableBootstrapPValue(bootstrapRegressionPValue(sample, maxRegression), sample.undefinedResamples, sample.resamples),
    resamples: sample.deltas.length,
    undefinedResamples: sample.undefinedResamples,
  };
}
