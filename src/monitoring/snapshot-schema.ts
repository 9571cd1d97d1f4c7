import { z } from 'zod';
import { qualitySnapshotSchema } from './quality-schema.js';

/**
 * The drift report a `DriftWindow` (drift-window.ts) produces: what `/monitoring` serves and
 * `mlops monitor` prints. It lives beside the code that computes it, below the server that
 * publishes it (src/serving/api-schema.ts re-exports it with the other HTTP shapes).
 */

/** Drift of one feature against the training profile. */
export const featureDriftSchema = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'categorical']),
  /** Live values seen in the window (missing included). */
  count: z.number().int(),
  missing_rate: z.number(),
  /** Categorical: share of values outside the training vocabulary. */
  out_of_vocabulary_rate: z.number().optional(),
  /** Numeric: population stability index (Evidently's formula, empty bins at 1e-4) on the training histogram's bins. */
  psi: z.number().optional(),
  /**
   * Numeric: Jensen–Shannon divergence with base-2 logs on the same bins, in [0, 1], as TFDV
   * reports it (the distance scipy returns is its square root).
   */
  js: z.number().optional(),
  /** Categorical: L-infinity distance between category frequencies (TFDV). */
  linf: z.number().optional(),
  /** Whether any score passed its threshold (only with at least `min_samples` values). */
  drifted: z.boolean(),
});
export type FeatureDrift = z.infer<typeof featureDriftSchema>;

/** `/monitoring`: live data compared with the training profile. */
export const monitoringSnapshotSchema = z.object({
  model_version: z.string(),
  window: z.object({ started_at: z.string(), requests: z.number().int(), instances: z.number().int() }),
  thresholds: z.object({ psi: z.number(), js: z.number(), linf: z.number(), min_samples: z.number().int() }),
  features: z.array(featureDriftSchema),
  predictions: z.object({
    count: z.number().int(),
    /** Binary: share predicted positive; multiclass: share per class; regression: mean value. */
    distribution: z.record(z.string(), z.number()),
  }),
  /** Human-readable alerts, e.g. "tenure: PSI 0.31 > 0.1". */
  alerts: z.array(z.string()),
  /**
   * Live quality of the served version over its labelled predictions (`POST /feedback`); null
   * when feedback is off, absent in a report replayed from a sample log.
   */
  quality: qualitySnapshotSchema.nullable().optional(),
});
export type MonitoringSnapshot = z.infer<typeof monitoringSnapshotSchema>;
