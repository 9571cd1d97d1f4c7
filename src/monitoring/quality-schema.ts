import { z } from 'zod';

/**
 * Live quality: the metrics of one served version over its last labelled predictions, as
 * `/monitoring` publishes them under `quality` and `mlops monitor --url` reads them. Computed by
 * a QualityWindow (quality-window.ts) with the same metric code as `evaluate`.
 */

/** Metrics of one group of labelled predictions (overall or one slice value). */
export const qualityGroupSchema = z.object({
  /** Labelled predictions in the group. */
  labelled: z.number().int(),
  /** Every metric of the task that is defined for the group (AUC needs both classes). */
  metrics: z.record(z.string(), z.number()),
});
export type QualityGroup = z.infer<typeof qualityGroupSchema>;

/** One rule of `monitoring.quality.rules` judged on the live metrics. */
export const qualityCheckSchema = z.object({
  metric: z.string(),
  rule: z.enum(['min', 'max', 'max_regression']),
  /** The rule's number: the bound, or the largest allowed worsening. */
  limit: z.number(),
  /** The live value; null while the metric is undefined. */
  value: z.number().nullable(),
  /** The served version's offline test value (what `max_regression` compares with). */
  offline: z.number().nullable(),
  /** Null while fewer than `min_labels` labelled predictions are in the window (not judged). */
  passed: z.boolean().nullable(),
});
export type QualityCheck = z.infer<typeof qualityCheckSchema>;

/** A point of the quality history: the window's metrics after some labels arrived. */
export const qualityPointSchema = z.object({
  /** When the last label of the point arrived (ISO 8601). */
  at: z.string(),
  labelled: z.number().int(),
  labels_total: z.number().int(),
  metrics: z.record(z.string(), z.number()),
});
export type QualityPoint = z.infer<typeof qualityPointSchema>;

/** `quality` in `/monitoring`. */
export const qualitySnapshotSchema = z.object({
  model_version: z.string(),
  /** The metric that leads the version's reports (the gate's primary metric), charted over time. */
  primary_metric: z.string(),
  window_size: z.number().int(),
  min_labels: z.number().int(),
  /** Labelled predictions in the window (at most `window_size`). */
  labelled: z.number().int(),
  /** Labels received for this version since the log began (restored after a restart). */
  labels_total: z.number().int(),
  /** When the oldest label in the window arrived (ISO 8601); null when there is none. */
  since: z.string().nullable(),
  metrics: z.record(z.string(), z.number()),
  /** The served version's metrics on its test split, for comparison. */
  offline: z.record(z.string(), z.number()),
  /** Slice column → slice value → metrics (the config's slices that are features the requests carry). */
  slices: z.record(z.string(), z.record(z.string(), qualityGroupSchema)),
  checks: z.array(qualityCheckSchema),
  /** Human-readable alerts, e.g. "quality: auc 0.71 < 0.78 over 2000 labels". */
  alerts: z.array(z.string()),
  /** Metrics of the window over time, oldest first (at most {@link maxQualityHistory} points). */
  history: z.array(qualityPointSchema),
});
export type QualitySnapshot = z.infer<typeof qualitySnapshotSchema>;

/** Points kept in the quality history. */
export const maxQualityHistory = 120;
