import { z } from 'zod';

/**
 * The statistical profile of a dataset (`profile.json`): written by validate, stored with every
 * model version, and the baseline that serving compares live traffic with (drift).
 */

export const numericProfileSchema = z.object({
  type: z.literal('numeric'),
  /** Non-missing values. */
  count: z.number().int(),
  missing: z.number().int(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  /** Population standard deviation (ddof 0). */
  std: z.number().nullable(),
  /** Quantiles keyed "p01", "p05", "p25", "p50", "p75", "p95", "p99". */
  quantiles: z.record(z.string(), z.number()),
  /**
   * Histogram for drift: `edges` has one more entry than `counts`; the first and last bins are
   * open-ended in drift computations (values below/above the training range fall into them).
   */
  histogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number().int()) }),
  /** True when quantiles come from a bounded sample rather than every value. */
  sampled: z.boolean(),
});
export type NumericProfile = z.infer<typeof numericProfileSchema>;

export const categoricalProfileSchema = z.object({
  type: z.literal('categorical'),
  count: z.number().int(),
  missing: z.number().int(),
  /** Distinct non-missing values. */
  distinct: z.number().int(),
  /** Value → count, for every value (capped at 1000 most frequent, the rest summed in `other`). */
  frequencies: z.record(z.string(), z.number().int()),
  other: z.number().int().default(0),
  /** Values outside the configured vocabulary. */
  out_of_vocabulary: z.number().int(),
});
export type CategoricalProfile = z.infer<typeof categoricalProfileSchema>;

/**
 * A datetime feature: counts and the range of its values. No histogram: dates move forward, so
 * live traffic always lies outside the training range and drift on the raw date means nothing
 * (drift monitoring leaves datetime features out).
 */
export const dateTimeProfileSchema = z.object({
  type: z.literal('datetime'),
  count: z.number().int(),
  missing: z.number().int(),
  /** Earliest and latest value, ISO 8601 in UTC; null without values. */
  min: z.string().nullable(),
  max: z.string().nullable(),
});
export type DateTimeProfile = z.infer<typeof dateTimeProfileSchema>;

export const columnProfileSchema = z.discriminatedUnion('type', [numericProfileSchema, categoricalProfileSchema, dateTimeProfileSchema]);
export type ColumnProfile = z.infer<typeof columnProfileSchema>;

export const dataProfileSchema = z.object({
  /** The file profiled, as given (relative to the config when it came from there). */
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Data rows (excluding the header), and rows without errors. */
  rows: z.number().int(),
  valid_rows: z.number().int(),
  columns: z.array(z.string()),
  /** Feature name → profile. */
  features: z.record(z.string(), columnProfileSchema),
  /** The target column's profile (categorical for classification, numeric for regression). */
  target: columnProfileSchema,
  created_at: z.string(),
});
export type DataProfile = z.infer<typeof dataProfileSchema>;
