import { describe, expect, test } from 'vitest';
import type { FeatureSpec, TaskSpec } from '../../src/config/schema.js';
import { dateTimeReader } from '../../src/model/datetime-transform.js';
import { encodeFeatures, fitPreprocessing, parsePreprocessingSpec, transformWidth, type FeatureRecord } from '../../src/model/preprocessing.js';

/**
 * The datetime transform of preprocessing: calendar parts and ages, standardised with training
 * statistics, the same numbers from epoch ms (training) and from a date string (serving).
 */

const binary: TaskSpec = { type: 'binary', positive_label: 'Yes', negative_label: 'No', threshold: 0.5 };
const features: FeatureSpec[] = [
  { name: 'signup', type: 'datetime', format: { layout: 'dmy', separator: '.', time: false }, parts: ['year', 'month', 'day_of_week'], age: { column: 'seen' } },
  { name: 'seen', type: 'datetime', format: { layout: 'iso', separator: '-', time: true }, parts: ['hour'], age: { time: '2025-01-01' } },
];
const day = (y: number, m: number, d: number, h = 0) => Date.UTC(y, m - 1, d, h);
/** Training rows as dataset loading gives them: epoch ms. */
const rows: FeatureRecord[] = [
  { signup: day(2023, 1, 2), seen: day(2024, 12, 30, 8) },
  { signup: day(2024, 6, 15), seen: day(2024, 12, 31, 20) },
  { signup: null, seen: day(2024, 12, 1, 12) },
  { signup: day(2022, 11, 30), seen: day(2024, 11, 30, 0) },
];
const spec = fitPreprocessing(features, binary, rows, ['No', 'Yes', 'No', 'Yes']);

describe('fitting a datetime feature', () => {
  test('derives its parts and age, with training mean, std and median; a missing date turns on the indicator', () => {
    const signup = spec.features[0]!;
    if (signup.type !== 'datetime') throw new Error('expected a datetime transform');
    expect(signup.inputs.map((input) => input.name)).toEqual(['signup.year', 'signup.month', 'signup.day_of_week', 'signup.age_days']);
    // Years 2023, 2024, 2022 (the missing row left out): mean 2023, median 2023.
    expect(signup.inputs[0]).toMatchObject({ mean: 2023, impute: 2023 });
    expect(signup.inputs[0]!.std).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(signup.missing_indicator).toBe(true);
    expect(transformWidth(signup)).toBe(5);
    const seen = spec.features[1]!;
    expect(seen).toMatchObject({ type: 'datetime', missing_indicator: false, offset: 5 });
    expect(transformWidth(seen)).toBe(2);
    expect(spec.input_width).toBe(7);
  });

  test('survives a JSON round trip through its schema', () => {
    expect(parsePreprocessingSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });
});

describe('encoding dates', () => {
  test('a date string in the column’s format, the same date in ISO 8601 and its epoch ms encode alike', () => {
    const asMillis = encodeFeatures(spec, [{ signup: day(2024, 2, 29), seen: day(2024, 12, 31, 23) }]);
    const asText = encodeFeatures(spec, [{ signup: '29.02.2024', seen: '2024-12-31T23:00:00Z' }]);
    const asIso = encodeFeatures(spec, [{ signup: '2024-02-29', seen: '2024-12-31 23:00' }]);
    expect(Array.from(asText)).toEqual(Array.from(asMillis));
    expect(Array.from(asIso)).toEqual(Array.from(asMillis));
  });

  test('each input is standardised: 29 Feb 2024 is year 2024, month 2, a Thursday, 307 days before the reference', () => {
    const signup = spec.features[0]!;
    if (signup.type !== 'datetime') throw new Error('expected a datetime transform');
    const [encoded] = [encodeFeatures(spec, [{ signup: day(2024, 2, 29), seen: day(2024, 12, 31) }])];
    const raw = [2024, 2, 4, (day(2024, 12, 31) - day(2024, 2, 29)) / 86_400_000];
    raw.forEach((value, k) => expect(encoded[k]).toBeCloseTo((value - signup.inputs[k]!.mean) / signup.inputs[k]!.std, 5));
    expect(encoded[4]).toBe(0);
  });

  test('a missing or unreadable date is imputed with the training medians and marked missing', () => {
    const signup = spec.features[0]!;
    if (signup.type !== 'datetime') throw new Error('expected a datetime transform');
    for (const value of [null, 'not a date', '31.02.2024']) {
      const encoded = encodeFeatures(spec, [{ signup: value, seen: day(2024, 12, 31) }]);
      signup.inputs.slice(0, 3).forEach((input, k) => expect(encoded[k]).toBeCloseTo((input.impute - input.mean) / input.std, 5));
      expect(encoded[4]).toBe(1);
    }
  });
});

describe('dateTimeReader', () => {
  test.each([
    ['31.12.2024', Date.UTC(2024, 11, 31)],
    ['2024-12-31', Date.UTC(2024, 11, 31)],
    ['2024-12-31T10:00:00+02:00', Date.UTC(2024, 11, 31, 8)],
    ['12/31/2024', Number.NaN],
    ['', Number.NaN],
    [null, Number.NaN],
    [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1)],
    [Number.POSITIVE_INFINITY, Number.NaN],
  ])('day.month.year column: %j → %s', (value, expected) => {
    expect(dateTimeReader({ layout: 'dmy', separator: '.', time: false })(value)).toBe(expected);
  });
});

describe('categorical vocabularies from bounded counters', () => {
  const zip: FeatureSpec[] = [{ name: 'zip', type: 'categorical', vocabulary: ['01000'], top_k: 2, min_count: 2 }];
  const zipRows: FeatureRecord[] = ['a', 'b', 'b', 'c', 'c', 'c', 'd', null].map((zip) => ({ zip }));

  test('top_k and min_count keep the most frequent values seen often enough; the rest use the out-of-vocabulary slot', () => {
    const fitted = fitPreprocessing(zip, binary, zipRows, zipRows.map(() => 'No'));
    expect(fitted.features[0]).toMatchObject({ type: 'categorical', vocabulary: ['c', 'b'] });
    expect(Array.from(encodeFeatures(fitted, [{ zip: 'a' }, { zip: 'c' }]))).toEqual([0, 0, 1, 1, 0, 0]);
  });

  test('without them, every value by frequency then value (as before top-K counting)', () => {
    const fitted = fitPreprocessing([{ name: 'zip', type: 'categorical', vocabulary: ['a'] }], binary, zipRows, zipRows.map(() => 'No'));
    expect(fitted.features[0]).toMatchObject({ vocabulary: ['c', 'b', 'a', 'd'] });
  });
});
