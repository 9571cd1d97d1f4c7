import { z } from 'zod';
import { dateTimePartNames, type DateTimeFeatureSpec } from '../config/schema.js';
import { compileDateTimeFeatures, type CompiledDateTimeFeatures } from '../data/datetime-features.js';
import { compileDateTimeParser, describeDateTimeFormat, parseIsoDateTime, type DateTimeFormat } from '../data/datetime-format.js';
import { dateTimeFeatureSpecOf, dateTimeFormatOf } from '../data/feature-formats.js';
import { standardisation } from './training-statistics.js';

/**
 * The datetime transform of preprocessing.ts: a date becomes its calendar parts and optional age
 * in days (src/data/datetime-features.ts, a pure function of the value and its reference), each
 * standardised with training statistics and imputed with the training median when missing, plus
 * one missing indicator when training saw missing dates. Never a one-hot of dates.
 *
 * A value is epoch milliseconds (as dataset loading parses it) or a string (as a `/predict`
 * request sends it), read in the column's own format or as ISO 8601, so training and serving
 * derive the same numbers from the same date.
 */

const dateTimeFormatSchema = z.object({
  layout: z.enum(['iso', 'ymd', 'dmy', 'mdy']),
  separator: z.enum(['-', '/', '.']),
  time: z.boolean(),
});

/** One derived input's training statistics. */
const derivedInputSchema = z.object({
  /** `<column>.<part>` or `<column>.age_days`. */
  name: z.string(),
  mean: z.number(),
  std: z.number().positive(),
  /** Training median, used when the date (or its age reference) is missing. */
  impute: z.number(),
});

export const dateTimeTransformSchema = z.object({
  name: z.string(),
  type: z.literal('datetime'),
  /** How the column writes its dates; a request may also send ISO 8601. */
  format: dateTimeFormatSchema,
  parts: z.array(z.enum(dateTimePartNames)),
  age: z.union([z.object({ column: z.string() }), z.object({ time: z.string() })]).optional(),
  /** The derived inputs in encoding order (parts, then the age). */
  inputs: z.array(derivedInputSchema).min(1),
  /** Whether an extra 0/1 input marks a missing date (only when training data had some). */
  missing_indicator: z.boolean(),
  offset: z.number().int().min(0),
});
export type DateTimeTransform = z.infer<typeof dateTimeTransformSchema>;

/** Encoded inputs of a datetime transform. */
export function dateTimeWidth(transform: DateTimeTransform): number {
  return transform.inputs.length + (transform.missing_indicator ? 1 : 0);
}

/** Reads a date value: epoch ms as is; a string in the column's format or ISO 8601; NaN when missing or not a date. */
export type DateTimeReader = (value: unknown) => number;

/** A reader for a column format (see {@link DateTimeReader}). */
export function dateTimeReader(format: DateTimeFormat): DateTimeReader {
  const parse = compileDateTimeParser(format);
  return (value) => {
    if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
    if (typeof value !== 'string') return Number.NaN;
    const own = parse(value);
    return typeof own === 'number' ? own : parseIsoDateTime(value);
  };
}

/** What a request must send for a datetime feature, in words. */
export function describeDateTimeInput(format: DateTimeFormat): string {
  return format.layout === 'iso' ? `a date like ${describeDateTimeFormat(format)}` : `a date like ${describeDateTimeFormat(format)}, or ISO 8601 (2024-12-31)`;
}

/** A transform compiled once: its reader, its feature writer and the reference column's reader. */
interface CompiledDateTime {
  read: DateTimeReader;
  features: CompiledDateTimeFeatures;
}

const compiledCache = new WeakMap<DateTimeTransform, CompiledDateTime>();

function compile(transform: DateTimeTransform): CompiledDateTime {
  let compiled = compiledCache.get(transform);
  if (compiled === undefined) {
    const spec = transform.age === undefined ? { parts: transform.parts } : { parts: transform.parts, age: transform.age };
    compiled = { read: dateTimeReader(transform.format), features: compileDateTimeFeatures(transform.name, spec) };
    compiledCache.set(transform, compiled);
  }
  return compiled;
}

type Row = Readonly<Record<string, unknown>>;

/** Writes the derived values of every row (NaN where missing), row-major `rows × inputs`. */
function derive(compiled: CompiledDateTime, referenceRead: DateTimeReader | null, name: string, rows: readonly Row[]): Float64Array {
  const { features, read } = compiled;
  const width = features.width;
  const out = new Float64Array(rows.length * width);
  const reference = features.referenceColumn;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const referenceValue = reference === null || referenceRead === null ? undefined : referenceRead(row[reference]);
    features.write(out, r * width, read(row[name]), referenceValue);
  }
  return out;
}

/** The reader of an age reference column: it is another datetime feature, read in its own format. */
function referenceReader(spec: DateTimeFeatureSpec, formats: ReadonlyMap<string, DateTimeFormat>): DateTimeReader | null {
  if (spec.age === undefined || !('column' in spec.age)) return null;
  const format = formats.get(spec.age.column);
  return format === undefined ? null : dateTimeReader(format);
}

/**
 * Fits a datetime feature on training rows: per derived input the mean, population standard
 * deviation and median of the rows where it is defined. `formats` holds every datetime feature's
 * format (an age reference is read in its own column's format).
 */
export function fitDateTime(spec: DateTimeFeatureSpec, rows: readonly Row[], offset: number, formats: ReadonlyMap<string, DateTimeFormat>): DateTimeTransform {
  const format = dateTimeFormatOf(spec);
  const featureSpec = dateTimeFeatureSpecOf(spec);
  const compiled: CompiledDateTime = { read: dateTimeReader(format), features: compileDateTimeFeatures(spec.name, featureSpec) };
  const values = derive(compiled, referenceReader(spec, formats), spec.name, rows);
  const width = compiled.features.width;
  let anyMissing = false;
  const inputs = compiled.features.names.map((name, k) => {
    const present: number[] = [];
    for (let r = 0; r < rows.length; r++) {
      const value = values[r * width + k]!;
      if (Number.isNaN(value)) anyMissing = true;
      else present.push(value);
    }
    return { name, ...standardisation(present) };
  });
  const transform: DateTimeTransform = { name: spec.name, type: 'datetime', format, parts: [...spec.parts], inputs, missing_indicator: anyMissing, offset };
  if (spec.age !== undefined) transform.age = { ...spec.age };
  return transform;
}

/**
 * Encodes a datetime feature into `out` (row-major, `width` inputs per row): each derived input
 * standardised (missing → training median), then the missing indicator when the transform has one.
 * `transforms` finds the format of an age reference column.
 */
export function encodeDateTime(transform: DateTimeTransform, rows: readonly Row[], out: Float32Array, width: number, formats: ReadonlyMap<string, DateTimeFormat>): void {
  const compiled = compile(transform);
  const reference = transform.age && 'column' in transform.age ? formats.get(transform.age.column) : undefined;
  const values = derive(compiled, reference === undefined ? null : dateTimeReader(reference), transform.name, rows);
  const inputs = transform.inputs;
  const count = inputs.length;
  for (let r = 0, at = transform.offset; r < rows.length; r++, at += width) {
    let missing = false;
    for (let k = 0; k < count; k++) {
      const input = inputs[k]!;
      const value = values[r * count + k]!;
      const present = !Number.isNaN(value);
      if (!present) missing = true;
      out[at + k] = ((present ? value : input.impute) - input.mean) / input.std;
    }
    if (transform.missing_indicator) out[at + count] = missing ? 1 : 0;
  }
}
