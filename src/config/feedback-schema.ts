import { z } from 'zod';

/**
 * Ground truth coming back: the `feedback` section (prediction ids, `POST /feedback` and the
 * prediction log `mlops serve` keeps) and `monitoring.quality` (live metrics over labelled
 * predictions). Every key has a default, so both may be left out.
 */

const mebibyte = 1_048_576;

/** The `feedback` section: prediction ids, labels and the durable log of both. */
export const feedbackSchema = z
  .strictObject({
    /**
     * Give every prediction a `prediction_id`, log predictions and labels, and accept
     * `POST /feedback`. Off: no ids, no log, /feedback answers 404.
     */
    enabled: z.boolean().default(true),
    /**
     * Folder of the append-only prediction and label log, relative to the config file (to the
     * working directory for `mlops serve --registry` without a config). `--feedback-dir` and
     * MLOPS_FEEDBACK_DIR override it.
     */
    log_dir: z.string().min(1).default('.mlops/feedback'),
    /**
     * Most recent predictions that can still receive a label; an older one is "expired". Each
     * takes about 200 bytes of memory plus its features as JSON.
     */
    max_predictions: z.number().int().min(1).max(10_000_000).default(100_000),
    /** A prediction older than this many days cannot receive a label ("expired"). */
    max_age_days: z.number().gt(0).max(3650).default(90),
    /** Most labels in one `POST /feedback`; more is answered with 413. */
    max_labels_per_request: z.number().int().min(1).max(100_000).default(10_000),
    /** A log file is closed and a new one started when it would pass this size (bytes). */
    segment_bytes: z.number().int().min(65_536).default(64 * mebibyte),
    /** Disk budget of the log (bytes): the oldest files are deleted to stay within it. */
    max_bytes: z.number().int().min(262_144).default(1024 * mebibyte),
    /**
     * Predictions reach the operating system before their response is sent and the disk within
     * this many milliseconds (one fsync for everything written meanwhile); labels are fsynced
     * before `/feedback` answers.
     */
    fsync_interval_ms: z.number().int().min(1).max(60_000).default(200),
  })
  .check((ctx) => {
    if (ctx.value.segment_bytes * 4 > ctx.value.max_bytes) {
      ctx.issues.push({
        code: 'custom',
        message: `segment_bytes (${ctx.value.segment_bytes}) must be at most a quarter of max_bytes (${ctx.value.max_bytes}), so the budget holds several files`,
        input: ctx.value.segment_bytes,
        path: ['segment_bytes'],
      });
    }
  })
  .prefault({});
export type FeedbackConfig = z.infer<typeof feedbackSchema>;

/**
 * A rule on one live metric. Like a gate rule, but `max_regression` compares with the served
 * version's own offline test metric (what the card promised), not with a champion.
 */
export const qualityRuleSchema = z.strictObject({
  /** Alert when the live value is below this. */
  min: z.number().optional(),
  /** Alert when the live value is above this (lower-is-better metrics: log_loss, brier, mae, rmse). */
  max: z.number().optional(),
  /** Alert when the live value is worse than the offline test value by more than this. */
  max_regression: z.number().min(0).optional(),
});
export type QualityRule = z.infer<typeof qualityRuleSchema>;

/** Rules on live metrics by metric name (checked against the task's metrics when the config loads). */
export const qualityRulesSchema = z.record(z.string(), qualityRuleSchema);
export type QualityRules = z.infer<typeof qualityRulesSchema>;

/** `monitoring.quality`: metrics of the served model over its last labelled predictions. */
export const qualityMonitoringSchema = z
  .strictObject({
    /** Live metrics are computed over the last this-many labelled predictions of the served version. */
    window_size: z.number().int().min(10).max(1_000_000).default(2000),
    /** Rules are judged only from this many labelled predictions on. */
    min_labels: z.number().int().min(1).default(200),
    /**
     * When live quality is bad, with the gate's rule shape: `auc: {min: 0.78}`,
     * `log_loss: {max: 0.6}`, `auc: {max_regression: 0.05}` (a drop of more than 0.05 below the
     * served version's offline test AUC). Absent: the primary metric with max_regression 0.05.
     */
    rules: qualityRulesSchema.optional(),
  })
  .prefault({});
export type QualityMonitoringConfig = z.infer<typeof qualityMonitoringSchema>;
