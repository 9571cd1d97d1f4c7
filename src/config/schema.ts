import { z } from 'zod';
import { deploySchema } from './deploy-schema.js';
import { feedbackSchema } from './feedback-schema.js';
import { monitoringSchema, servingSchema } from './serving-schema.js';
import { dataSourcesSchema, dataWindowSchema } from './source-schema.js';

/**
 * The one config file a forker edits, `mlops.config.yaml`. This schema is its documentation:
 * every key, its type, its default. Unknown keys are errors so that a typo never silently
 * falls back to a default.
 */

const columnName = z.string().min(1, 'a column name cannot be empty');

/**
 * How a numeric column writes its numbers when that is not plain `1234.5`: thousands separators,
 * a percent sign, a currency, negatives in parentheses (read by src/data/number-cell.ts, detected
 * by `mlops init`). Mirrors `NumberFormat` there: the config layer does not import the data layer.
 */
export const numberFormatSchema = z.strictObject({
  /** This column's decimal mark when it differs from `data.decimal`. */
  decimal: z.enum(['.', ',']).optional(),
  /** Thousands separator: '' (none), ',', '.', ' ' (also the no-break spaces) or "'" (also ’). */
  group: z.enum(['', ',', '.', ' ', "'"]).default(''),
  /** Every value carries a percent sign; the number is read as written (`12,5 %` → 12.5). */
  percent: z.boolean().default(false),
  /** The column's currency sign or ISO code, before (`$12`) or after (`12 €`) the amount; values without it are read too. */
  currency: z.strictObject({ symbol: z.string().min(1), position: z.enum(['before', 'after']) }).optional(),
  /** Negatives may be written in parentheses, as accounting exports do (`(12.00)` → -12). */
  parentheses: z.boolean().default(false),
});
export type NumberFormatSpec = z.infer<typeof numberFormatSchema>;

/** A numeric input feature, standardised with training statistics. */
export const numericFeatureSchema = z.strictObject({
  name: columnName,
  type: z.literal('numeric'),
  /** How the column writes its numbers; absent: plain numbers with the file's decimal mark (`data.decimal`). */
  format: numberFormatSchema.optional(),
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

/**
 * A categorical input feature, one-hot encoded with a vocabulary fitted on the training split plus
 * an out-of-vocabulary slot.
 */
export const categoricalFeatureSchema = z.strictObject({
  name: columnName,
  type: z.literal('categorical'),
  /** The known values. Values outside it are a domain warning in validation (unless `top_k` is set) and use the OOV slot. */
  vocabulary: z.array(z.string()).min(1, 'a categorical feature needs at least one value in its vocabulary'),
  /**
   * A high-cardinality column (zip codes, product ids): the model one-hot encodes at most this
   * many of the training split's most frequent values; the rest share the out-of-vocabulary slot,
   * and validation does not warn about values outside `vocabulary`. Absent: up to 1000 values.
   */
  top_k: z.number().int().min(1).max(10_000).optional(),
  /** Fewest training rows a value needs to get its own input (default 1); rarer values share the OOV slot. */
  min_count: z.number().int().min(1).optional(),
  missing_fraction: z.number().min(0).max(1).optional(),
  max_missing_fraction: z.number().min(0).max(1).optional(),
});

/** Calendar parts a datetime feature can give (mirrors `dateTimeParts` in src/data/datetime-features.ts). */
export const dateTimePartNames = ['year', 'month', 'day_of_month', 'day_of_week', 'day_of_year', 'hour'] as const;

/** How a date column is written (mirrors `DateTimeFormat` in src/data/datetime-format.ts). */
export const dateTimeFormatSchema = z.strictObject({
  /** ISO 8601 (`2024-12-31`), year first (`2024/12/31`), day first (`31.12.2024`) or month first (`12/31/2024`). */
  layout: z.enum(['iso', 'ymd', 'dmy', 'mdy']),
  /** Between the date's parts: `-` for ISO; `/`, `.` or `-` otherwise. */
  separator: z.enum(['-', '/', '.']),
  /** Whether values carry a time of day (a value without one is midnight). Values without a zone are read as UTC. */
  time: z.boolean().default(false),
});
export type DateTimeFormatSpec = z.infer<typeof dateTimeFormatSchema>;

/**
 * A date or datetime input feature. Never one-hot encoded: the model reads its calendar parts and,
 * optionally, an age in days, each standardised like a numeric feature.
 */
export const dateTimeFeatureSchema = z.strictObject({
  name: columnName,
  type: z.literal('datetime'),
  format: dateTimeFormatSchema,
  /** The calendar parts that become inputs (UTC). */
  parts: z.array(z.enum(dateTimePartNames)).default(['year', 'month', 'day_of_week', 'day_of_month']),
  /**
   * An age in days as one more input: (reference − value) / 24 h. The reference is another
   * datetime feature of the same row (`{ column }`) or a fixed instant in ISO 8601 (`{ time }`).
   */
  age: z.union([z.strictObject({ column: columnName }), z.strictObject({ time: z.string().min(1) })]).optional(),
  /** Earliest and latest value seen when the config was written, ISO 8601 (documentation). */
  min: z.string().optional(),
  max: z.string().optional(),
  missing_fraction: z.number().min(0).max(1).optional(),
  max_missing_fraction: z.number().min(0).max(1).optional(),
});

export const featureSchema = z.discriminatedUnion('type', [numericFeatureSchema, categoricalFeatureSchema, dateTimeFeatureSchema]);
export type FeatureSpec = z.infer<typeof featureSchema>;
/** A feature as written in the config, before defaults (what `mlops init` writes). */
export type FeatureInput = z.input<typeof featureSchema>;
export type NumericFeatureSpec = z.infer<typeof numericFeatureSchema>;
export type CategoricalFeatureSpec = z.infer<typeof categoricalFeatureSchema>;
export type DateTimeFeatureSpec = z.infer<typeof dateTimeFeatureSchema>;
/** Feature types a config can declare. */
export type FeatureType = FeatureSpec['type'];

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
  /**
   * AUC on a slice is gated only when the slice has at least this many test rows of each class
   * (binary: positives and negatives); smaller ones are reported with the reason. Other metrics
   * need `min_slice_rows` rows.
   */
  min_slice_class_rows: z.number().int().min(2).default(20),
  /**
   * How a `max_regression` check decides. `paired` (default): the candidate and the champion are
   * scored on the same rows, and a check fails only when the worsening is larger than the
   * threshold AND a one-sided test (DeLong for AUC, paired bootstrap otherwise) says so at `alpha`,
   * Holm-adjusted over the overall checks and, separately, over the slice checks. `point`: fails
   * whenever the measured worsening exceeds the threshold, however noisy.
   */
  comparison: z.enum(['paired', 'point']).default('paired'),
  /** Family-wise error rate of the paired decision: the chance that a candidate no worse than the threshold is rejected. */
  alpha: z.number().gt(0).lt(0.5).default(0.05),
  /**
   * The in-run baseline: a logistic regression (classification) or ridge regression (regression)
   * trained on the same split and preprocessing, reported beside the candidate everywhere. With
   * `enabled`, the candidate is also rejected when it is worse than that baseline on `metric` by
   * more than `max_regression` and the paired test says so at `alpha` (the rule of `comparison`).
   */
  baseline: z
    .strictObject({
      /** Whether the baseline check can reject a candidate (the baseline is reported either way). */
      enabled: z.boolean().default(true),
      /** The metric compared; default the primary metric. */
      metric: z.enum(allMetricNames).optional(),
      /** Allowed worsening against the baseline; default the overall `max_regression` of `metric`, else 0. */
      max_regression: z.number().min(0).optional(),
    })
    .default({ enabled: true }),
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

/** Thresholds of the leakage check (mirrors `LeakageThresholds` in src/data/leakage.ts; absent keys keep its defaults). */
export const leakageThresholdsSchema = z.strictObject({
  /** Single-feature AUC (mean one-vs-rest for multiclass) at or above which a feature is suspected. */
  auc: z.number().gt(0.5).max(1).optional(),
  /** Share of the majority baseline's errors the best single-feature rule must remove. */
  error_reduction: z.number().gt(0).max(1).optional(),
  /** Largest share of other classes among the rows where a feature is present (or missing) for "only for one class". */
  presence: z.number().min(0).lt(1).optional(),
  /** Fewest training rows each class needs for the check to judge. */
  min_class_rows: z.number().int().min(1).optional(),
});

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
    /**
     * The decimal mark of the file's numbers: '.' (`29.85`) or ',' (`29,85`, as spreadsheets in
     * much of Europe export, usually with `delimiter: ';'`). A numeric feature's `format.decimal` overrides it.
     */
    decimal: z.enum(['.', ',']).default('.'),
    /**
     * Where the data comes from (src/config/source-schema.ts): a source or a list of them (`file`,
     * `http`, `command`, `feedback`), which `mlops fetch` writes into `path`. Absent: `path` is the
     * data as it is.
     */
    source: dataSourcesSchema.optional(),
    /** With a source: keep only the last `rows` rows, or the last `days` days (by `time_column`). */
    window: dataWindowSchema.optional(),
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
      /**
       * The columns that identify a row (an id column, or the columns that define a record). A
       * row's split and its identity in lineage come from them alone, so adding, removing or
       * editing other columns moves no row. Absent: every column except `data.ignore_columns`.
       */
      key_columns: z.array(columnName).min(1, 'list at least one key column, or leave key_columns out').optional(),
      /**
       * A datetime feature that makes the split out-of-time: the test split is the latest
       * `test_fraction` of the rows, the validation split the `validation_fraction` of the rest
       * just before it, training everything earlier. Absent: the seeded hash of each row's key.
       */
      time_column: columnName.optional(),
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
      /**
       * Suspected target leakage (a feature that alone predicts the target almost perfectly on
       * the training split, or is present only for one class): reported as a warning, an error, or
       * not checked (`off`). Classification tasks only.
       */
      leakage: z.enum(['off', 'warning', 'error']).default('warning'),
      /** When a feature is suspected (defaults in src/data/leakage.ts). */
      leakage_thresholds: leakageThresholdsSchema.optional(),
    })
    .default({ max_missing_fraction: 0.5, min_rows: 50, domain_violations: 'warning', max_reported_issues: 200, leakage: 'warning' }),
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
  feedback: feedbackSchema,
  deploy: deploySchema,
});

/** The validated config, with every default filled in. */
export type MlopsConfig = z.infer<typeof configSchema>;
/** The config as written in YAML, before defaults. */
export type MlopsConfigInput = z.input<typeof configSchema>;
