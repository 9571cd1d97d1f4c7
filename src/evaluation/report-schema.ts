import { z } from 'zod';

/**
 * The stored shapes of evaluation results (`metrics.json`) and gate verdicts (`gate.json`).
 * Written by the evaluate step, read by register, model cards, PR comments and the dashboard.
 */

/** A bootstrap confidence interval for one metric. */
export const intervalSchema = z.object({
  low: z.number(),
  high: z.number(),
});
export type Interval = z.infer<typeof intervalSchema>;

/** Metrics of one group of test rows (all of them, or one slice). */
export const groupMetricsSchema = z.object({
  /** Number of test rows in the group. */
  rows: z.number().int().min(0),
  /** Metric name → value. A metric that is undefined for the group (AUC with one class) is absent. */
  metrics: z.record(z.string(), z.number()),
  /** Metric name → bootstrap interval at `EvaluationReport.confidence`. */
  intervals: z.record(z.string(), intervalSchema),
  /** Binary: positive-class rate in the group; multiclass: share of each class; regression: mean target. */
  target_summary: z.record(z.string(), z.number()).default({}),
});
export type GroupMetrics = z.infer<typeof groupMetricsSchema>;

/**
 * A simple model trained in the same run on the same split and preprocessing, evaluated on the same
 * test rows: what the candidate must be compared with when there is no champion yet.
 */
export const baselineReportSchema = z.object({
  /** `linear`: logistic regression (classification) or ridge (regression); `constant`: class prior or training mean. */
  kind: z.enum(['linear', 'constant']),
  /** Which model: `logistic_regression`, `ridge`, `prior`, `mean`. */
  model: z.enum(['logistic_regression', 'ridge', 'prior', 'mean']),
  /** How people read it, e.g. "logistic regression (L2 1)". */
  name: z.string(),
  overall: groupMetricsSchema,
  slices: z.record(z.string(), z.record(z.string(), groupMetricsSchema)),
});
export type BaselineReport = z.infer<typeof baselineReportSchema>;

/** Everything measured about one model on one test split. */
export const evaluationReportSchema = z.object({
  task: z.enum(['binary', 'multiclass', 'regression']),
  /** Confidence level of the intervals, e.g. 0.95. */
  confidence: z.number(),
  /** Bootstrap resamples behind the intervals (0: no intervals). */
  resamples: z.number().int().min(0),
  overall: groupMetricsSchema,
  /** Slice column → slice value → metrics. Missing values form the slice "(missing)". */
  slices: z.record(z.string(), z.record(z.string(), groupMetricsSchema)),
  /** Binary only: confusion matrix at the configured threshold. Multiclass: rows true, columns predicted. */
  confusion: z
    .object({
      labels: z.array(z.string()),
      matrix: z.array(z.array(z.number().int())),
    })
    .optional(),
  /** Binary only: reliability diagram (10 equal-width bins of predicted probability). */
  calibration: z
    .array(z.object({ bin_low: z.number(), bin_high: z.number(), mean_predicted: z.number(), fraction_positive: z.number(), rows: z.number().int() }))
    .optional(),
  /** Regression only: a bounded sample of (predicted, residual) pairs for residual plots. */
  residuals: z.array(z.object({ predicted: z.number(), residual: z.number() })).optional(),
  /**
   * The in-run baselines on the same rows, beside the candidate (absent in reports of a champion,
   * and in reports written before baselines existed). Their intervals come from the same resamples.
   */
  baselines: z.array(baselineReportSchema).optional(),
});
export type EvaluationReport = z.infer<typeof evaluationReportSchema>;

/**
 * The paired evidence behind a comparison: the candidate against the champion (or the in-run
 * baseline) on the same rows. Absent in verdicts written before paired comparisons existed.
 */
export const checkEvidenceSchema = z.object({
  /** The model the delta is taken against. */
  against: z.enum(['champion', 'baseline']),
  /** candidate − that model on all rows of the scope. */
  delta: z.number().nullable(),
  /** Two-sided interval of the delta at `confidence` (1 − 2·alpha: its end is the one-sided bound the decision uses). */
  interval: intervalSchema.nullable(),
  confidence: z.number(),
  /** `delong` (AUC) or `paired_bootstrap` (every other metric). */
  test: z.enum(['delong', 'paired_bootstrap']),
  /** One-sided p-value of H0 "the true worsening is at most max_regression"; null when not tested. */
  p_value: z.number().nullable(),
  /** `p_value` adjusted by Holm's method within `family`; null when not tested. */
  p_adjusted: z.number().nullable(),
  /** The family of checks the p-value was adjusted in: `overall` or `slices`. */
  family: z.enum(['overall', 'slices']).optional(),
  /**
   * Why the check ended as it did: `within_threshold`, `drop_not_significant` (larger than the
   * threshold but could be noise), `drop_significant` (fails), `drop_over_threshold` (fails under
   * the point rule), `no_evidence` (not judged).
   */
  basis: z.enum(['within_threshold', 'drop_not_significant', 'drop_significant', 'drop_over_threshold', 'no_evidence']).optional(),
});
export type CheckEvidence = z.infer<typeof checkEvidenceSchema>;

/** One comparison the gate made. */
export const gateCheckSchema = z.object({
  /** `overall`, or `column=value` for a slice. */
  scope: z.string(),
  slice_column: z.string().optional(),
  slice_value: z.string().optional(),
  rows: z.number().int(),
  metric: z.string(),
  candidate: z.number().nullable(),
  champion: z.number().nullable(),
  /** candidate − champion, when both exist. */
  delta: z.number().nullable(),
  candidate_interval: intervalSchema.optional(),
  /** The in-run linear baseline's value on the same rows (absent before baselines existed, or without one). */
  baseline: z.number().nullable().optional(),
  /**
   * Which rule: an absolute bound, the allowed regression against the champion, the allowed
   * regression against the in-run linear baseline (`baseline`), or none (`report_only`).
   */
  rule: z.enum(['min', 'max', 'max_regression', 'baseline', 'report_only']),
  /** The bound the candidate had to meet, as a value of the metric. */
  threshold: z.number().nullable(),
  /** `pass`, `fail`, or `skipped` (too few rows, metric undefined, no champion). */
  outcome: z.enum(['pass', 'fail', 'skipped']),
  /** Why it was skipped or failed, in words. */
  note: z.string().optional(),
  /** The paired comparison behind the check: delta, interval, p-values (comparisons with a champion or baseline). */
  evidence: checkEvidenceSchema.optional(),
});
export type GateCheck = z.infer<typeof gateCheckSchema>;

/**
 * Which test rows candidate and champion were compared on: the test split minus the rows the
 * champion trained on (src/pipeline/fair-comparison.ts), and why others were left out.
 */
export const testComparisonSchema = z.object({
  /**
   * How the rows were chosen: `no_champion` (every test row), `training_keys` (the champion's
   * recorded training rows left out), `unverified` (every test row, because the champion's training
   * rows cannot be identified: see `note`).
   */
  basis: z.enum(['no_champion', 'training_keys', 'unverified']),
  test_rows: z.number().int().min(0),
  /** Rows both models were scored on for the gate. */
  comparable_rows: z.number().int().min(0),
  /** Test rows the champion trained on, left out of the comparison. */
  excluded_rows: z.number().int().min(0),
  /** The comparison in words, e.g. "1,120 test rows of 1,403: 283 rows left out because champion 1.0.0 trained on them". */
  note: z.string(),
});
export type TestComparison = z.infer<typeof testComparisonSchema>;

/** The gate's decision, with everything needed to explain it. */
export const gateVerdictSchema = z.object({
  passed: z.boolean(),
  /** One-line summary, e.g. "Rejected: auc on contract=Two year fell 0.031 (max 0.02)". */
  summary: z.string(),
  /** Candidate identity (run id) and champion version compared against, if any. */
  candidate: z.string(),
  champion_version: z.string().nullable(),
  /** Why only floors were applied, when there is no comparable champion. */
  champion_note: z.string().optional(),
  primary_metric: z.string(),
  checks: z.array(gateCheckSchema),
  evaluated_at: z.string(),
  /** How regression checks were decided (absent in verdicts written before paired comparisons). */
  method: z
    .object({
      /** `paired`: fail only on a significant drop beyond the threshold; `point`: fail on any drop beyond it. */
      comparison: z.enum(['paired', 'point']),
      alpha: z.number(),
      /** Judged checks in each Holm family. */
      family_sizes: z.object({ overall: z.number().int().min(0), slices: z.number().int().min(0) }),
      /** The rule in words, as gate.md states it. */
      rule: z.string(),
    })
    .optional(),
  /** The in-run baseline the candidate was gated against, when one was trained. */
  baseline: z
    .object({
      name: z.string(),
      metric: z.string(),
      max_regression: z.number(),
      /** Whether the baseline check can reject (`gate.baseline.enabled`). */
      gated: z.boolean(),
    })
    .optional(),
  /** The rows the comparison used (absent in verdicts written before it was recorded). */
  comparison: testComparisonSchema.optional(),
});
export type GateVerdict = z.infer<typeof gateVerdictSchema>;
