import type { z } from 'zod';
import type { FeatureInput, numberFormatSchema } from '../config/schema.js';
import { configSchema } from '../config/schema.js';
import { proposeDateTimeFeatures } from './datetime-features.js';
import { DateTimeSampler, resolveDateTimeFormat, type DateTimeDetection } from './datetime-format.js';
import { IdColumnTracker } from './id-column.js';
import { isPlainNumberFormat, type DecimalMark, type NumberFormat } from './number-cell.js';
import { NumberFormatSampler, resolveNumberFormat, type NumberFormatDetection } from './number-format.js';
import { chooseTopK, TopKCounter, topKDefaults } from './top-k.js';

/**
 * Per-column evidence for `mlops init` (see infer-config.ts), gathered in one streaming pass in
 * bounded memory, and the rules that turn one column into a feature or an ignored column, each with
 * the reason the config's comments quote. The order of the rules: an identifier (the proposed
 * `split.key_columns`) is ignored; then dates (never one-hot); then numbers, with the format the
 * column writes them in; then categories, keeping the frequent values of a high-cardinality column.
 */

/** Distinct values counted exactly per column; beyond this, SpaceSaving counts (top-k.ts). */
export const maxTrackedValues = 10_000;
/** Largest vocabulary written whole; a column with more values keeps its top K (`top_k`). */
export const maxVocabulary = 1000;
/** A target with more classes than this is not inferred as multiclass. */
export const maxInferredClasses = 100;
/** A numeric target with more distinct values than this is inferred as regression. */
export const regressionDistinctThreshold = 20;
/** Slices are categorical features with this many values. */
export const sliceValueRange = { min: 2, max: 12 } as const;
/** Column names that suggest a business segment, preferred as slices. */
export const segmentNamePattern = /contract|region|segment|type|category|group/i;
/** Target values taken as the positive class of a binary task (compared case-insensitively). */
export const positiveLabelWords: readonly string[] = ['yes', 'true', '1', 'positive'];
/**
 * Non-missing cells per column the number and date detectors read. Their verdict needs 99% of the
 * values to fit, which a sample this size measures closely; validation then checks every cell and
 * reports the ones that break the format with their line.
 */
export const detectorSampleCap = 100_000;
/** After this many non-missing cells without one that looks like a date or a number, that detector stops. */
const detectorGiveUp = 1000;

/** The validation section's defaults: inferred configs use them and the rules below quote them. */
export const validationDefaults = configSchema.shape.validation.parse(undefined);
/** Cells read as missing in an inferred config. */
export const defaultMissingValues: readonly string[] = ['', 'NA', 'N/A'];

/** Streaming evidence about one column: counts, values by frequency, and the detectors' samplers. */
export class ColumnStats {
  /** Non-missing cells. */
  count = 0;
  missing = 0;
  /** The first non-missing cell, for messages. */
  firstText: string | null = null;
  /** Value counts: exact while the column has at most {@link maxTrackedValues} distinct values. */
  readonly counter = new TopKCounter(maxTrackedValues);
  readonly numbers = new NumberFormatSampler();
  readonly dates = new DateTimeSampler();
  readonly id: IdColumnTracker;
  /** Set by {@link ColumnStats.resolveNumbers}: how the column writes numbers, if it does. */
  numberDetection: NumberFormatDetection | null = null;

  constructor(
    private readonly isMissing: (cell: string) => boolean,
    name = '',
  ) {
    this.id = new IdColumnTracker(name);
  }

  add(cell: string): void {
    const missing = this.isMissing(cell);
    this.id.add(cell, missing);
    if (missing) {
      this.missing++;
      return;
    }
    this.count++;
    this.firstText ??= cell;
    this.counter.add(cell);
    if (this.count <= detectorSampleCap) {
      const numbers = this.numbers;
      if (numbers.shaped > 0 || numbers.cells < detectorGiveUp) numbers.add(cell);
      const dates = this.dates;
      if (dates.firstOther === null || dates.cells < detectorGiveUp || dates.counts.some((c) => c.valid > 0)) dates.add(cell);
    }
  }

  /** Distinct non-missing values (a lower bound when {@link overflow}). */
  get distinct(): number {
    return this.counter.size;
  }

  /** True when the column had more distinct values than are counted exactly. */
  get overflow(): boolean {
    return !this.counter.exact;
  }

  /** Value → count (exact unless {@link overflow}). */
  get values(): Map<string, number> {
    return new Map(this.counter.entries().map((entry) => [entry.value, entry.count]));
  }

  /** Values sorted by frequency (most frequent first), then by value. */
  valuesByFrequency(): string[] {
    return this.counter.entries().map((entry) => entry.value);
  }

  /** Decides the column's number format in the file's context (see number-format.ts). */
  resolveNumbers(context: { delimiter: string; decimal?: DecimalMark }): NumberFormatDetection {
    this.numberDetection = resolveNumberFormat(this.numbers, context);
    return this.numberDetection;
  }

  /** Whether the column holds numbers (resolved with a `,` delimiter when not resolved yet). */
  get numeric(): boolean {
    return (this.numberDetection ?? this.resolveNumbers({ delimiter: ',' })).format !== null;
  }
}

/** Orders strings by code unit, the same in every locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `part` as a percentage of `whole`, one decimal. */
export function share(part: number, whole: number): string {
  return `${((part / whole) * 100).toFixed(1)}%`;
}

/** 4 decimals: enough for a documentation field, short in YAML. */
function roundFraction(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** What a column becomes, with the note its config comment quotes. */
export type ColumnDecision =
  | { kind: 'ignored'; reason: string }
  | { kind: 'feature'; feature: FeatureInput; note: string | null };

/** A number format as written in the config (before defaults). */
type NumberFormatSpec = z.input<typeof numberFormatSchema>;

/** A number format as the config writes it: only what differs from plain numbers in the file's decimal mark. */
export function numberFormatSpec(format: NumberFormat, fileDecimal: DecimalMark): NumberFormatSpec | undefined {
  if (isPlainNumberFormat({ ...format, decimal: '.' }) && format.decimal === fileDecimal) return undefined;
  // Only what differs from the defaults, so the config reads like the column.
  const spec = {} as NumberFormatSpec;
  if (format.decimal !== fileDecimal) spec.decimal = format.decimal;
  if (format.group !== '') spec.group = format.group;
  if (format.percent) spec.percent = true;
  if (format.currency) spec.currency = { ...format.currency };
  if (format.parentheses) spec.parentheses = true;
  return spec;
}

/** The file-level facts a column's decision depends on. */
export interface ColumnContext {
  rows: number;
  delimiter: string;
  decimal: DecimalMark;
  /** Columns that identify the rows (ignored as features; the first is `split.key_columns`). */
  identifiers: ReadonlyMap<string, string>;
}

/**
 * Decides one (non-target) column: ignored (identifier, always missing, mostly missing,
 * constant, or no value frequent enough to learn from) or a datetime, numeric or categorical
 * feature. Numeric bounds (min, max, integer) are filled in later from the validation pass.
 */
export function decideColumn(name: string, stats: ColumnStats, context: ColumnContext): ColumnDecision {
  const { rows } = context;
  const identifier = context.identifiers.get(name);
  if (identifier !== undefined) return { kind: 'ignored', reason: `identifier: ${identifier}` };
  if (stats.count === 0) return { kind: 'ignored', reason: 'always missing' };
  const missingFraction = stats.missing / rows;
  if (missingFraction > validationDefaults.max_missing_fraction) {
    return { kind: 'ignored', reason: `mostly missing (${share(stats.missing, rows)} of rows; validation.max_missing_fraction is ${validationDefaults.max_missing_fraction})` };
  }
  if (!stats.overflow && stats.distinct === 1) return { kind: 'ignored', reason: `constant: every value is ${JSON.stringify(stats.valuesByFrequency()[0])}` };
  const missing_fraction = roundFraction(missingFraction);
  const dates = resolveDateTimeFormat(stats.dates, { delimiter: context.delimiter, decimal: context.decimal });
  if (dates.format !== null) return dateTimeDecision(name, dates, missing_fraction);
  const numbers = stats.numberDetection ?? stats.resolveNumbers({ delimiter: context.delimiter, decimal: context.decimal });
  if (numbers.format !== null) {
    const format = numberFormatSpec(numbers.format, context.decimal);
    const feature: FeatureInput = { name, type: 'numeric', ...(format ? { format } : {}), missing_fraction };
    return { kind: 'feature', feature, note: format || numbers.ambiguous ? numbers.note : null };
  }
  return categoricalDecision(name, stats, missing_fraction, numbers);
}

function dateTimeDecision(name: string, dates: DateTimeDetection, missing_fraction: number): ColumnDecision {
  const format = dates.format!;
  // The general reason (a date is never a category) is in the features section's comment.
  const { spec } = proposeDateTimeFeatures(format);
  const iso = (millis: number) => (format.time ? new Date(millis).toISOString() : new Date(millis).toISOString().slice(0, 10));
  const feature: FeatureInput = { name, type: 'datetime', format: { ...format }, parts: [...spec.parts], min: iso(dates.min), max: iso(dates.max), missing_fraction };
  return { kind: 'feature', feature, note: dates.note };
}

/**
 * A categorical column: its whole vocabulary when it has at most {@link maxVocabulary} values and
 * repeats them; otherwise (zip codes, product ids, free text) its top K values seen in at least
 * `min_count` rows each, the rest sharing the out-of-vocabulary input, or ignored when no value
 * is that frequent.
 */
function categoricalDecision(name: string, stats: ColumnStats, missing_fraction: number, numbers: NumberFormatDetection): ColumnDecision {
  const highCardinality = stats.overflow || stats.distinct > maxVocabulary || (stats.distinct > 50 && stats.distinct / stats.count > 0.9);
  const why = numbers.format === null && numbers.note.startsWith('codes') ? `${numbers.note}. ` : '';
  if (!highCardinality) {
    return { kind: 'feature', feature: { name, type: 'categorical', vocabulary: stats.valuesByFrequency(), missing_fraction }, note: why === '' ? null : why.trim() };
  }
  const choice = chooseTopK(stats.counter, { maxK: topKDefaults.maxK, minCount: topKDefaults.minCount });
  if (choice.vocabulary.length === 0) return { kind: 'ignored', reason: `high-cardinality: ${choice.explanation}` };
  const feature: FeatureInput = { name, type: 'categorical', vocabulary: choice.vocabulary, top_k: topKDefaults.maxK, min_count: topKDefaults.minCount, missing_fraction };
  return { kind: 'feature', feature, note: `${why}High-cardinality: ${choice.explanation}. top_k and min_count apply on the training split; values outside the vocabulary are expected (no validation warning)` };
}
