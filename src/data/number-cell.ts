/**
 * Numbers as people write them, one cell at a time: `1.234,56 €`, `$1,234.50`, `(12.00)`,
 * `12,5 %`, `1 234 567`, `1'234.5`. A {@link NumberFormat} says how a column writes its numbers
 * (number-format.ts detects it from the column's cells); {@link compileNumberParser} turns it into
 * a parser that reads a cell into a number or says, in words, what the cell should have looked
 * like, so that validation can report the line and column of a cell that breaks its column's format.
 */

/** Why a cell that should hold a number does not. */
export type NumberProblem = 'non-numeric' | 'non-finite';

const nonFiniteWords = /^[+-]?(nan|inf|infinity)$/i;

/**
 * Reads a number the way validation does: decimal notation only (`12`, `-3.5`, `.5`, `1e3`,
 * surrounding spaces allowed). `NaN`, `Infinity`, `-inf` and overflow such as `1e999` are
 * `non-finite`; anything else that is not a number (`abc`, `12abc`, `0x1A`, `1,234`, empty) is
 * `non-numeric`.
 */
export function parseNumber(text: string): number | NumberProblem {
  const value = Number(text);
  if (value - value === 0) {
    // Number() accepts '' and whitespace as 0, and hex/binary/octal literals; a CSV does not.
    if (value === 0 && !hasDigit(text)) return 'non-numeric';
    const first = firstNonSpace(text);
    if (text.charCodeAt(first) === 48 && isRadixLetter(text.charCodeAt(first + 1))) return 'non-numeric';
    return value;
  }
  if (value === Infinity || value === -Infinity) return 'non-finite';
  return nonFiniteWords.test(text.trim()) ? 'non-finite' : 'non-numeric';
}

function hasDigit(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

function firstNonSpace(text: string): number {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) <= 32) i++;
  return i;
}

function isRadixLetter(code: number): boolean {
  const lower = code | 0x20;
  return lower === 120 || lower === 98 || lower === 111; // x, b, o
}


/** The mark between the whole and the fractional part. */
export type DecimalMark = '.' | ',';

/**
 * What separates groups of thousands: nothing, a comma, a dot, a space (U+0020, or the no-break
 * spaces U+00A0 and U+202F that spreadsheets in France and elsewhere write: one family, since one
 * file often mixes them) or an apostrophe (`'` or `’`, Switzerland).
 */
export type GroupSeparator = '' | ',' | '.' | ' ' | "'";

/** Group separators a column may use, with no grouping first. */
export const groupSeparators: readonly GroupSeparator[] = ['', ',', '.', ' ', "'"];

/** A currency sign or ISO 4217 code written before (`$12`, `EUR 12`) or after (`12 €`) the amount. */
export interface Currency {
  symbol: string;
  position: 'before' | 'after';
}

/** How one column writes its numbers. */
export interface NumberFormat {
  decimal: DecimalMark;
  /** Thousands separator; '' when numbers are not grouped (ungrouped numbers are read under any grouping). */
  group: GroupSeparator;
  /**
   * Every value carries a percent sign. The number is read as written (`12,5 %` → 12.5), so the
   * config's ranges read like the file; a value without the sign is an error, because it could be
   * a fraction (0.125) or points (12.5).
   */
  percent: boolean;
  /** The column's currency; a value without it is the same amount and is read too, another currency is an error. */
  currency: Currency | null;
  /** Negative values are written in parentheses, as accounting exports do (`(12.00)` → -12); always accepted. */
  parentheses: boolean;
}

/** The format of numbers as JavaScript and `parseNumber` read them: `-1234.5`. */
export const plainNumberFormat: NumberFormat = Object.freeze({ decimal: '.', group: '', percent: false, currency: null, parentheses: false });

/** Whether a format is the plain one (nothing for the config to record). */
export function isPlainNumberFormat(format: NumberFormat): boolean {
  return format.decimal === '.' && format.group === '' && !format.percent && format.currency === null && !format.parentheses;
}

/** Currency signs and the ISO 4217 codes of the most traded currencies, recognised around a number. */
export const currencySymbols: readonly string[] = [
  '$', '€', '£', '¥', '₹', '₽', '₩', '₺', '₪', '₫', '₴', '₦', '฿', '₱', '₲', '₡',
  'US$', 'R$', 'C$', 'A$', 'NZ$', 'HK$', 'S$', 'kr', 'zł', 'Kč', 'Ft', 'lei',
  'USD', 'EUR', 'GBP', 'JPY', 'CNY', 'INR', 'RUB', 'KRW', 'TRY', 'ILS', 'BRL', 'CAD', 'AUD', 'NZD', 'CHF',
  'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'RON', 'MXN', 'ZAR', 'SGD', 'HKD',
]; // prettier-ignore

const currencyPattern = [...currencySymbols]
  .sort((a, b) => b.length - a.length)
  .map((symbol) => symbol.replace(/[$.]/g, '\\$&'))
  .join('|');

/**
 * A number's shape: an optional opening parenthesis, one optional sign (`-`, `+` or the minus
 * sign U+2212) before or after a leading currency, the digits with their separators, an optional
 * exponent, a trailing currency, a percent sign, the closing parenthesis. Whitespace (no-break
 * spaces included) may separate the parts.
 */
const numberShape = new RegExp(
  `^(\\()?\\s*([-+\u2212])?\\s*(${currencyPattern})?\\s*([-+\u2212])?\\s*(\\d[\\d.,'\u2019\\s]*\\d|\\d|[.,]\\d+)([eE][-+]?\\d+)?\\s*(${currencyPattern})?\\s*(%)?\\s*(\\))?$`,
);

/** A cell taken apart into its number and what surrounds it. */
export interface NumberCell {
  negative: boolean;
  parentheses: boolean;
  percent: boolean;
  currency: Currency | null;
  /** Digits with their decimal mark and group separators, e.g. `1.234,56`. */
  digits: string;
  /** `e-3` and the like, or ''. */
  exponent: string;
}

/** Takes a cell apart (see {@link NumberCell}); null when it does not have the shape of a number at all. */
export function readNumberCell(cell: string): NumberCell | null {
  const match = numberShape.exec(cell);
  if (!match) return null;
  const [, open, sign1, before, sign2, digits, exponent, after, percent, close] = match;
  if ((open === undefined) !== (close === undefined)) return null;
  if (sign1 !== undefined && sign2 !== undefined) return null;
  if (before !== undefined && after !== undefined) return null;
  const sign = sign1 ?? sign2;
  if (open !== undefined && sign !== undefined) return null;
  const symbol = before ?? after;
  return {
    negative: open !== undefined || (sign !== undefined && sign !== '+'),
    parentheses: open !== undefined,
    percent: percent !== undefined,
    currency: symbol === undefined ? null : { symbol, position: before !== undefined ? 'before' : 'after' },
    digits: digits!,
    exponent: exponent ?? '',
  };
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0xa0 || code === 0x202f;
}

function isApostrophe(code: number): boolean {
  return code === 0x27 || code === 0x2019;
}

function isGroup(code: number, group: GroupSeparator): boolean {
  if (group === '') return false;
  if (group === ' ') return isSpace(code);
  if (group === "'") return isApostrophe(code);
  return code === group.charCodeAt(0);
}

/**
 * Reads the digits of a number under one decimal mark and group separator, as JavaScript
 * notation (`1.234,56` with `,` and `.` → `1234.56`), or null when they do not fit: groups after
 * the first must have exactly 3 digits (the first 1–3), one decimal mark after all groups with at
 * least one digit after it. Ungrouped digits fit every grouping (`1234` is unambiguous).
 */
export function normaliseDigits(digits: string, decimal: DecimalMark, group: GroupSeparator): string | null {
  let out = '';
  let run = 0;
  let groups = 0;
  let fraction = -1;
  const decimalCode = decimal.charCodeAt(0);
  for (let i = 0; i < digits.length; i++) {
    const code = digits.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      out += digits[i];
      if (fraction >= 0) fraction++;
      else run++;
    } else if (code === decimalCode && fraction < 0) {
      if (groups > 0 && run !== 3) return null;
      out += '.';
      fraction = 0;
    } else if (fraction < 0 && isGroup(code, group)) {
      if (groups === 0 ? run < 1 || run > 3 : run !== 3) return null;
      groups++;
      run = 0;
    } else return null;
  }
  if (fraction === 0) return null;
  if (fraction < 0 && (run === 0 || (groups > 0 && run !== 3))) return null;
  return out;
}


/** A cell's number, or why it does not fit its column's format (a reason that says what was expected). */
export type NumberCellParser = (cell: string) => number | string;

/** The format in words, for messages and config comments: `decimal comma, "." between thousands, "€" after the number`. */
export function describeNumberFormat(format: NumberFormat): string {
  const parts = [format.decimal === ',' ? 'decimal comma' : 'decimal point'];
  if (format.group === ' ') parts.push('a space between thousands');
  else if (format.group === "'") parts.push('an apostrophe between thousands');
  else if (format.group !== '') parts.push(`"${format.group}" between thousands`);
  if (format.currency) parts.push(`"${format.currency.symbol}" ${format.currency.position} the number`);
  if (format.percent) parts.push('a percent sign');
  if (format.parentheses) parts.push('negatives in parentheses');
  return parts.join(', ');
}

/** A number written in a format (2 decimals), e.g. `-1234.5` → `(1.234,50 €)`: the example in messages. */
export function formatNumberExample(format: NumberFormat, value = 1234.5): string {
  const [whole, fraction] = Math.abs(value).toFixed(2).split('.') as [string, string];
  const grouped = format.group === '' ? whole : whole.replace(/\B(?=(\d{3})+(?!\d))/g, format.group);
  let text = `${grouped}${format.decimal}${fraction}`;
  if (format.currency) text = format.currency.position === 'before' ? `${format.currency.symbol}${text}` : `${text} ${format.currency.symbol}`;
  if (format.percent) text += ' %';
  if (value < 0) text = format.parentheses ? `(${text})` : `-${text}`;
  return text;
}

/**
 * Compiles a parser for cells in a format. The plain format reads exactly like `parseNumber`
 * (validation's reader today), so columns that need no format behave as before. Missing cells
 * are the caller's business (check `data.missing_values` first).
 */
export function compileNumberParser(format: NumberFormat): NumberCellParser {
  const expected = `expected a number like ${JSON.stringify(formatNumberExample(format))} (${describeNumberFormat(format)})`;
  if (isPlainNumberFormat(format)) {
    return (cell) => {
      const value = parseNumber(cell);
      if (typeof value === 'number') return value;
      return value === 'non-finite' ? 'is not a finite number (NaN and infinities are not data)' : `is not a number: ${expected}`;
    };
  }
  const reasonFor = (cell: string): number | string => {
    const parts = readNumberCell(cell);
    if (parts === null) return `is not a number: ${expected}`;
    if (parts.percent !== format.percent) {
      return parts.percent ? `has a percent sign, which the column's other values do not: ${expected}` : `has no percent sign, which the column's other values carry: ${expected}`;
    }
    if (parts.currency !== null && (format.currency === null || parts.currency.symbol !== format.currency.symbol)) {
      return `is in ${JSON.stringify(parts.currency.symbol)}, not in the column's currency: ${expected}`;
    }
    const digits = normaliseDigits(parts.digits, format.decimal, format.group);
    if (digits === null) return `has separators that do not fit the column's format: ${expected}`;
    const value = Number(digits + parts.exponent);
    if (!Number.isFinite(value)) return 'is not a finite number (it overflows)';
    return parts.negative ? -value : value;
  };
  // The common case without the shape regex (measured about 2× faster); anything unusual, and
  // every cell that does not fit, takes the full reading, which also words the reason.
  return (cell) => quickRead(cell, format) ?? reasonFor(cell);
}

function isEdgeSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0xa0 || code === 0x202f;
}

/**
 * Reads a cell in a format by slicing its affixes off (parentheses, one sign, the column's
 * currency, a percent sign) and normalising the digits; null when anything is unusual (an
 * exponent, another currency, a second sign), for the caller's full reading to decide.
 */
function quickRead(cell: string, format: NumberFormat): number | null {
  let start = 0;
  let end = cell.length;
  let negative = false;
  let signed = false;
  if (cell.charCodeAt(0) === 40 && cell.charCodeAt(end - 1) === 41) {
    negative = signed = true;
    start++;
    end--;
  }
  const skipSpaces = () => {
    while (start < end && isEdgeSpace(cell.charCodeAt(start))) start++;
    while (end > start && isEdgeSpace(cell.charCodeAt(end - 1))) end--;
  };
  const readSign = () => {
    const code = cell.charCodeAt(start);
    if (code !== 45 && code !== 43 && code !== 0x2212) return;
    if (signed) return (start = -1);
    signed = true;
    negative = code !== 43;
    start++;
    skipSpaces();
  };
  skipSpaces();
  readSign();
  if (start < 0) return null;
  const currency = format.currency;
  if (currency !== null && currency.position === 'before' && cell.startsWith(currency.symbol, start)) {
    start += currency.symbol.length;
    skipSpaces();
    readSign();
    if (start < 0) return null;
  }
  if (cell.charCodeAt(end - 1) === 37) {
    if (!format.percent) return null;
    end--;
    skipSpaces();
  } else if (format.percent) return null;
  if (currency !== null && currency.position === 'after' && cell.endsWith(currency.symbol, end)) {
    end -= currency.symbol.length;
    skipSpaces();
  }
  const digits = normaliseDigits(cell.slice(start, end), format.decimal, format.group);
  if (digits === null) return null;
  const value = Number(digits);
  if (!Number.isFinite(value)) return null;
  return negative ? -value : value;
}

/**
 * Why a format cannot be read with a delimiter, or null: a decimal comma or a comma between
 * thousands in a comma-separated file only survives inside quotes (`"29,85"`); unquoted, the
 * comma splits the cell and the row becomes ragged.
 */
export function delimiterConflict(format: NumberFormat, delimiter: string): string | null {
  const clash = format.decimal === delimiter ? 'decimal mark' : format.group === delimiter ? 'thousands separator' : null;
  if (clash === null) return null;
  return `the ${clash} ${JSON.stringify(delimiter)} is also the field delimiter: every such value must be quoted (${JSON.stringify(formatNumberExample(format))} in quotes), or export the file with ";" or tab as the delimiter`;
}
