import { z } from 'zod';
import { deploySchema } from './deploy-schema.js';
import { monitoringSchema, servingSchema } from './serving-schema.js';

/**
 * The one config file a forker edits, `mlops.config.yaml`. This schema is its documentation:
 * every key, its type, its default. Unknown keys are errors so that a typo never silently
 * falls back to a default.
 */

const columnName = z.string().min(1, 'a column name cannot be empty');

/** A numeric input feature, standardised with training statistics. */
export const numericFeatureSchema = z.strictObject({
  name: columnName,
  type: z.literal('numeric'),
  /** Smallest value seen when the config was written; smaller values are a domain warning. */
  min: z.number().optional(),
  /** Largest value seen when the config was written; larger values are a domain warning. */
  max: z.number().optional(),
  /** Whether only whole numbers are expected (documentation; not enforced). */
  integer: z.boolean().optional(),
  /** Fraction of missing cells seen when the config was written (documentation). */
  missing_fraction: z.number().min(0).max(1).optional(),
  /** Overrides `validation.max_missing_fraction` for this feature. */
  max_missing_fraction: z.number().min(0).max(1).optional(),
});

/** A categorical input feature, one-hot encoded with the training vocabulary plus an out-of-vocabulary slot. */
export const categoricalFeatureSchema = z.strictObject({
  name: columnName,
  type: z.literal('categorical'),
  /** The known values. Values outside it are a domain warning in validation and use the OOV slot. */
  vocabulary: z.array(z.string()).min(1, 'a categorical feature needs at least one value in its vocabulary'),
  missing_fraction: z.number().min(0).max(1).optional(),
  max_missing_fraction: z.number().min(0).max(1).optional(),
});

export const featureSchema = z.discriminatedUnion('type', [numericFeatureSchema, categoricalFeatureSchema]);
export type FeatureSpec = z.infer<typeof featureSchema>;
export type NumericFeatureSpec = z.infer<typeof numericFeatureSchema>;
export type CategoricalFeatureSpec = z.infer<typeof categoricalFeatureSchema>;

export const taskSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('binary'),
    /** The target value that counts as the positive class. */
    positive_label: z.string().min(1),
    /** The other target value. */
    negative_label: z.string().min(1),
    /** Probability at or above which a prediction is the positive label. */
    threshold: z.number().gt(0).lt(1).default(0.5),
  }),
  z.strictObject({
    type: z.literal('multiclass'),
    /** Every target value; anything else in the target column is an error. */
    classes: z.array(z.string().min(1)).min(3, 'multiclass needs at least 3 classes (use binary for 2)'),
  }),
  z.strictObject({
    type: z.literal('regression'),
    min: z.number().optional(),
    max: z.number().optional(),
    /**
     * How the target is transformed before it is standardised for training: `log` for a skewed
     * positive target (prices, durations, counts that are never 0), so that errors are relative;
     * predictions and metrics are always in the target's own units. A value ≤ 0 is a validation
     * error under `log`. `mlops init` chooses it from the data.
     */
    target_transform: z.enum(['none', 'log']).default('none'),
  }),
]);
export type TaskSpec = z.infer<typeof taskSchema>;
export type TaskType = TaskSpec['type'];

/** Metric names the gate understands, per task. */
export const binaryMetricNames = ['auc', 'accuracy', 'precision', 'recall', 'f1', 'log_loss', 'brier'] as const;
export const multiclassMetricNames = ['accuracy', 'macro_f1', 'log_loss'] as const;
export const regressionMetricNames = ['mae', 'rmse', 'r2'] as const;
export const allMetricNames = [
  ...new Set([...binaryMetricNames, ...multiclassMetricNames, ...regressionMetricNames]),
] as [string, ...string[]];
export type MetricName = (typeof binaryMetricNames)[number] | (typeof multiclassMetricNames)[number] | (typeof regressionMetricNames)[number];

/** Metrics where a smaller value is better; for these `max` is the bound and a rise is a regression. */
export const lowerIsBetter: ReadonlySet<string> = new Set(['log_loss', 'brier', 'mae', 'rmse']);

/**
 * A rule for one metric. `min`/`max` are absolute bounds; `max_regression` is the largest allowed
 * worsening against the champion (a drop for higher-is-better metrics, a rise for the others).
 */
export const metricRuleSchema = z.strictObject({
  min: z.number().optional(),
  max: z.number().optional(),
  max_regression: z.number().min(0).optional(),
});
export type MetricRule = z.infer<typeof metricRuleSchema>;

const metricRulesSchema = z.partialRecord(z.enum(allMetricNames), metricRuleSchema);

export const gateSchema = z.strictObject({
  /** Metric that ranks candidates (in a sweep) and leads reports. Defaults per task. */
  primary_metric: z.enum(allMetricNames).optional(),
  /** Rules on the whole test split. */
  overall: metricRulesSchema.default({}),
  /** Rules applied to every slice with at least `min_slice_rows` test rows. */
  per_slice: metricRulesSchema.default({}),
  /** Slices with fewer test rows are reported but not gated. */
  min_slice_rows: z.number().int().min(1).default(30),
  /** What to do when the champion cannot be scored on the new data (its features changed). */
  on_unscorable_champion: z.enum(['fail', 'floors_only']).default('fail'),
  bootstrap: z
    .strictObject({
      resamples: z.number().int().min(0).max(100_000).default(1000),
      confidence: z.number().gt(0).lt(1).default(0.95),
      seed: z.number().int().default(7),
    })
    .default({ resamples: 1000, confidence: 0.95, seed: 7 }),
});
export type GateConfig = z.infer<typeof gateSchema>;

export const modelSchema = z.strictObject({
  /**
   * The network: `linear` (one dense output layer: logistic, softmax or linear regression),
   * `mlp` (hidden dense layers), or `wide_deep` (the hidden layers plus a linear path from the
   * inputs to the output, so the network starts from what a linear model learns).
   */
  kind: z.enum(['linear', 'mlp', 'wide_deep']).default('wide_deep'),
  /** Units of each hidden dense layer (mlp, wide_deep); [] gives a linear model. */
  hidden_units: z.array(z.number().int().min(1).max(4096)).max(8).default([32, 16]),
  activation: z.enum(['relu', 'elu', 'tanh', 'selu']).default('relu'),
  dropout: z.number().min(0).lt(1).default(0),
  l2: z.number().min(0).default(0.0001),
  /** Adam's starting learning rate. */
  learning_rate: z.number().gt(0).default(0.003),
  batch_size: z.number().int().min(1).default(128),
  max_epochs: z.number().int().min(1).default(60),
  /**
   * Reduce on plateau: after `patience` epochs without improvement of the watched value
   * (`early_stopping.monitor`), the learning rate is multiplied by `factor`, down to
   * `min_learning_rate`. A factor of 1 keeps the learning rate constant.
   */
  reduce_on_plateau: z
    .strictObject({
      factor: z.number().gt(0).max(1).default(0.5),
      patience: z.number().int().min(1).default(3),
      min_learning_rate: z.number().gt(0).default(0.0001),
    })
    .default({ factor: 0.5, patience: 3, min_learning_rate: 0.0001 }),
  /**
   * Stops when the watched value on the validation split has not improved by `min_delta` for
   * `patience` epochs, and keeps the best epoch's weights. `monitor: primary` watches the task's
   * primary metric (`gate.primary_metric`, in target units) where it differs from the loss
   * (AUC, macro-F1, RMSE of a log-transformed target); `loss` watches the validation loss.
   */
  early_stopping: z
    .strictObject({
      monitor: z.enum(['primary', 'loss']).default('primary'),
      patience: z.number().int().min(1).default(6),
      min_delta: z.number().min(0).default(0.0001),
    })
    .default({ monitor: 'primary', patience: 6, min_delta: 0.0001 }),
  seed: z.number().int().default(42),
  /** Preferred backend; `auto` tries tensorflow (tfjs-node), then wasm, then cpu. */
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
});
export type ModelConfig = z.infer<typeof modelSchema>;

/** Rows above which `training.streaming: auto` trains from an encoded file instead of memory. */
export const streamingRowThreshold = 100_000;

/** How training holds the data: in memory, or encoded on disk and read in blocks. */
export const trainingSchema = z.strictObject({
  /**
   * `auto` trains in memory up to 100,000 valid rows and from an encoded file beyond (memory then
   * stays flat however many rows there are); `always` and `never` force one way.
   */
  streaming: z.enum(['auto', 'always', 'never']).default('auto'),
  /**
   * Largest encoded training matrix (training and validation rows × inputs × 4 bytes) written to
   * the run workspace, in MB; a larger one is refused before training starts.
   */
  max_encoded_mb: z.number().positive().default(8192),
});
export type TrainingConfig = z.infer<typeof trainingSchema>;

/**
 * Config overrides for a hyperparameter sweep: dotted keys under `model.` to values, e.g.
 * `{"model.learning_rate": 0.001}`. Only the `model` section may change, so every candidate is
 * trained and tested on the same data, split and gate, and their primary metrics compare.
 */
export const overrideKeyPattern = /^model(\.[a-z_]+)+$/;
export const configOverridesSchema = z.record(z.string(), z.unknown()).superRefine((overrides, ctx) => {
  for (const key of Object.keys(overrides)) {
    if (!overrideKeyPattern.test(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `'${key}': only keys under model. may be overridden (e.g. model.learning_rate), so every candidate is judged on the same data and split` });
    }
  }
});
export type ConfigOverrides = z.infer<typeof configOverridesSchema>;

/** One sweep candidate: a name and the model.* keys it changes ({} trains the config as it is). */
export const sweepCandidateSchema = z.strictObject({
  /** Names the candidate: its work dir, its artifact (`candidate-<id>`), its row in the experiments table. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'use lowercase letters, digits and dashes (it names a folder and an artifact)'),
  overrides: configOverridesSchema.default({}),
});
export type SweepCandidateSpec = z.infer<typeof sweepCandidateSchema>;

/** The candidates `mlops sweep` and the retrain workflow's job matrix train when the config names none. */
export const defaultSweepCandidates: SweepCandidateSpec[] = [
  { id: 'default', overrides: {} },
  { id: 'wider', overrides: { 'model.hidden_units': [64, 32] } },
  { id: 'linear', overrides: { 'model.kind': 'linear' } },
];

export const configSchema = z.strictObject({
  /** Config format version. */
  version: z.literal(1).default(1),
  /** A short name for the model, used in cards, releases and image names. */
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lowercase letters, digits and dashes (it names images and releases)')
    .default('model'),
  description: z.string().default(''),
  data: z.strictObject({
    /** The training CSV, relative to the config file. */
    path: z.string().min(1),
    /** The column to predict. */
    target: columnName,
    /** Cell values that mean "missing" (after trimming). */
    missing_values: z.array(z.string()).default(['', 'NA', 'N/A']),
    /** Trim spaces around cell values and header names. */
    trim: z.boolean().default(true),
    /** Columns present in the CSV but not used (identifiers, leakage). */
    ignore_columns: z.array(columnName).default([]),
    delimiter: z.string().length(1).default(','),
  }),
  task: taskSchema,
  features: z.array(featureSchema).min(1, 'list at least one feature'),
  /** Columns whose values define slices for per-slice metrics and gating (categorical features or ignored columns). */
  slices: z.array(columnName).default([]),
  split: z
    .strictObject({
      /** Fraction of rows held out as the test split, decided by a seeded hash of each row. */
      test_fraction: z.number().gt(0).lt(1).default(0.2),
      /** Fraction of the remaining rows used for early stopping. */
      validation_fraction: z.number().gt(0).lt(1).default(0.1),
      seed: z.number().int().default(42),
    })
    .default({ test_fraction: 0.2, validation_fraction: 0.1, seed: 42 }),
  validation: z
    .strictObject({
      /** A column with a larger fraction of missing cells is an error. */
      max_missing_fraction: z.number().min(0).max(1).default(0.5),
      /** Fewer valid rows than this cannot be split into train, validation and test. */
      min_rows: z.number().int().min(2).default(50),
      /** Whether values outside a feature's domain (range, vocabulary) are warnings or errors. */
      domain_violations: z.enum(['warning', 'error']).default('warning'),
      /** Stop listing individual problems after this many (they are still counted). */
      max_reported_issues: z.number().int().min(1).default(200),
    })
    .default({ max_missing_fraction: 0.5, min_rows: 50, domain_violations: 'warning', max_reported_issues: 200 }),
  model: modelSchema.default(modelSchema.parse({})),
  gate: gateSchema.default(gateSchema.parse({})),
  training: trainingSchema.default(trainingSchema.parse({})),
  /**
   * The hyperparameter sweep: one list for `mlops sweep` (parallel worker processes on this
   * machine) and for the retrain workflow's job matrix (one runner each). Every candidate is
   * validated, trained and gated; the best that passed, by the primary metric, is registered.
   */
  sweep: z
    .strictObject({
      candidates: z.array(sweepCandidateSchema).min(1, 'list at least one candidate').default(defaultSweepCandidates),
    })
    .default({ candidates: defaultSweepCandidates }),
  registry: z
    .strictObject({
      /** The local registry folder (gitignored), relative to the config file. */
      path: z.string().default('.mlops/registry'),
    })
    .default({ path: '.mlops/registry' }),
  serving: servingSchema,
  monitoring: monitoringSchema,
  deploy: deploySchema,
});

/** The validated config, with every default filled in. */
export type MlopsConfig = z.infer<typeof configSchema>;
/** The config as written in YAML, before defaults. */
export type MlopsConfigInput = z.input<typeof configSchema>;
