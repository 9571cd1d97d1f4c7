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
});
export type EvaluationReport = z.infer<typeof evaluationReportSchema>;

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
  /** Which rule: an absolute bound or the allowed regression against the champion. */
  rule: z.enum(['min', 'max', 'max_regression', 'report_only']),
  /** The bound the candidate had to meet, as a value of the metric. */
  threshold: z.number().nullable(),
  /** `pass`, `fail`, or `skipped` (too few rows, metric undefined, no champion). */
  outcome: z.enum(['pass', 'fail', 'skipped']),
  /** Why it was skipped or failed, in words. */
  note: z.string().optional(),
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
  /** The rows the comparison used (absent in verdicts written before it was recorded). */
  comparison: testComparisonSchema.optional(),
});
export type GateVerdict = z.infer<typeof gateVerdictSchema>;
