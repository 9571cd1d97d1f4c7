import { lowerIsBetter } from '../config/schema.js';
import { percentileInterval } from './bootstrap.js';
import type { ScopeResamples } from './evaluate.js';
import type { Interval } from './report-schema.js';
import { delongRegressionPValue, delongTest } from './stats/delong.js';
import { pairResamples, testRegression, worseningOf } from './stats/paired-bootstrap.js';
import { maxUndefinedResampleShare } from './stats/regression-rule.js';
import { formatNumber } from '../core/number-format.js';

/**
 * The paired comparisons the gate judges: on each scope, the candidate against another model
 * scored on the same rows (the champion, the in-run baseline), metric by metric, with the delta,
 * its interval and — where the metric has an allowed regression — the one-sided p-value of
 * "the worsening is at most max_regression". AUC uses DeLong's test; every other metric the paired
 * bootstrap of the shared resamples (see src/evaluation/stats/regression-rule.ts for the rule).
 */

/** Which model the candidate is compared with. */
export type ReferenceModel = 'champion' | 'baseline';

/** The kind of scope a rule comes from: `gate.overall` or `gate.per_slice`. */
export type ScopeKind = 'overall' | 'slice';

/** One metric of one scope: candidate against a reference model. */
export interface MetricComparison {
  metric: string;
  against: ReferenceModel;
  /** Values on all of the scope's rows (null where undefined). */
  candidate: number | null;
  reference: number | null;
  /** candidate − reference. */
  delta: number | null;
  /** How much worse the candidate is (−delta, or +delta for lower-is-better metrics). */
  worsening: number | null;
  /** Two-sided interval of the delta at `confidence` (1 − 2·alpha: its end is the one-sided bound the decision uses). */
  interval: Interval | null;
  confidence: number;
  /** How the p-value and interval were computed. */
  test: 'delong' | 'paired_bootstrap';
  /** The allowed worsening the p-value refers to; null when the metric has no such rule here. */
  maxRegression: number | null;
  /** One-sided p-value of H0 "no worsening" (worsening ≤ 0; not adjusted); null without a rule or without evidence. */
  pValue: number | null;
  /** Why there is no p-value although there is a rule (too few rows of a class, no resamples, ...). */
  noEvidence?: string;
  /** Resamples drawn and those where the metric was undefined for either model (bootstrap only). */
  resamples: number;
  undefinedResamples: number;
}

/** Every comparison of one scope. */
export interface ScopeComparison {
  scope: string;
  column?: string;
  value?: string;
  rows: number;
  /** Rows of each class (classification; binary [negatives, positives]). */
  classRows: number[];
  comparisons: MetricComparison[];
}

/** A model to compare the candidate (model 0) with, and the allowed worsening per metric. */
export interface ComparisonPair {
  against: ReferenceModel;
  /** Index of the reference model in the evaluated models. */
  model: number;
  /** `max_regression` of a metric on this kind of scope, when there is one. */
  maxRegression: (kind: ScopeKind, metric: string) => number | undefined;
}

/** Everything {@link compareScope} needs besides the scope's resamples. */
export interface ComparisonPlan {
  pairs: readonly ComparisonPair[];
  /** The gate's alpha: intervals are shown at 1 − 2·alpha, the two-sided form of the one-sided test. */
  alpha: number;
}

/**
 * Compares the candidate (model 0 of the scope) with each reference model of the plan, for every
 * metric the resamples hold. Called from `evaluateModels`' `inspect` hook, while the resamples exist.
 */
export function compareScope(scope: ScopeResamples, plan: ComparisonPlan): ScopeComparison {
  const kind: ScopeKind = scope.column === undefined ? 'overall' : 'slice';
  const confidence = 1 - 2 * plan.alpha;
  const comparisons: MetricComparison[] = [];
  for (const pair of plan.pairs) {
    const delong = scope.resamples.values[0]!['auc'] !== undefined ? delongTest(scope.yTrue, scope.predictions[0]!, scope.predictions[pair.model]!, confidence) : null;
    for (const metric of Object.keys(scope.resamples.values[0]!)) {
      const maxRegression = pair.maxRegression(kind, metric) ?? null;
      const candidate = scope.metrics[0]![metric] ?? null;
      const reference = scope.metrics[pair.model]![metric] ?? null;
      const delta = candidate !== null && reference !== null ? candidate - reference : null;
      const base = {
        metric,
        against: pair.against,
        candidate,
        reference,
        delta,
        worsening: delta === null ? null : worseningOf(delta, lowerIsBetter.has(metric)),
        confidence,
        maxRegression,
      };
      if (metric === 'auc' && delong !== null) {
        const comparison: MetricComparison = { ...base, test: 'delong', interval: null, pValue: null, resamples: 0, undefinedResamples: 0 };
        if (delong.defined) {
          comparison.interval = delong.interval;
          if (maxRegression === null) {
            // Report only: the interval is all there is to show.
          } else if (delong.standardError === 0 && delong.delta !== 0) {
            // Every placement moved by the same amount: a degenerate variance estimate on very few rows, not certainty.
            comparison.noEvidence = `DeLong's standard error is 0 on these ${delong.cases} positive and ${delong.controls} negative rows: too few to judge`;
          } else {
            comparison.pValue = delongRegressionPValue(delong, 0);
          }
        } else if (maxRegression !== null) {
          comparison.noEvidence = delong.reason;
        }
        comparisons.push(comparison);
        continue;
      }
      const sample = pairResamples(
        metric,
        { all: scope.metrics[0]![metric], drawn: scope.resamples.values[0]![metric]! },
        { all: scope.metrics[pair.model]![metric], drawn: scope.resamples.values[pair.model]![metric]! },
        scope.resamples.resamples,
      );
      const comparison: MetricComparison = {
        ...base,
        test: 'paired_bootstrap',
        interval: percentileInterval(sample.deltas, confidence) ?? null,
        pValue: null,
        resamples: sample.resamples,
        undefinedResamples: sample.undefinedResamples,
      };
      if (maxRegression !== null) {
        comparison.pValue = testRegression(sample, 0, confidence).pValue;
        if (comparison.pValue === null) comparison.noEvidence = bootstrapNoEvidence(metric, sample.resamples, sample.undefinedResamples);
      }
      comparisons.push(comparison);
    }
  }
  const result: ScopeComparison = { scope: scope.scope, rows: scope.rows, classRows: scope.classRows, comparisons };
  if (scope.column !== undefined) result.column = scope.column;
  if (scope.value !== undefined) result.value = scope.value;
  return result;
}

/** Why a bootstrap comparison has no p-value. */
function bootstrapNoEvidence(metric: string, resamples: number, undefinedResamples: number): string {
  if (resamples === 0) return 'no bootstrap resamples (gate.bootstrap.resamples is 0), so the difference cannot be tested';
  if (undefinedResamples >= resamples) return `${metric} is undefined on every resample of these rows`;
  const share = undefinedResamples / resamples;
  return (
    `${metric} was undefined on ${formatNumber(share, { percent: true })} of resamples (more than ` +
    `${formatNumber(maxUndefinedResampleShare, { percent: true })}): too few rows of a class to judge`
  );
}
