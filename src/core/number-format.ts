/**
 * How numbers that people read are written: model cards, CLI tables, PR comments and gate
 * Markdown, Mermaid charts and the dashboard all format through `formatNumber`, and every one of
 * them writes an absent value as `missingValue`. Pure and free of Node.js and zod, because the
 * dashboard's browser code imports it too.
 *
 * The default is 4 significant digits in plain decimal notation ("0.8460", "12.35", "0.04123"),
 * whole numbers from 10 000 on ("123457"), never an exponent. Where a place needs something else,
 * it says so with an option, never with a formatter of its own.
 */

/** The one way an absent value (not computed, not applicable, unknown) is written. */
export const missingValue = '—';

/** Deviations from the default, each for a reason the caller names. */
export interface NumberFormat {
  /**
   * Fixed decimals instead of significant digits: for table columns whose decimal points line up
   * (cards, CLI tables) and quantities with a natural precision (milliseconds: 1). A value that is
   * not zero but would round to zero keeps 4 significant digits instead of printing as zero.
   */
  decimals?: number;
  /** Drop trailing zeros ("0.85" rather than "0.8500"): chart data and axis bounds. */
  trimZeros?: boolean;
  /** A leading "+" or "−" (U+2212) on differences; zero has none. */
  signed?: boolean;
  /** The value is a share written as a percentage ("12.3%"), with 1 decimal unless `decimals` says otherwise. */
  percent?: boolean;
}

/**
 * Numbers in a table column (cards, CLI tables, the dashboard's tables, the experiment diff):
 * 4 fixed decimals, so that decimal points line up.
 */
export const columnFormat: NumberFormat = { decimals: 4 };

/** Significant digits of the default format. */
const significantDigits = 4;
/** From this magnitude on, values are written as whole numbers. */
const wholeNumbersFrom = 1e4;
/** At most this many decimals: beyond, a value reads as zero. */
const maxDecimals = 10;

/**
 * A number as people read it; `missingValue` for null, undefined, NaN and ±Infinity (stored JSON
 * cannot hold the last three, so they only mean "no value").
 */
export function formatNumber(value: number | null | undefined, format: NumberFormat = {}): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return missingValue;
  const shown = format.percent === true ? value * 100 : value;
  const decimals = format.decimals ?? (format.percent === true ? 1 : undefined);
  let digits = decimals === undefined ? significant(Math.abs(shown)) : fixed(Math.abs(shown), decimals);
  if (format.trimZeros === true && digits.includes('.')) digits = digits.replace(/\.?0+$/, '');
  const isZero = /^[0.]*$/.test(digits);
  const sign = isZero ? '' : shown < 0 ? (format.signed === true ? '−' : '-') : format.signed === true ? '+' : '';
  return `${sign}${digits}${format.percent === true ? '%' : ''}`;
}

/** `abs` with 4 significant digits in plain notation; whole from 10 000 on. */
function significant(abs: number): string {
  if (abs >= wholeNumbersFrom) return Math.round(abs).toString();
  if (abs === 0) return (0).toFixed(significantDigits - 1);
  const rounded = Number(abs.toPrecision(significantDigits));
  const magnitude = Math.floor(Math.log10(rounded));
  return rounded.toFixed(Math.min(Math.max(significantDigits - 1 - magnitude, 0), maxDecimals));
}

/** `abs` with fixed decimals, unless that would show a value that is not zero as zero. */
function fixed(abs: number, decimals: number): string {
  const text = abs.toFixed(decimals);
  return abs !== 0 && /^[0.]*$/.test(text) ? significant(abs) : text;
}

/** p-values below this are written as "< 0.0001": more digits claim a precision the tests do not have. */
const smallestShownPValue = 1e-4;

/** A p-value as people read it: 4 significant digits, "< 0.0001" below that, `missingValue` when there is none. */
export function formatPValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return missingValue;
  return value < smallestShownPValue ? `< ${formatNumber(smallestShownPValue, { trimZeros: true })}` : formatNumber(value);
}

/** The first characters of a hash or commit, as tables show it; `missingValue` when there is none. */
export function shortHash(value: string | null | undefined, length = 12): string {
  return value ? value.slice(0, length) : missingValue;
}

/** An interval as "[low, high]" in the given format; '' when there is none. */
export function formatInterval(interval: { low: number; high: number } | null | undefined, format: NumberFormat = {}): string {
  return interval ? `[${formatNumber(interval.low, format)}, ${formatNumber(interval.high, format)}]` : '';
}

/** A value followed by its interval, "0.8460 [0.8200, 0.8700]", or the value alone without one. */
export function formatWithInterval(
  value: number | null | undefined,
  interval: { low: number; high: number } | null | undefined,
  format: NumberFormat = {},
): string {
  return interval ? `${formatNumber(value, format)} ${formatInterval(interval, format)}` : formatNumber(value, format);
}
