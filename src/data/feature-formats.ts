import type { DateTimeFeatureSpec as DateTimeFeatureConfig, MlopsConfig, NumericFeatureSpec } from '../config/schema.js';
import type { DateTimeFeatureSpec } from './datetime-features.js';
import type { DateTimeFormat } from './datetime-format.js';
import { isPlainNumberFormat, type DecimalMark, type NumberFormat } from './number-cell.js';

/**
 * The config's description of how a column is written (`data.decimal`, a numeric feature's
 * `format`, a datetime feature's `format`, `parts` and `age`) as the data layer's types. The config
 * layer mirrors these types rather than importing them (layers point one way); this is the one
 * place they meet.
 */

/** How a numeric feature's cells are written: its `format`, with the file's decimal mark unless the format names its own. */
export function numberFormatOf(feature: NumericFeatureSpec, decimal: DecimalMark): NumberFormat {
  const format = feature.format;
  return {
    decimal: format?.decimal ?? decimal,
    group: format?.group ?? '',
    percent: format?.percent ?? false,
    currency: format?.currency ? { symbol: format.currency.symbol, position: format.currency.position } : null,
    parentheses: format?.parentheses ?? false,
  };
}

/** Whether a numeric feature reads as plain numbers (`-1234.5`), the fast path of validation. */
export function isPlainNumberFeature(feature: NumericFeatureSpec, config: Pick<MlopsConfig, 'data'>): boolean {
  return isPlainNumberFormat(numberFormatOf(feature, config.data.decimal));
}

/** How a datetime feature's cells are written. */
export function dateTimeFormatOf(feature: DateTimeFeatureConfig): DateTimeFormat {
  return { layout: feature.format.layout, separator: feature.format.separator, time: feature.format.time };
}

/** The inputs a datetime feature derives (calendar parts and the optional age), for datetime-features.ts. */
export function dateTimeFeatureSpecOf(feature: DateTimeFeatureConfig): DateTimeFeatureSpec {
  return feature.age === undefined ? { parts: [...feature.parts] } : { parts: [...feature.parts], age: { ...feature.age } };
}
