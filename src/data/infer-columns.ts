import type { FeatureSpec } from '../config/schema.js';
import { configSchema } from '../config/schema.js';
import { parseNumber } from './row-schema.js';

/**
 * Per-column statistics for `mlops init` (see infer-config.ts) and the rules that turn one
 * column into a feature or an ignored column, each with the reason the config's comments quote.
 */

/** Distinct values remembered per column; beyond this a column is an identifier or free text. */
export const maxTrackedValues = 10_000;
/** Largest vocabulary inferred for a categorical feature (each value is one input of the network). */
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

/** The validation section's defaults: inferred configs use them and the rules below quote them. */
export const validationDefaults = configSchema.shape.validation.parse(undefined);
/** Cells read as missing in an inferred config. */
export const defaultMissingValues: readonly string[] = ['', 'NA', 'N/A'];

/** Streaming statistics of one column, as inference needs them. */
export class ColumnStats {
  /** Non-missing cells. */
  count = 0;
  missing = 0;
  /** Whether every non-missing cell so far is a finite number. */
  numeric = true;
  /** Whether every number so far is whole. */
  integer = true;
  min = Infinity;
  max = -Infinity;
  /** The first cell that is not a number, for messages. */
  firstText: string | null = null;
  /** Value → count, up to {@link maxTrackedValues} distinct values. */
  readonly values = new Map<string, number>();
  /** True when the column had more distinct values than are tracked. */
  overflow = false;
  private mean = 0;
  private m2 = 0;
  private m3 = 0;

  constructor(private readonly isMissing: (cell: string) => boolean) {}

  add(cell: string): void {
    if (this.isMissing(cell)) {
      this.missing++;
      return;
    }
    this.count++;
    if (this.numeric) {
      const value = parseNumber(cell);
      if (typeof value === 'number') {
        if (value < this.min) this.min = value;
        if (value > this.max) this.max = value;
        if (!Number.isInteger(value)) this.integer = false;
        // Welford's update extended to the third moment (Terriberry), for the skewness.
        const delta = value - this.mean;
        const deltaN = delta / this.count;
        const term = delta * deltaN * (this.count - 1);
        this.mean += deltaN;
        this.m3 += term * deltaN * (this.count - 2) - 3 * deltaN * this.m2;
        this.m2 += term;
      } else {
        this.numeric = false;
        this.firstText = cell;
      }
    }
    const seen = this.values.get(cell);
    if (seen !== undefined) this.values.set(cell, seen + 1);
    else if (this.values.size < maxTrackedValues) this.values.set(cell, 1);
    else this.overflow = true;
  }

  /** Distinct non-missing values (a lower bound when {@link overflow}). */
  get distinct(): number {
    return this.values.size;
  }

  /** Population standard deviation of a numeric column. */
  get std(): number {
    return this.count === 0 ? 0 : Math.sqrt(this.m2 / this.count);
  }

  /** Sample skewness (the third standardised moment) of a numeric column; 0 when it is constant. */
  get skewness(): number {
    return this.m2 > 0 ? (Math.sqrt(this.count) * this.m3) / this.m2 ** 1.5 : 0;
  }

  /** Values sorted by frequency (most frequent first), then by value. */
  valuesByFrequency(): string[] {
    return [...this.values].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0])).map(([value]) => value);
  }
}

/** Orders strings by code unit, the same in every locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Splits a column name into lowercase words: `customerID` → customer, id; `Individual ID` → individual, id. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Whether a column name says it is an identifier (a word id, uuid, guid or key). */
export function looksLikeIdentifierName(name: string): boolean {
  return nameWords(name).some((word) => word === 'id' || word === 'uuid' || word === 'guid');
}

/** `part` as a percentage of `whole`, one decimal. */
export function share(part: number, whole: number): string {
  return `${((part / whole) * 100).toFixed(1)}%`;
}

/** Why a (non-target) column is ignored, or null when it is a usable feature. */
export function ignoreReason(name: string, stats: ColumnStats, rows: number): string | null {
  if (stats.count === 0) return 'always missing';
  const missingFraction = stats.missing / rows;
  if (missingFraction > validationDefaults.max_missing_fraction) {
    return `mostly missing (${share(stats.missing, rows)} of rows; validation.max_missing_fraction is ${validationDefaults.max_missing_fraction})`;
  }
  if (!stats.overflow && stats.distinct === 1) return `constant: every value is ${JSON.stringify(stats.values.keys().next().value)}`;
  if (looksLikeIdentifierName(name) && (stats.overflow || stats.distinct === stats.count)) {
    return `identifier: the name says so and all ${stats.overflow ? `${maxTrackedValues.toLocaleString('en-US')}+` : stats.count.toLocaleString('en-US')} values are distinct`;
  }
  if (stats.numeric) return null;
  if (stats.overflow || (stats.distinct > 50 && stats.distinct / stats.count > 0.9)) {
    return `identifier-like: ${stats.overflow ? `more than ${maxTrackedValues.toLocaleString('en-US')}` : stats.distinct.toLocaleString('en-US')} distinct values in ${stats.count.toLocaleString('en-US')} rows`;
  }
  if (stats.distinct > maxVocabulary) {
    return `too many distinct values (${stats.distinct.toLocaleString('en-US')}) for a one-hot encoding (at most ${maxVocabulary})`;
  }
  return null;
}

/** 4 decimals: enough for a documentation field, short in YAML. */
function roundFraction(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** The feature a usable column becomes. */
export function featureFor(name: string, stats: ColumnStats, rows: number): FeatureSpec {
  const missing_fraction = roundFraction(stats.missing / rows);
  if (stats.numeric) return { name, type: 'numeric', min: stats.min, max: stats.max, integer: stats.integer, missing_fraction };
  return { name, type: 'categorical', vocabulary: stats.valuesByFrequency(), missing_fraction };
}
