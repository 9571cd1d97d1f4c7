import { z } from 'zod';
import { taskSchema } from '../config/schema.js';
import { sourceRecordSchema, windowRecordSchema } from '../data/fetch-record.js';
import { trainingTriggerSchema } from './training-trigger.js';

/**
 * The lineage of one trained model (`lineage.json` in every registered version): everything a
 * model card needs to say where the model came from, and what semantic versioning compares.
 */

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 as 64 lowercase hex characters');
const count = z.number().int().min(0);

/**
 * Which rows a model trained on (its training and validation splits: the rows it fitted and early
 * stopped on), so that a later gate scores candidate and champion only on rows neither saw. The
 * keys themselves are in a Golomb-coded set file beside the model (src/data/row-key-set.ts).
 */
export const lineageTrainingKeysSchema = z.object({
  /** The key set file, in the version folder. */
  file: z.string().min(1),
  sha256: sha256Hex,
  /** Distinct row keys in the set. */
  count,
  /** Probability that a row the model never saw is taken for one of its rows (it is then left out of comparisons). */
  false_positive_rate: z.number().min(0).max(1),
  /** The columns each key was computed over (sorted by name): `split.key_columns`, or every column but the ignored ones. */
  key_columns: z.array(z.string().min(1)).min(1),
  /** Whether the key is the whole row (no `split.key_columns`): then any new column the model uses changes every key. */
  whole_row: z.boolean(),
});
export type LineageTrainingKeys = z.infer<typeof lineageTrainingKeysSchema>;

/** An out-of-time split: the time column and each split's earliest and latest time (ISO 8601). */
export const lineageTimeSplitSchema = z.object({
  column: z.string().min(1),
  ranges: z.object({
    train: z.object({ from: z.string(), to: z.string() }).nullable(),
    validation: z.object({ from: z.string(), to: z.string() }).nullable(),
    test: z.object({ from: z.string(), to: z.string() }).nullable(),
  }),
});

/** The dataset a model was trained on, identified by content. */
export const lineageDatasetSchema = z.object({
  /** The CSV as given in the config (relative to the config file). */
  path: z.string().min(1),
  /** sha256 of the file's bytes: the identity of the data. */
  sha256: sha256Hex,
  /** Data rows in the file (excluding the header). */
  rows: count,
  /** Rows without validation errors, the ones that were split. */
  valid_rows: count,
  train_rows: count,
  /** Rows used for early stopping. */
  validation_rows: count,
  /** Held-out rows the evaluation and the gate are computed on. */
  test_rows: count,
  /** Where the data came from (`data.source`, fetched by `mlops fetch`): each source with when, bytes, sha256, rows. */
  sources: z.array(sourceRecordSchema).optional(),
  /** The window `mlops fetch` applied to the sources' rows. */
  window: windowRecordSchema.optional(),
  /** When `mlops fetch` wrote the data. */
  fetched_at: z.string().optional(),
  /** The rows the model trained on (absent in versions registered before it was recorded). */
  training_keys: lineageTrainingKeysSchema.optional(),
  /** Present when the split was out-of-time (`split.time_column`). */
  time_split: lineageTimeSplitSchema.optional(),
});

/** The code that trained the model. Nulls when it did not run inside a git checkout. */
export const lineageCodeSchema = z.object({
  commit: z.string().min(1).nullable(),
  /** Whether the working tree had uncommitted changes: then `commit` does not fully describe the code. */
  dirty: z.boolean().nullable(),
  branch: z.string().min(1).nullable(),
  /** The source tree without model-cards/ (see sourceTreeId): a card commit does not change it. Absent in older lineage. */
  tree: z.string().min(1).nullable().optional(),
});

/** The config file that drove the run. */
export const lineageConfigSchema = z.object({
  path: z.string().min(1),
  /** sha256 of the validated config (defaults filled, keys sorted); see `configHash`. */
  sha256: sha256Hex,
  /** The validated config itself (an `MlopsConfig`), so a version can be reproduced without the repo. */
  content: z.record(z.string(), z.unknown()),
});

/**
 * An input feature: its name and type are the serving contract; the rest of the spec (vocabulary,
 * ranges) is kept as written in the config.
 */
export const lineageFeatureSchema = z.looseObject({
  name: z.string().min(1),
  type: z.enum(['numeric', 'categorical', 'datetime']),
});
export type LineageFeature = z.infer<typeof lineageFeatureSchema>;

/** How the training ran. */
export const lineageTrainingSchema = z.object({
  /** tfjs backend actually used: `tensorflow`, `wasm` or `cpu`. */
  backend: z.string().min(1),
  tfjs_version: z.string().min(1),
  node_version: z.string().min(1),
  /** `process.platform`-`process.arch`, e.g. `linux-x64`. */
  platform: z.string().min(1),
  epochs_run: count,
  /** Epoch (1-based) whose weights were kept by early stopping. */
  best_epoch: count,
  duration_ms: z.number().min(0),
  samples_per_second: z.number().min(0),
  best_validation_loss: z.number(),
  /** What early stopping watched on the validation split and its value at the kept epoch (absent in older versions). */
  monitor: z.object({ name: z.string().min(1), best: z.number() }).optional(),
  /** Whether training read its rows from an encoded file on disk (`training.streaming`) rather than memory (absent in older versions). */
  streamed: z.boolean().optional(),
});

export const lineageSchema = z.object({
  /** Identity of the pipeline run that trained the model. */
  run_id: z.string().min(1),
  /** The config's `name`. */
  model_name: z.string().min(1),
  /** When training finished (ISO 8601). */
  created_at: z.iso.datetime({ offset: true }),
  dataset: lineageDatasetSchema,
  code: lineageCodeSchema,
  config: lineageConfigSchema,
  task: taskSchema,
  features: z.array(lineageFeatureSchema).min(1),
  /** The config's `model` section (a `ModelConfig`) as used. */
  hyperparameters: z.record(z.string(), z.unknown()),
  training: lineageTrainingSchema,
  /** The version this one was compared against for its semantic version (the champion at registration). */
  parent_version: z.string().nullable(),
  /** The CI run that produced the model (GitHub Actions run URL), when there is one. */
  run_url: z.url().nullable(),
  /** Wall time of the whole pipeline run, when known. */
  run_duration_ms: z.number().min(0).optional(),
  /** Why the version was trained (the run's reason); absent in versions registered before reasons were recorded, or started without one. */
  trigger: trainingTriggerSchema.optional(),
});
export type Lineage = z.infer<typeof lineageSchema>;
