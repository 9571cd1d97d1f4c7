import { parseIsoDateTime, type DateTimeFormat } from './datetime-format.js';

/**
 * What a model learns from a date: calendar parts (year, month, day of week, hour…) and an age
 * in days relative to a reference, never the date itself as a category (a vocabulary of dates
 * learns nothing that holds next month). A {@link DateTimeFeatureSpec} describes them; compiled
 * by {@link compileDateTimeFeatures}, it is a pure function of the value and the reference, with
 * no clock inside (a fixed reference is part of the spec, a per-row one is passed in), so
 * training and serving derive the same numbers from the same row.
 */

/** Calendar parts a datetime column can give, each one number per row (in UTC: see datetime-format.ts). */
export const dateTimeParts = ['year', 'month', 'day_of_month', 'day_of_week', 'day_of_year', 'hour'] as const;
export type DateTimePart = (typeof dateTimeParts)[number];

/**
 * The period of each cyclic part (month 1–12, ISO day of week 1 = Monday … 7 = Sunday, hour
 * 0–23, …): preprocessing may encode these as one-hot or sine/cosine instead of a number; the
 * year is not cyclic.
 */
export const partPeriods: Readonly<Record<DateTimePart, number | null>> = {
  year: null,
  month: 12,
  day_of_month: 31,
  day_of_week: 7,
  day_of_year: 366,
  hour: 24,
};

/** How a datetime column becomes model inputs. */
export interface DateTimeFeatureSpec {
  /** Calendar parts, in this order. */
  parts: readonly DateTimePart[];
  /**
   * Age in days: (reference − value) / 24 h, fractional. The reference is another datetime column
   * of the same row (`{ column }`: e.g. the age of an account at the time of an event) or a fixed
   * instant in ISO 8601 (`{ time }`: e.g. the end of the training data).
   */
  age?: { column: string } | { time: string };
}

/** A spec compiled for one column: input names and a writer. */
export interface CompiledDateTimeFeatures {
  /** Input names, `<column>.<part>` and `<column>.age_days`, in output order. */
  names: readonly string[];
  width: number;
  /** The reference column whose value must be passed to {@link CompiledDateTimeFeatures.write}, or null. */
  referenceColumn: string | null;
  /**
   * Writes the inputs of one value (epoch ms, NaN when missing) at `out[offset…]`; `reference`
   * is the reference column's value in the same row (ignored for a fixed reference). A missing
   * value (or reference) gives NaN inputs: missing, for preprocessing to impute like any number.
   */
  write(out: Float64Array | number[], offset: number, value: number, reference?: number): void;
}

const msPerDay = 86_400_000;

/** Why a spec is unusable, or null. */
export function checkDateTimeFeatureSpec(spec: DateTimeFeatureSpec): string | null {
  if (spec.parts.length === 0 && spec.age === undefined) return 'a datetime feature needs at least one part or an age';
  const unknown = spec.parts.find((part) => !dateTimeParts.includes(part));
  if (unknown !== undefined) return `unknown part ${JSON.stringify(unknown)}; parts are ${dateTimeParts.join(', ')}`;
  if (new Set(spec.parts).size !== spec.parts.length) return 'a part is listed twice';
  if (spec.age && 'time' in spec.age && Number.isNaN(parseIsoDateTime(spec.age.time))) {
    return `age.time ${JSON.stringify(spec.age.time)} is not an ISO 8601 date or datetime (e.g. 2024-12-31 or 2024-12-31T00:00:00Z)`;
  }
  return null;
}

function partOf(date: Date, millis: number, part: DateTimePart): number {
  switch (part) {
    case 'year':
      return date.getUTCFullYear();
    case 'month':
      return date.getUTCMonth() + 1;
    case 'day_of_month':
      return date.getUTCDate();
    case 'day_of_week':
      return ((date.getUTCDay() + 6) % 7) + 1;
    case 'day_of_year':
      return Math.floor((millis - new Date(0).setUTCFullYear(date.getUTCFullYear(), 0, 1)) / msPerDay) + 1;
    case 'hour':
      return date.getUTCHours();
  }
}

/** Compiles a spec for a column; throws RangeError with {@link checkDateTimeFeatureSpec}'s reason when it is unusable. */
export function compileDateTimeFeatures(column: string, spec: DateTimeFeatureSpec): CompiledDateTimeFeatures {
  const problem = checkDateTimeFeatureSpec(spec);
  if (problem !== null) throw new RangeError(`datetime feature "${column}": ${problem}`);
  const parts = [...spec.parts];
  const fixed = spec.age && 'time' in spec.age ? parseIsoDateTime(spec.age.time) : null;
  const hasAge = spec.age !== undefined;
  const names = [...parts.map((part) => `${column}.${part}`), ...(hasAge ? [`${column}.age_days`] : [])];
  return {
    names,
    width: names.length,
    referenceColumn: spec.age && 'column' in spec.age ? spec.age.column : null,
    write(out, offset, value, reference = Number.NaN) {
      if (Number.isNaN(value)) {
        for (let i = 0; i < names.length; i++) out[offset + i] = Number.NaN;
        return;
      }
      const date = new Date(value);
      for (let i = 0; i < parts.length; i++) out[offset + i] = partOf(date, value, parts[i]!);
      if (hasAge) out[offset + parts.length] = ((fixed ?? reference) - value) / msPerDay;
    },
  };
}

/**
 * The parts `mlops init` proposes for a detected format, with the reason for its comment: year,
 * month, day of week and day of month, plus the hour when values carry a time. No age: it needs
 * a reference only the user knows (another column of the row, or a fixed date).
 */
export function proposeDateTimeFeatures(format: DateTimeFormat): { spec: DateTimeFeatureSpec; reason: string } {
  const parts: DateTimePart[] = ['year', 'month', 'day_of_week', 'day_of_month', ...(format.time ? (['hour'] as const) : [])];
  return {
    spec: { parts },
    reason: `a date is never a category (a vocabulary of dates learns nothing that holds next month): its calendar parts (${parts.join(', ')}) are the inputs; add age: { column } or age: { time } for an age in days`,
  };
}
