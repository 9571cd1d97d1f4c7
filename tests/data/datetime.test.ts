import { describe, expect, test } from 'vitest';
import { checkDateTimeFeatureSpec, compileDateTimeFeatures, proposeDateTimeFeatures } from '../../src/data/datetime-features.js';
import {
  compileDateTimeParser,
  DateTimeSampler,
  looksLikeDate,
  parseIsoDateTime,
  resolveDateTimeFormat,
  utcDateMillis,
  type DateTimeContext,
  type DateTimeFormat,
} from '../../src/data/datetime-format.js';

function detect(cells: readonly string[], context: DateTimeContext = { delimiter: ',' }) {
  const sampler = new DateTimeSampler();
  for (const cell of cells) sampler.add(cell);
  return resolveDateTimeFormat(sampler, context);
}

describe('parseIsoDateTime', () => {
  // Date.parse is an independent reading of the same strings (ECMAScript's date-time format).
  test.each([
    '2024-12-31',
    '2024-02-29T23:59:59Z',
    '2024-03-05T14:22:10.123Z',
    '2024-03-05T14:22:10+02:00',
    '2024-03-05T14:22:10-05:30',
    '1969-07-20T20:17:40Z',
    '2000-01-01T00:00Z',
  ])('%s reads as Date.parse reads it', (text) => {
    expect(parseIsoDateTime(text)).toBe(Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text));
  });

  test.each([
    ['2024-03-05 14:22:10', Date.UTC(2024, 2, 5, 14, 22, 10)],
    ['2024-03-05T14:22:10+0200', Date.UTC(2024, 2, 5, 12, 22, 10)],
    ['2024-03-05T14:22:10,5', Date.UTC(2024, 2, 5, 14, 22, 10, 500)],
    ['0050-06-01', new Date(0).setUTCFullYear(50, 5, 1)],
  ])('%s (a naive time is UTC)', (text, expected) => {
    expect(parseIsoDateTime(text)).toBe(expected);
  });

  test.each(['2023-02-29', '2024-13-01', '2024-12-31T24:00', '2024-12-31T23:60', '31.12.2024', '2024-1-5', ''])('%j is not an ISO date', (text) => {
    expect(parseIsoDateTime(text)).toBeNaN();
  });

  test('utcDateMillis rejects dates that do not exist', () => {
    expect(utcDateMillis(2024, 2, 29)).toBe(Date.UTC(2024, 1, 29));
    expect(utcDateMillis(1900, 2, 29)).toBeNaN();
    expect(utcDateMillis(2000, 2, 29)).toBe(Date.UTC(2000, 1, 29));
    expect(utcDateMillis(2024, 4, 31)).toBeNaN();
  });
});

describe('resolveDateTimeFormat', () => {
  test.each([
    ['ISO dates', ['2024-01-05', '2023-12-31'], { layout: 'iso', separator: '-', time: false }, /^ISO 8601 \(2024-12-31\): all 2 values fit, from 2023-12-31T00:00:00.000Z to 2024-01-05T00:00:00.000Z$/],
    ['ISO datetimes with zones', ['2024-01-05T10:00:00Z', '2024-01-06 09:30:00+01:00'], { layout: 'iso', separator: '-', time: true }, /every value carries its time zone/],
    ['ISO datetimes without a zone', ['2024-01-05T10:00', '2024-01-06 09:30:00'], { layout: 'iso', separator: '-', time: true }, /no time zone, read as UTC/],
    ['day-first with dots, proven by a day above 12', ['01.02.2024', '31.12.2024'], { layout: 'dmy', separator: '.', time: false }, /day-first: "31.12.2024" has a day above 12 in the first position/],
    ['month-first with slashes, proven', ['01/02/2024', '12/31/2024 11:05 PM'], { layout: 'mdy', separator: '/', time: true }, /month-first: "12\/31\/2024 11:05 PM" has a day above 12 in the second position/],
    ['year first', ['2024/12/31', '2024/1/5'], { layout: 'ymd', separator: '/', time: false }, /^year\/month\/day/],
    ['day-first with dashes and times', ['13-01-2024 08:15', '01-02-2024 17:45:30'], { layout: 'dmy', separator: '-', time: true }, /day-first/],
  ] as const)('%s', (_, cells, format, note) => {
    const result = detect(cells);
    expect(result.format).toEqual(format);
    expect(result.ambiguous).toBe(false);
    expect(result.conforming).toBe(cells.length);
    expect(result.note).toMatch(note);
  });

  test.each([
    ['slashes in a comma-separated file: month-first', ['01/02/2024', '03/04/2024'], { delimiter: ',' }, 'mdy', /read month-first because slashes in a ","-separated file are most often US month-first/],
    ['slashes in a ;-separated file: day-first', ['01/02/2024', '03/04/2024'], { delimiter: ';' }, 'dmy', /read day-first because the file looks European/],
    ['slashes with decimal commas: day-first', ['01/02/2024', '03/04/2024'], { delimiter: '\t', decimal: ',' }, 'dmy', /the file looks European/],
    ['dots: day-first', ['01.02.2024', '03.04.2024'], { delimiter: ',' }, 'dmy', /read day-first because "." between the parts is written day-first/],
  ] as const)('ambiguous: %s', (_, cells, context, layout, note) => {
    const result = detect(cells, context);
    expect(result.format?.layout).toBe(layout);
    expect(result.ambiguous).toBe(true);
    expect(result.note).toMatch(note);
  });

  test('mixed day-first and month-first values: the majority wins, the others do not fit', () => {
    const cells = [...Array.from({ length: 200 }, (_, i) => `${13 + (i % 15)}/06/2024`), '06/13/2024'];
    const result = detect(cells);
    expect(result.format?.layout).toBe('dmy');
    expect(result.conforming).toBe(200);
  });

  test.each([
    [['abc', '2024-01-01'], /^not dates: only 1 of 2 values are dates in one layout$/],
    [['2024', '2023'], /^not dates: "2024" is not a date$/],
    [['31/12/24'], /^not dates/],
    [['30/02/2024', '31/02/2024'], /^not dates/],
    [[], /^no values$/],
  ])('%j is not a date column', (cells, note) => {
    const result = detect(cells);
    expect(result.format).toBeNull();
    expect(result.note).toMatch(note);
  });

  test('looksLikeDate', () => {
    expect(looksLikeDate('2024-12-31T10:00:00Z')).toBe(true);
    expect(looksLikeDate('31.12.2024')).toBe(true);
    expect(looksLikeDate('7590-VHVEG')).toBe(false);
  });
});

describe('compileDateTimeParser', () => {
  const dmy: DateTimeFormat = { layout: 'dmy', separator: '.', time: false };
  const mdy: DateTimeFormat = { layout: 'mdy', separator: '/', time: true };
  test.each([
    [dmy, '31.12.2024', Date.UTC(2024, 11, 31)],
    [dmy, '1.2.2024', Date.UTC(2024, 1, 1)],
    [mdy, '12/31/2024 11:59 PM', Date.UTC(2024, 11, 31, 23, 59)],
    [mdy, '1/2/2024 12:05 AM', Date.UTC(2024, 0, 2, 0, 5)],
    [mdy, '1/2/2024', Date.UTC(2024, 0, 2)],
  ])('%j reads %j', (format, cell, expected) => {
    expect(compileDateTimeParser(format)(cell)).toBe(expected);
  });

  test.each([
    [dmy, '2024-12-31', 'is not a date in the column\'s format: expected a date like day.month.year (31.12.2024)'],
    [dmy, '31/12/2024', 'is not a date in the column\'s format'],
    [dmy, '30.02.2024', 'is not a calendar date (month 2, day 30): expected a date like day.month.year (31.12.2024)'],
    [mdy, '12/31/2024 13:00 PM', 'has an invalid time of day: expected a date like month/day/year (12/31/2024) with a time of day'],
  ])('%j rejects %j', (format, cell, reason) => {
    expect(compileDateTimeParser(format)(cell)).toContain(reason);
  });
});

describe('datetime features', () => {
  const tuesday = Date.UTC(2024, 11, 31, 22, 30);

  test('calendar parts of 2024-12-31 22:30 (a Tuesday, day 366 of a leap year)', () => {
    const features = compileDateTimeFeatures('signup', { parts: ['year', 'month', 'day_of_month', 'day_of_week', 'day_of_year', 'hour'] });
    const out: number[] = [];
    features.write(out, 0, tuesday);
    expect(features.names).toEqual(['signup.year', 'signup.month', 'signup.day_of_month', 'signup.day_of_week', 'signup.day_of_year', 'signup.hour']);
    expect(out).toEqual([2024, 12, 31, 2, 366, 22]);
  });

  test('a Sunday is day 7 and 1 January is day 1', () => {
    const out = new Float64Array(2);
    compileDateTimeFeatures('d', { parts: ['day_of_week', 'day_of_year'] }).write(out, 0, Date.UTC(2023, 0, 1));
    expect([...out]).toEqual([7, 1]);
  });

  test('age in days against a fixed time and against a column of the same row', () => {
    const fixed = compileDateTimeFeatures('signup', { parts: [], age: { time: '2025-01-01T00:00:00Z' } });
    const out = new Float64Array(3);
    fixed.write(out, 1, tuesday, Date.UTC(1999, 0, 1));
    expect(out[1]).toBeCloseTo(1.5 / 24, 12);
    expect(fixed.referenceColumn).toBeNull();
    const relative = compileDateTimeFeatures('signup', { parts: ['year'], age: { column: 'churned_at' } });
    expect(relative.referenceColumn).toBe('churned_at');
    expect(relative.names).toEqual(['signup.year', 'signup.age_days']);
    const row: number[] = [];
    relative.write(row, 0, Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 11));
    expect(row).toEqual([2024, 10]);
    relative.write(row, 0, Date.UTC(2024, 0, 1));
    expect(row[1]).toBeNaN();
  });

  test('a missing value gives missing inputs', () => {
    const out = [0, 0];
    compileDateTimeFeatures('d', { parts: ['year', 'month'] }).write(out, 0, Number.NaN);
    expect(out.every(Number.isNaN)).toBe(true);
  });

  test('the same value and spec always give the same inputs (no clock inside)', () => {
    const spec = { parts: ['year', 'hour'] as const, age: { time: '2024-06-01' } };
    const a: number[] = [];
    const b: number[] = [];
    compileDateTimeFeatures('x', spec).write(a, 0, tuesday);
    compileDateTimeFeatures('x', spec).write(b, 0, tuesday);
    expect(a).toEqual(b);
  });

  test.each([
    [{ parts: [] }, 'a datetime feature needs at least one part or an age'],
    [{ parts: ['week'] }, 'unknown part "week"; parts are year, month, day_of_month, day_of_week, day_of_year, hour'],
    [{ parts: ['year', 'year'] }, 'a part is listed twice'],
    [{ parts: ['year'], age: { time: 'yesterday' } }, 'age.time "yesterday" is not an ISO 8601 date or datetime (e.g. 2024-12-31 or 2024-12-31T00:00:00Z)'],
  ] as const)('%j is unusable', (spec, reason) => {
    expect(checkDateTimeFeatureSpec(spec as never)).toBe(reason);
    expect(() => compileDateTimeFeatures('d', spec as never)).toThrow(`datetime feature "d": ${reason}`);
  });

  test('init proposes the calendar parts, with the hour only for datetimes', () => {
    expect(proposeDateTimeFeatures({ layout: 'iso', separator: '-', time: false }).spec.parts).toEqual(['year', 'month', 'day_of_week', 'day_of_month']);
    const proposal = proposeDateTimeFeatures({ layout: 'iso', separator: '-', time: true });
    expect(proposal.spec.parts).toContain('hour');
    expect(proposal.reason).toMatch(/^a date is never a category/);
  });
});
