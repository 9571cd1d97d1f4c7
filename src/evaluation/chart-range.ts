/**
 * The value axis of a metric chart, shared by the Mermaid charts in cards and PR comments
 * (src/evaluation/mermaid-charts.ts) and the dashboard's Chart.js charts (src/dashboard/client), so one
 * metric gets the same axis everywhere. Pure and free of Node.js and zod: the browser imports it.
 */

/** Metrics whose values lie in [0, 1]. */
const unitIntervalMetrics: ReadonlySet<string> = new Set(['auc', 'accuracy', 'precision', 'recall', 'f1', 'macro_f1', 'brier']);
/** Metrics that are never negative. */
const nonNegativeMetrics: ReadonlySet<string> = new Set(['log_loss', 'mae', 'rmse', 'brier']);
/** Metrics that are at most 1 (and may be negative). */
const atMostOneMetrics: ReadonlySet<string> = new Set(['r2']);

/** A value-axis range that shows differences without hiding where values sit. */
export interface ChartRange {
  min: number;
  max: number;
}

/**
 * The axis range for values of `metric`: the data plus a margin, snapped to a round step, and
 * clamped to the metric's domain ([0, 1] for rates and AUC, ≥ 0 for losses and errors, ≤ 1 for R²).
 * Non-finite values are ignored; without any, [0, 1]. Bars start at the axis minimum, so
 * differences between slices stay visible.
 */
export function chartRange(values: readonly (number | null | undefined)[], metric: string): ChartRange {
  const finite = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  if (finite.length === 0) return { min: 0, max: 1 };
  let low = Math.min(...finite);
  let high = Math.max(...finite);
  // A minimum visible span keeps a difference in the fourth decimal from filling the whole axis.
  const minSpan = unitIntervalMetrics.has(metric) ? 0.1 : Math.max(Math.abs(high), Math.abs(low)) * 0.1 || 0.01;
  if (high - low < minSpan) {
    const middle = (high + low) / 2;
    low = middle - minSpan / 2;
    high = middle + minSpan / 2;
  }
  const span = high - low;
  const pad = span * 0.15;
  const step = niceStep((span + 2 * pad) / 5);
  let min = Math.floor((low - pad) / step) * step;
  let max = Math.ceil((high + pad) / step) * step;
  if (unitIntervalMetrics.has(metric) || nonNegativeMetrics.has(metric)) min = Math.max(min, 0);
  if (unitIntervalMetrics.has(metric) || atMostOneMetrics.has(metric)) max = Math.min(max, 1);
  if (max <= min) max = min + step;
  return { min: Number(min.toPrecision(6)), max: Number(max.toPrecision(6)) };
}

/**
 * The scale of a bar that shows one value with its interval: [0, 1] for rates and AUC, from 0 for
 * losses and errors (so lengths compare), else `chartRange` around the values.
 */
export function intervalScale(values: readonly (number | null | undefined)[], metric: string): ChartRange {
  if (unitIntervalMetrics.has(metric)) return { min: 0, max: 1 };
  if (nonNegativeMetrics.has(metric)) return { min: 0, max: chartRange([...values, 0], metric).max };
  return chartRange(values, metric);
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  if (!(raw > 0)) return 0.01;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}
