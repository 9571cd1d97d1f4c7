import { z } from 'zod';
import { evaluationReportSchema, gateVerdictSchema } from '../evaluation/report-schema.js';
import { lineageSchema } from '../registry/lineage-schema.js';
import { experimentRecordSchema, registeredVersionSchema, aliasMoveSchema } from '../registry/registry-schema.js';

// `/monitoring`'s shape belongs to the drift window that computes it; served here as it is.
export { featureDriftSchema, monitoringSnapshotSchema, type FeatureDrift, type MonitoringSnapshot } from '../monitoring/snapshot-schema.js';
export { qualitySnapshotSchema, type QualitySnapshot, type QualityPoint, type QualityCheck } from '../monitoring/quality-schema.js';

/**
 * The JSON the server publishes for people and tools: `/model` (also `/api/model.json`),
 * `/api/versions.json`, `/monitoring` (also `/api/monitoring.json`) and `/api/stats.json`.
 * The dashboard page reads these same paths, and `mlops report` writes the same files for a
 * static site, so one page serves both.
 */

/** One input feature as clients must send it. */
export const servedFeatureSchema = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'categorical', 'datetime']),
  /** Whether null/missing is accepted for this feature (training saw missing values). */
  nullable: z.boolean(),
  vocabulary: z.array(z.string()).optional(),
  /** Datetime features: how the date is written (a string in this format, or ISO 8601). */
  date_format: z.object({ layout: z.enum(['iso', 'ymd', 'dmy', 'mdy']), separator: z.enum(['-', '/', '.']), time: z.boolean() }).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});
export type ServedFeature = z.infer<typeof servedFeatureSchema>;

/** `/model`: the served version, its card and lineage. */
export const modelInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  /** Whether the served version is the registry's champion (false when pinned to another). */
  champion: z.boolean(),
  loaded_at: z.string(),
  task: z.record(z.string(), z.unknown()),
  features: z.array(servedFeatureSchema),
  lineage: lineageSchema,
  evaluation: evaluationReportSchema,
  gate: gateVerdictSchema,
  /** The MCT v0.0.2 model card JSON. */
  card: z.record(z.string(), z.unknown()),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

/** A registered version with its overall metrics, for history charts. */
export const versionSummarySchema = registeredVersionSchema.extend({
  metrics: z.record(z.string(), z.number()),
});

/** `/api/versions.json`: the history: versions, champion moves and every experiment. */
export const versionHistorySchema = z.object({
  champion: z.string().nullable(),
  /** The version this server answers with (null in a static report). */
  served: z.string().nullable(),
  primary_metric: z.string(),
  versions: z.array(versionSummarySchema),
  alias_history: z.array(aliasMoveSchema),
  experiments: z.array(experimentRecordSchema),
  generated_at: z.string(),
});
export type VersionHistory = z.infer<typeof versionHistorySchema>;

/** `/api/stats.json`: live traffic numbers for the dashboard. */
export const servingStatsSchema = z.object({
  uptime_s: z.number(),
  requests_total: z.number().int(),
  errors_total: z.number().int(),
  /** Requests per second over the last minute. */
  request_rate: z.number(),
  latency_ms: z.object({ p50: z.number().nullable(), p90: z.number().nullable(), p99: z.number().nullable() }),
  /** Per-minute history for charts, oldest first, at most 60 points. */
  history: z.array(z.object({ at: z.string(), requests: z.number().int(), errors: z.number().int(), p99_ms: z.number().nullable() })),
});
export type ServingStats = z.infer<typeof servingStatsSchema>;
