/**
 * Date and datetime columns as people write them: ISO 8601 (`2024-12-31`, `2024-12-31T23:59:59Z`,
 * `2024-12-31 23:59:59.250+01:00`) and the common numeric forms with the day first
 * (`31/12/2024`, `31.12.2024`, `31-12-2024`), the month first (`12/31/2024`) or the year first
 * (`2024/12/31`), each optionally followed by a time of day (`23:59`, `23:59:59`, `11:59 PM`).
 * A streaming sampler counts which layouts the cells fit; {@link resolveDateTimeFormat} picks
 * one and settles day-first against month-first from the data (a value above 12 in one
 * position), or states the assumption it made; {@link compileDateTimeParser} reads a cell into
 * epoch milliseconds.
 *
 * Time zones: a value with `Z` or an offset is that instant; a value without one is read as UTC,
 * so that the calendar parts derived from it (hour, day of week) are the wall-clock ones written
 * in the file, the same in training and serving on any machine. Two-digit years (`31/12/24`) and
 * digits-only dates (`20241231`) are not recognised: they read as text or numbers.
 */

/** The order of a date's parts: ISO 8601, year first, day first, month first. */
export type DateLayout = 'iso' | 'ymd' | 'dmy' | 'mdy';

/** How one column writes its dates. */
export interface DateTimeFormat {
  layout: DateLayout;
  /** Between the date's parts (`-` for ISO). */
  separator: '-' | '/' | '.';
  /** Whether values carry a time of day (a value without one is midnight). */
  time: boolean;
}

/** Share of a column's non-missing values that must be dates of one layout for the column to be dates. */
export const minDateShare = 0.99;

const time = '(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?(?:\\s*([AaPp])\\.?[Mm]\\.?)?';
const isoPattern = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;
const yearFirstPattern = new RegExp(`^(\\d{4})([/.])(\\d{1,2})\\2(\\d{1,2})(?:[ T]${time})?$`);
const yearLastPattern = new RegExp(`^(\\d{1,2})([/.-])(\\d{1,2})\\2(\\d{4})(?:,?\\s+${time})?$`);

const msPerMinute = 60_000;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Epoch milliseconds of a UTC calendar date at midnight, or NaN when it is not one (31 February). */
export function utcDateMillis(year: number, month: number, day: number): number {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  // setUTCFullYear, not Date.UTC alone: Date.UTC maps years 0–99 to 1900–1999.
  return new Date(0).setUTCFullYear(year, month - 1, day);
}

function fractionMs(fraction: string | undefined): number {
  return fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}

/** Hour on a 24-hour clock from a 12-hour one (`12 AM` is 0), or NaN for an hour outside 1–12. */
function hour24(hour: number, meridiem: string | undefined): number {
  if (meridiem === undefined) return hour;
  if (hour < 1 || hour > 12) return Number.NaN;
  return (hour % 12) + (meridiem === 'p' || meridiem === 'P' ? 12 : 0);
}

/** A date cell split into its parts, before the order of day and month is known. */
interface DateParts {
  layout: 'iso' | 'ymd' | 'aby';
  separator: DateTimeFormat['separator'];
  year: number;
  /** ymd/iso: month, day. aby: the first and second numbers (day or month). */
  a: number;
  b: number;
  time: boolean;
  /** Milliseconds into the day, NaN when the time of day is invalid. */
  dayMs: number;
  /** Zone offset in minutes (ISO only). */
  offset: number;
  zoned: boolean;
}

function timeOfDayMs(hour: string | undefined, minute: string | undefined, second: string | undefined, fraction: string | undefined, meridiem: string | undefined): number {
  if (hour === undefined) return 0;
  const h = hour24(Number(hour), meridiem);
  const mi = Number(minute);
  const s = Number(second ?? 0);
  if (!(h <= 23) || mi > 59 || s > 59) return Number.NaN;
  return ((h * 60 + mi) * 60 + s) * 1000 + fractionMs(fraction);
}

function readDateParts(cell: string): DateParts | null {
  let m = isoPattern.exec(cell);
  if (m) {
    return {
      layout: 'iso', separator: '-', year: Number(m[1]), a: Number(m[2]), b: Number(m[3]), time: m[4] !== undefined,
      dayMs: timeOfDayMs(m[4], m[5], m[6], m[7], undefined), offset: zoneOffsetMinutes(m[8]), zoned: m[8] !== undefined,
    }; // prettier-ignore
  }
  m = yearFirstPattern.exec(cell);
  if (m) {
    return {
      layout: 'ymd', separator: m[2] as '/' | '.', year: Number(m[1]), a: Number(m[3]), b: Number(m[4]), time: m[5] !== undefined,
      dayMs: timeOfDayMs(m[5], m[6], m[7], m[8], m[9]), offset: 0, zoned: false,
    }; // prettier-ignore
  }
  m = yearLastPattern.exec(cell);
  if (m) {
    return {
      layout: 'aby', separator: m[2] as '/' | '.' | '-', year: Number(m[4]), a: Number(m[1]), b: Number(m[3]), time: m[5] !== undefined,
      dayMs: timeOfDayMs(m[5], m[6], m[7], m[8], m[9]), offset: 0, zoned: false,
    }; // prettier-ignore
  }
  return null;
}

/** Epoch ms of date parts read in one order (month, day), NaN when they are not a calendar date. */
function millisOf(parts: DateParts, month: number, day: number): number {
  if (Number.isNaN(parts.dayMs)) return Number.NaN;
  const midnight = utcDateMillis(parts.year, month, day);
  return midnight + parts.dayMs - parts.offset * msPerMinute;
}

/** Reads an ISO 8601 date or datetime (see the module comment) into epoch ms; NaN when it is not one. */
export function parseIsoDateTime(text: string): number {
  const parts = readDateParts(text);
  return parts === null || parts.layout !== 'iso' ? Number.NaN : millisOf(parts, parts.a, parts.b);
}

/** Whether a cell has the shape of a date in any recognised layout (for detectors that must not mistake dates for codes). */
export function looksLikeDate(cell: string): boolean {
  return readDateParts(cell) !== null;
}

/** The layouts a sampler tells apart, each with its separator. */
const candidates: readonly DateTimeFormat[] = [
  { layout: 'iso', separator: '-', time: false },
  { layout: 'ymd', separator: '/', time: false },
  { layout: 'ymd', separator: '.', time: false },
  ...(['/', '.', '-'] as const).flatMap((separator) => [
    { layout: 'dmy' as const, separator, time: false },
    { layout: 'mdy' as const, separator, time: false },
  ]),
];

/** Running counts of one candidate layout. */
interface LayoutCounts {
  /** Cells that are valid dates in this layout. */
  valid: number;
  withTime: number;
  zoned: number;
  min: number;
  max: number;
  /** The first cell that only this layout (not its day/month swap) reads, e.g. `31/12/2024` for dmy. */
  proof: string | null;
}

/** Streaming evidence about one column's date format: feed it every non-missing cell. */
export class DateTimeSampler {
  cells = 0;
  /** The first cell that is not shaped like a date. */
  firstOther: string | null = null;
  readonly counts: LayoutCounts[] = candidates.map(() => ({ valid: 0, withTime: 0, zoned: 0, min: Infinity, max: -Infinity, proof: null }));

  add(cell: string): void {
    this.cells++;
    const parts = readDateParts(cell);
    if (parts === null) {
      this.firstOther ??= cell;
      return;
    }
    const count = (index: number, millis: number, proof: boolean) => {
      if (Number.isNaN(millis)) return;
      const c = this.counts[index]!;
      c.valid++;
      if (parts.time) c.withTime++;
      if (parts.zoned) c.zoned++;
      if (millis < c.min) c.min = millis;
      if (millis > c.max) c.max = millis;
      if (proof) c.proof ??= cell;
    };
    if (parts.layout === 'iso') count(0, millisOf(parts, parts.a, parts.b), false);
    else if (parts.layout === 'ymd') count(parts.separator === '/' ? 1 : 2, millisOf(parts, parts.a, parts.b), false);
    else {
      const base = 3 + 2 * ['/', '.', '-'].indexOf(parts.separator);
      const dayFirst = millisOf(parts, parts.b, parts.a);
      const monthFirst = millisOf(parts, parts.a, parts.b);
      count(base, dayFirst, Number.isNaN(monthFirst));
      count(base + 1, monthFirst, Number.isNaN(dayFirst));
    }
  }
}

/** What the file suggests when day and month cannot be told apart. */
export interface DateTimeContext {
  delimiter: string;
  decimal?: '.' | ',';
}

/** What {@link resolveDateTimeFormat} decided for a column. */
export interface DateTimeDetection {
  /** The column's format, or null when it is not dates. */
  format: DateTimeFormat | null;
  cells: number;
  conforming: number;
  /** Day-first and month-first both read every value; `note` says which was assumed. */
  ambiguous: boolean;
  /** Earliest and latest value (epoch ms), NaN when the column is not dates. */
  min: number;
  max: number;
  /** How the format was decided, or why the column is not dates. */
  note: string;
}

function orderWords(format: DateTimeFormat): string {
  const s = format.separator;
  const date = { iso: 'ISO 8601 (2024-12-31)', ymd: `year${s}month${s}day (2024${s}12${s}31)`, dmy: `day${s}month${s}year (31${s}12${s}2024)`, mdy: `month${s}day${s}year (12${s}31${s}2024)` }[format.layout];
  return format.time ? `${date} with a time of day` : date;
}

/** The format in words, for messages and config comments. */
export function describeDateTimeFormat(format: DateTimeFormat): string {
  return orderWords(format);
}

/**
 * Decides a column's date format from its sampler: the layout that reads the most values, at
 * least {@link minDateShare} of them. Day-first against month-first: a value with a day above 12
 * decides it (the note quotes it); when every value reads both ways, dots and dashes mean
 * day-first (as in Germany, Russia, the Netherlands), and slashes mean day-first in a file that
 * looks European (`;`-separated or with decimal commas), month-first (US) otherwise — stated as
 * an assumption.
 */
export function resolveDateTimeFormat(sampler: DateTimeSampler, context: DateTimeContext): DateTimeDetection {
  const notDates = (note: string): DateTimeDetection => ({ format: null, cells: sampler.cells, conforming: 0, ambiguous: false, min: Number.NaN, max: Number.NaN, note });
  if (sampler.cells === 0) return notDates('no values');
  let best = 0;
  sampler.counts.forEach((c, i) => {
    if (c.valid > sampler.counts[best]!.valid) best = i;
  });
  const counts = sampler.counts[best]!;
  if (counts.valid / sampler.cells < minDateShare) {
    return notDates(counts.valid === 0 ? `not dates: ${JSON.stringify(sampler.firstOther)} is not a date` : `not dates: only ${counts.valid} of ${sampler.cells} values are dates in one layout`);
  }
  let chosen = best;
  let ambiguous = false;
  let why = '';
  const layout = candidates[best]!.layout;
  if (layout === 'dmy' || layout === 'mdy') {
    const dayFirst = best - (layout === 'mdy' ? 1 : 0);
    const monthFirst = dayFirst + 1;
    const [d, m] = [sampler.counts[dayFirst]!, sampler.counts[monthFirst]!];
    if (d.valid === m.valid) {
      ambiguous = true;
      const separator = candidates[dayFirst]!.separator;
      const european = context.delimiter === ';' || context.decimal === ',';
      chosen = separator !== '/' || european ? dayFirst : monthFirst;
      const because = separator !== '/' ? `"${separator}" between the parts is written day-first` : european ? 'the file looks European (";"-separated or decimal commas)' : 'slashes in a ","-separated file are most often US month-first';
      why = `ambiguous: no value has a number above 12 in either position, so day and month cannot be told apart; read ${chosen === dayFirst ? 'day-first' : 'month-first'} because ${because}. If that is wrong, set the column's format`;
    } else {
      chosen = d.valid > m.valid ? dayFirst : monthFirst;
      const proof = sampler.counts[chosen]!.proof;
      why = `${chosen === dayFirst ? 'day-first' : 'month-first'}: ${JSON.stringify(proof)} has a day above 12 in the ${chosen === dayFirst ? 'first' : 'second'} position`;
    }
  }
  const c = sampler.counts[chosen]!;
  const format: DateTimeFormat = { ...candidates[chosen]!, time: c.withTime > 0 };
  const fits = c.valid === sampler.cells ? `all ${c.valid.toLocaleString('en-US')} values fit` : `${c.valid.toLocaleString('en-US')} of ${sampler.cells.toLocaleString('en-US')} values fit`;
  const zones = c.zoned === 0 ? (format.time ? 'no time zone, read as UTC' : '') : c.zoned === c.valid ? 'every value carries its time zone' : `${c.zoned} values carry a time zone, the others are read as UTC`;
  const range = `from ${new Date(c.min).toISOString()} to ${new Date(c.max).toISOString()}`;
  const note = [`${describeDateTimeFormat(format)}: ${fits}, ${range}`, zones, why].filter(Boolean).join('; ');
  return { format, cells: sampler.cells, conforming: c.valid, ambiguous, min: c.min, max: c.max, note };
}

/** A cell's epoch milliseconds, or why it is not a date in its column's format. */
export type DateTimeCellParser = (cell: string) => number | string;

/** Compiles a parser for cells in a format; missing cells are the caller's business. */
export function compileDateTimeParser(format: DateTimeFormat): DateTimeCellParser {
  const expected = `expected a date like ${describeDateTimeFormat(format)}`;
  return (cell) => {
    const parts = readDateParts(cell);
    const sameLayout = parts !== null && parts.separator === format.separator && (parts.layout === format.layout || (parts.layout === 'aby' && (format.layout === 'dmy' || format.layout === 'mdy')));
    if (!sameLayout) return `is not a date in the column's format: ${expected}`;
    if (Number.isNaN(parts.dayMs)) return `has an invalid time of day: ${expected}`;
    const [month, day] = format.layout === 'dmy' ? [parts.b, parts.a] : [parts.a, parts.b];
    const millis = millisOf(parts, month, day);
    if (Number.isNaN(millis)) return `is not a calendar date (month ${month}, day ${day}): ${expected}`;
    return millis;
  };
}
