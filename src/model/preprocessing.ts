import { z } from 'zod';
import type { CategoricalFeatureSpec, FeatureSpec, TaskSpec } from '../config/schema.js';
import type { DateTimeFormat } from '../data/datetime-format.js';
import { dateTimeFormatOf } from '../data/feature-formats.js';
import { chooseTopK, TopKCounter } from '../data/top-k.js';
import { standardisation } from './training-statistics.js';
import { dateTimeTransformSchema, dateTimeWidth, encodeDateTime, fitDateTime, type DateTimeTransform } from './datetime-transform.js';
import { forwardTarget, inverseTarget } from './target-transform.js';

/**
 * The single source of feature transforms, imported by training and by serving so that
 * training/serving skew cannot come from code. Fitting uses training rows only; the fitted
 * spec is stored as `preprocessing.json` beside the model.
 */

/** Largest one-hot vocabulary kept per feature without `top_k`; rarer values share the out-of-vocabulary slot. */
export const maxVocabularySize = 1000;

const numericTransformSchema = z.object({
  name: z.string(),
  type: z.literal('numeric'),
  /** Training mean and population standard deviation (1 when the column is constant). */
  mean: z.number(),
  std: z.number().positive(),
  /** Value used for a missing cell: the training median. */
  impute: z.number(),
  /** Whether an extra 0/1 input marks missing cells (only when training data had some). */
  missing_indicator: z.boolean(),
  /** First input column of this feature. */
  offset: z.number().int().min(0),
});

const categoricalTransformSchema = z.object({
  name: z.string(),
  type: z.literal('categorical'),
  /** Training values in one-hot order; a value outside it sets the out-of-vocabulary slot at the end. Missing sets nothing. */
  vocabulary: z.array(z.string()),
  offset: z.number().int().min(0),
});

const featureTransformSchema = z.discriminatedUnion('type', [numericTransformSchema, categoricalTransformSchema, dateTimeTransformSchema]);
export type FeatureTransform = z.infer<typeof featureTransformSchema>;
export type NumericTransform = z.infer<typeof numericTransformSchema>;
export type CategoricalTransform = z.infer<typeof categoricalTransformSchema>;
export type { DateTimeTransform };

const targetTransformSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('binary'), negative_label: z.string(), positive_label: z.string(), threshold: z.number() }),
  z.object({ type: z.literal('multiclass'), classes: z.array(z.string()).min(2) }),
  /**
   * Regression targets are transformed (`task.target_transform`), then standardised for training;
   * predictions are restored to target units. mean and std are of the transformed target.
   */
  z.object({ type: z.literal('regression'), mean: z.number(), std: z.number().positive(), transform: z.enum(['none', 'log']).default('none') }),
]);
export type TargetTransform = z.infer<typeof targetTransformSchema>;

export const preprocessingSpecSchema = z.object({
  format: z.literal('mlops-preprocessing/v1'),
  features: z.array(featureTransformSchema).min(1),
  /** Number of model inputs after encoding. */
  input_width: z.number().int().min(1),
  target: targetTransformSchema,
});
export type PreprocessingSpec = z.infer<typeof preprocessingSpecSchema>;

/**
 * A feature value after parsing: numbers for numeric features, strings for categorical, epoch ms
 * or a date string for datetime features, null when missing.
 */
export type FeatureValue = number | string | null;
export type FeatureRecord = Readonly<Record<string, FeatureValue | undefined>>;

/** Number of encoded inputs a transform produces. */
export function transformWidth(transform: FeatureTransform): number {
  if (transform.type === 'numeric') return transform.missing_indicator ? 2 : 1;
  if (transform.type === 'datetime') return dateTimeWidth(transform);
  return transform.vocabulary.length + 1;
}

/** Every datetime feature's format by name: an age reference is read in its own column's format. */
function dateTimeFormats(entries: readonly (FeatureSpec | FeatureTransform)[]): Map<string, DateTimeFormat> {
  const formats = new Map<string, DateTimeFormat>();
  for (const entry of entries) {
    if (entry.type !== 'datetime') continue;
    formats.set(entry.name, 'inputs' in entry ? entry.format : dateTimeFormatOf(entry));
  }
  return formats;
}

/**
 * Learns the transforms from training rows: numeric mean/std/median; categorical vocabularies
 * (the most frequent values, by frequency then value: at most `top_k`, else `maxVocabularySize`,
 * each seen in at least `min_count` rows, else once); datetime parts and ages with their
 * statistics (datetime-transform.ts); and the target encoding.
 */
export function fitPreprocessing(
  features: readonly FeatureSpec[],
  task: TaskSpec,
  trainRows: readonly FeatureRecord[],
  trainTargets: readonly (string | number)[],
): PreprocessingSpec {
  let offset = 0;
  const formats = dateTimeFormats(features);
  const transforms: FeatureTransform[] = features.map((feature) => {
    const transform =
      feature.type === 'numeric'
        ? fitNumeric(feature.name, trainRows, offset)
        : feature.type === 'datetime'
          ? fitDateTime(feature, trainRows, offset, formats)
          : fitCategorical(feature, trainRows, offset);
    offset += transformWidth(transform);
    return transform;
  });
  return {
    format: 'mlops-preprocessing/v1',
    features: transforms,
    input_width: offset,
    target: fitTarget(task, trainTargets),
  };
}

function fitNumeric(name: string, rows: readonly FeatureRecord[], offset: number): NumericTransform {
  const values: number[] = [];
  let missing = 0;
  for (const row of rows) {
    const value = row[name];
    if (typeof value === 'number' && Number.isFinite(value)) values.push(value);
    else missing++;
  }
  return { name, type: 'numeric', ...standardisation(values), missing_indicator: missing > 0, offset };
}

/**
 * The vocabulary from bounded counters (top-k.ts): exact while the training split has at most
 * 10,000 distinct values, the SpaceSaving guarantee beyond, so memory never grows with the rows.
 */
function fitCategorical(feature: CategoricalFeatureSpec, rows: readonly FeatureRecord[], offset: number): CategoricalTransform {
  const name = feature.name;
  const counter = new TopKCounter();
  for (const row of rows) {
    const value = row[name];
    if (typeof value === 'string') counter.add(value);
  }
  const { vocabulary } = chooseTopK(counter, { maxK: feature.top_k ?? maxVocabularySize, minCount: feature.min_count ?? 1 });
  return { name, type: 'categorical', vocabulary, offset };
}

function fitTarget(task: TaskSpec, targets: readonly (string | number)[]): TargetTransform {
  if (task.type === 'binary') {
    return { type: 'binary', negative_label: task.negative_label, positive_label: task.positive_label, threshold: task.threshold };
  }
  if (task.type === 'multiclass') return { type: 'multiclass', classes: [...task.classes] };
  const transform = task.target_transform;
  let mean = 0;
  for (const t of targets) mean += forwardTarget(transform, Number(t));
  mean /= Math.max(1, targets.length);
  let sumSquares = 0;
  for (const t of targets) sumSquares += (forwardTarget(transform, Number(t)) - mean) ** 2;
  const std = Math.sqrt(sumSquares / Math.max(1, targets.length));
  return { type: 'regression', mean, std: std > 1e-12 ? std : 1, transform };
}

/** Lookup tables built once per spec so that encoding a row is a few array writes. */
export interface CompiledPreprocessing {
  spec: PreprocessingSpec;
  vocabularyIndex: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Each datetime feature's format (for age references). */
  dateTimeFormats: ReadonlyMap<string, DateTimeFormat>;
}

const compiledCache = new WeakMap<PreprocessingSpec, CompiledPreprocessing>();

/** Builds (and caches per spec object) the lookup tables for encoding. */
export function compilePreprocessing(spec: PreprocessingSpec): CompiledPreprocessing {
  const cached = compiledCache.get(spec);
  if (cached) return cached;
  const vocabularyIndex = new Map<string, Map<string, number>>();
  for (const transform of spec.features) {
    if (transform.type === 'categorical') {
      vocabularyIndex.set(transform.name, new Map(transform.vocabulary.map((value, index) => [value, index])));
    }
  }
  const compiled = { spec, vocabularyIndex, dateTimeFormats: dateTimeFormats(spec.features) };
  compiledCache.set(spec, compiled);
  return compiled;
}

/**
 * Encodes rows into a row-major Float32Array of `rows.length × input_width`. Numeric values are
 * standardised (missing → training median, plus the indicator); categorical values are one-hot
 * with an out-of-vocabulary slot; datetime values become their standardised parts and age.
 * Values must already be parsed (numbers / strings / null; a date may be epoch ms or a string).
 */
export function encodeFeatures(spec: PreprocessingSpec, rows: readonly FeatureRecord[]): Float32Array {
  const { vocabularyIndex, dateTimeFormats: formats } = compilePreprocessing(spec);
  const width = spec.input_width;
  const out = new Float32Array(rows.length * width);
  // Feature by feature over all rows: the inner loop stays on one transform (measured about 2× faster
  // than row by row on 1,000-row serving batches), and the output is identical.
  for (const transform of spec.features) {
    const name = transform.name;
    if (transform.type === 'numeric') {
      const { mean, std, impute, missing_indicator: indicator } = transform;
      for (let r = 0, at = transform.offset; r < rows.length; r++, at += width) {
        const value = rows[r]![name];
        const present = typeof value === 'number' && Number.isFinite(value);
        out[at] = ((present ? value : impute) - mean) / std;
        if (indicator) out[at + 1] = present ? 0 : 1;
      }
    } else if (transform.type === 'datetime') {
      encodeDateTime(transform, rows, out, width, formats);
    } else {
      const index = vocabularyIndex.get(name)!;
      const outOfVocabulary = transform.vocabulary.length;
      for (let r = 0, at = transform.offset; r < rows.length; r++, at += width) {
        const value = rows[r]![name];
        if (typeof value === 'string') out[at + (index.get(value) ?? outOfVocabulary)] = 1;
      }
    }
  }
  return out;
}

/** Whether a categorical value falls outside the training vocabulary (for monitoring). */
export function isOutOfVocabulary(spec: PreprocessingSpec, feature: string, value: string): boolean {
  const index = compilePreprocessing(spec).vocabularyIndex.get(feature);
  return index !== undefined && !index.has(value);
}

/** Number of model outputs: 1 for binary and regression, one per class for multiclass. */
export function outputWidth(spec: PreprocessingSpec): number {
  return spec.target.type === 'multiclass' ? spec.target.classes.length : 1;
}

/**
 * Encodes targets for training: binary 0/1, multiclass one-hot, regression standardised.
 * Throws on a label the spec does not know (validation should have caught it).
 */
export function encodeTargets(spec: PreprocessingSpec, targets: readonly (string | number)[]): Float32Array {
  const target = spec.target;
  if (target.type === 'binary') {
    return Float32Array.from(targets, (t) => {
      if (t === target.positive_label) return 1;
      if (t === target.negative_label) return 0;
      throw new Error(`Unknown binary label '${String(t)}'`);
    });
  }
  if (target.type === 'multiclass') {
    const k = target.classes.length;
    const index = new Map(target.classes.map((c, i) => [c, i]));
    const out = new Float32Array(targets.length * k);
    targets.forEach((t, r) => {
      const c = index.get(String(t));
      if (c === undefined) throw new Error(`Unknown class '${String(t)}'`);
      out[r * k + c] = 1;
    });
    return out;
  }
  return Float32Array.from(targets, (t) => (forwardTarget(target.transform, Number(t)) - target.mean) / target.std);
}

/** Class index per row for multiclass targets (for metrics). */
export function classIndices(spec: PreprocessingSpec, targets: readonly (string | number)[]): Int32Array {
  if (spec.target.type !== 'multiclass') throw new Error('classIndices needs a multiclass spec');
  const index = new Map(spec.target.classes.map((c, i) => [c, i]));
  return Int32Array.from(targets, (t) => index.get(String(t)) ?? -1);
}

/**
 * Turns raw model outputs into task predictions: binary P(positive), multiclass probabilities
 * (row-major, one column per class), regression values in target units.
 */
export function decodeOutputs(spec: PreprocessingSpec, outputs: Float32Array): Float32Array {
  if (spec.target.type !== 'regression') return outputs;
  const { mean, std, transform } = spec.target;
  return outputs.map((v) => inverseTarget(transform, v * std + mean));
}

/** One prediction as serving returns it. */
export type Prediction =
  | { label: string; probability: number }
  | { label: string; probabilities: Record<string, number> }
  | { value: number };

/** Formats decoded outputs as per-row predictions (label at the configured threshold for binary). */
export function formatPredictions(spec: PreprocessingSpec, decoded: Float32Array): Prediction[] {
  const target = spec.target;
  if (target.type === 'binary') {
    return Array.from(decoded, (p) => ({
      label: p >= target.threshold ? target.positive_label : target.negative_label,
      probability: p,
    }));
  }
  if (target.type === 'multiclass') {
    const k = target.classes.length;
    const predictions: Prediction[] = [];
    for (let r = 0; r * k < decoded.length; r++) {
      let best = 0;
      const probabilities: Record<string, number> = {};
      for (let c = 0; c < k; c++) {
        const p = decoded[r * k + c]!;
        probabilities[target.classes[c]!] = p;
        if (p > decoded[r * k + best]!) best = c;
      }
      predictions.push({ label: target.classes[best]!, probabilities });
    }
    return predictions;
  }
  return Array.from(decoded, (value) => ({ value }));
}

/** Parses a stored preprocessing.json value; throws a readable error when it is not one. */
export function parsePreprocessingSpec(value: unknown): PreprocessingSpec {
  const parsed = preprocessingSpecSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`preprocessing.json is invalid at ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return parsed.data;
}
