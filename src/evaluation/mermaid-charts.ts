import { chartRange, type ChartRange } from './chart-range.js';
import { formatNumber } from '../core/number-format.js';
import type { EvaluationReport, GroupMetrics } from './report-schema.js';

/**
 * Charts for Markdown that GitHub renders: fenced ```mermaid blocks with `xychart-beta` (bars
 * and lines). Used by PR comments, job summaries and model cards. Pure string functions.
 *
 * Only the xychart syntax that every Mermaid 11 release parses is used (title, x-axis with quoted
 * labels, y-axis with a title and range, bar, line): GitHub pins its own Mermaid version and
 * upgrades it on its own schedule. xychart-beta has no legend and draws several bar series on top
 * of each other, so a chart holds at most one bar series, a line for the comparison, and a title
 * that says which is which. Numbers are rounded and never written with exponents (the grammar
 * has none); labels are quoted with the characters the grammar cannot hold replaced.
 */

/** Most bars one chart shows; more slice values make unreadable charts (the largest slices are kept). */
export const maxChartCategories = 25;
/** Most versions a trend chart shows (the newest are kept). */
export const maxTrendPoints = 30;

/**
 * A number as the xychart grammar accepts it: the one format (src/core/number-format.ts)
 * with trailing zeros dropped, which never writes an exponent. The grammar has no word for a
 * missing value, so a non-finite one is refused: callers leave such points out.
 */
export function mermaidNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`mermaidNumber: ${value} is not a finite number`);
  return formatNumber(value, { trimZeros: true });
}

/**
 * A quoted xychart label. The grammar's strings cannot hold a double quote and a label must stay
 * on one line (a newline could also end the Markdown fence), so quotes become apostrophes,
 * control characters spaces; backticks become apostrophes so the text can never form a fence.
 * `#…;` would be read as a Mermaid entity, so `#` becomes the full-width ＃; `<` and `>` become
 * ‹ and › so no renderer can take a label for HTML. Long labels are cut to `maxLength`
 * characters with an ellipsis.
 */
export function mermaidLabel(text: string, maxLength = 32): string {
  const cleaned = text
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/["`]/g, "'")
    .replace(/#/g, '＃')
    .replace(/</g, '‹')
    .replace(/>/g, '›')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...cleaned];
  const cut = chars.length > maxLength ? `${chars.slice(0, maxLength - 1).join('').trimEnd()}…` : cleaned;
  return `"${cut === '' ? '(empty)' : cut}"`;
}

/**
 * Series colours, in order of the series (bar first, then the lines). Mermaid's default palette
 * starts with a pale lavender that a lone line all but disappears in, on light and dark pages
 * alike; these mid-tone colours read on both.
 */
const seriesColors = { primary: '#4e79a7', comparison: '#f28e2b', band: '#9d9d9d' } as const;

interface XyChart {
  title: string;
  /** One colour per series, bar first. */
  palette: string[];
  labels: string[];
  yTitle: string;
  range: ChartRange;
  bar?: number[];
  lines?: number[][];
  comments?: string[];
}

/** Renders one fenced xychart block. Every series must have one value per label. */
function renderXyChart(chart: XyChart): string {
  // An init directive (not front matter): every Mermaid release GitHub has run since xychart exists reads it.
  const init = JSON.stringify({ themeVariables: { xyChart: { plotColorPalette: chart.palette.join(', ') } } });
  const lines = [
    '```mermaid',
    `%%{init: ${init}}%%`,
    'xychart-beta',
    ...(chart.comments ?? []).map((comment) => `    %% ${mermaidLabel(comment, 400).slice(1, -1)}`),
    `    title ${mermaidLabel(chart.title, 100)}`,
    `    x-axis [${chart.labels.map((label) => mermaidLabel(label)).join(', ')}]`,
    `    y-axis ${mermaidLabel(chart.yTitle, 40)} ${mermaidNumber(chart.range.min)} --> ${mermaidNumber(chart.range.max)}`,
  ];
  if (chart.bar) lines.push(`    bar [${chart.bar.map(mermaidNumber).join(', ')}]`);
  for (const line of chart.lines ?? []) lines.push(`    line [${line.map(mermaidNumber).join(', ')}]`);
  lines.push('```');
  return lines.join('\n');
}

/**
 * Mermaid `xychart-beta` blocks (fenced), one per slice column, with one bar per slice value of
 * `metric` (the whole test split first, as `overall`), each labelled with its row count. With a
 * champion report, a line shows the champion's value on the same groups (drawn only when the
 * champion has the metric on every group shown). Slices where the metric is undefined (AUC on a
 * one-class slice) are left out and named in a Mermaid comment. Returns '' when the report has no
 * slices or the metric is defined on none of them.
 */
export function renderSliceMetricChart(report: EvaluationReport, metric: string, champion?: EvaluationReport | null): string {
  const blocks: string[] = [];
  for (const [column, values] of Object.entries(report.slices)) {
    const entries = Object.entries(values);
    const defined = entries.filter(([, group]) => Number.isFinite(group.metrics[metric]));
    if (defined.length === 0) continue;
    const comments: string[] = [];
    const undefinedSlices = entries.filter(([, group]) => !Number.isFinite(group.metrics[metric])).map(([value]) => value);
    if (undefinedSlices.length > 0) comments.push(`${metric} undefined on ${undefinedSlices.map((v) => `${column}=${v}`).join(', ')} (not shown)`);
    let shown = defined;
    if (defined.length > maxChartCategories) {
      shown = [...defined].sort((a, b) => b[1].rows - a[1].rows).slice(0, maxChartCategories);
      comments.push(`showing the ${maxChartCategories} largest of ${defined.length} slices`);
    }
    const groups: { value: string; group: GroupMetrics; champion: GroupMetrics | undefined }[] = [];
    if (Number.isFinite(report.overall.metrics[metric])) groups.push({ value: 'overall', group: report.overall, champion: champion?.overall });
    for (const [value, group] of shown) groups.push({ value, group, champion: champion?.slices[column]?.[value] });

    const candidateValues = groups.map(({ group }) => group.metrics[metric]!);
    const championValues = groups.map((entry) => entry.champion?.metrics[metric]);
    const hasChampionLine = champion !== undefined && champion !== null && championValues.every((value) => Number.isFinite(value));
    if (champion && !hasChampionLine) comments.push(`champion line omitted: the champion has no ${metric} on every group shown`);

    const plotted = hasChampionLine ? [...candidateValues, ...(championValues as number[])] : candidateValues;
    const title = hasChampionLine ? `${metric} by ${column} (bars: candidate, line: champion)` : `${metric} by ${column}`;
    blocks.push(
      renderXyChart({
        title,
        labels: groups.map(({ value, group }) => `${value} (n=${group.rows})`),
        yTitle: metric,
        range: chartRange(plotted, metric),
        palette: [seriesColors.primary, seriesColors.comparison],
        bar: candidateValues,
        lines: hasChampionLine ? [championValues as number[]] : [],
        comments,
      }),
    );
  }
  return blocks.join('\n\n');
}

/**
 * A Mermaid `xychart-beta` block (fenced) with the metric across versions, oldest first (the
 * newest `maxTrendPoints` when there are more). Points without a finite value are left out. A
 * single version is drawn as a bar too, since a one-point line is invisible. Returns '' without points.
 */
export function renderMetricTrendChart(points: readonly { version: string; value: number }[], metric: string): string {
  const finite = points.filter((point) => Number.isFinite(point.value));
  if (finite.length === 0) return '';
  const shown = finite.slice(-maxTrendPoints);
  const values = shown.map((point) => point.value);
  const title = shown.length < finite.length ? `${metric} by version (newest ${shown.length} of ${finite.length})` : `${metric} by version`;
  return renderXyChart({
    title,
    labels: shown.map((point) => point.version),
    yTitle: metric,
    range: chartRange(values, metric),
    palette: [seriesColors.primary, seriesColors.primary],
    ...(shown.length === 1 ? { bar: values } : {}),
    lines: [values],
  });
}

/** One reliability bin, as the evaluation report stores it. */
export type CalibrationBin = NonNullable<EvaluationReport['calibration']>[number];

/**
 * A reliability diagram as a Mermaid block: for each probability bin with test rows, a bar with
 * the observed positive rate and a line with the mean predicted probability (a calibrated model's
 * bars meet the line). Returns '' when no bin has rows.
 */
export function renderCalibrationChart(bins: readonly CalibrationBin[]): string {
  const used = bins.filter((bin) => bin.rows > 0 && Number.isFinite(bin.fraction_positive) && Number.isFinite(bin.mean_predicted));
  if (used.length === 0) return '';
  return renderXyChart({
    title: 'Calibration: bars observed rate, line predicted',
    labels: used.map((bin) => `${formatNumber(bin.bin_low, { decimals: 1 })}–${formatNumber(bin.bin_high, { decimals: 1 })}`),
    palette: [seriesColors.primary, seriesColors.comparison],
    comments: [`test rows per bin: ${used.map((bin) => bin.rows).join(', ')}`],
    yTitle: 'rate',
    range: { min: 0, max: 1 },
    bar: used.map((bin) => bin.fraction_positive),
    lines: [used.map((bin) => bin.mean_predicted)],
  });
}

/** One binned group of residuals. */
export interface ResidualBin {
  /** Smallest and largest predicted value in the bin. */
  low: number;
  high: number;
  rows: number;
  mean: number;
  p10: number;
  p90: number;
}

/**
 * Groups (predicted, residual) pairs into at most `bins` bins of equal size by predicted value,
 * with the mean and the 10th/90th percentiles of the residuals in each: a binned residual plot,
 * which xychart can draw (it has no scatter plot).
 */
export function binResiduals(residuals: readonly { predicted: number; residual: number }[], bins = 10): ResidualBin[] {
  const sorted = residuals.filter((r) => Number.isFinite(r.predicted) && Number.isFinite(r.residual)).sort((a, b) => a.predicted - b.predicted);
  if (sorted.length === 0) return [];
  const count = Math.max(1, Math.min(bins, sorted.length));
  const result: ResidualBin[] = [];
  for (let i = 0; i < count; i++) {
    const slice = sorted.slice(Math.floor((i * sorted.length) / count), Math.floor(((i + 1) * sorted.length) / count));
    if (slice.length === 0) continue;
    const values = slice.map((r) => r.residual).sort((a, b) => a - b);
    result.push({
      low: slice[0]!.predicted,
      high: slice[slice.length - 1]!.predicted,
      rows: slice.length,
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      p10: quantile(values, 0.1),
      p90: quantile(values, 0.9),
    });
  }
  return result;
}

/** Linear-interpolated quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/**
 * A binned residual plot as a Mermaid block: residual = observed − predicted, binned by predicted
 * value; the middle line is the mean residual of each bin (an unbiased model stays near 0), the
 * outer lines the 10th and 90th percentiles. Lines, not bars: xychart bars grow from the axis
 * minimum, which misleads for values on both sides of 0. Returns '' without residuals.
 */
export function renderResidualChart(residuals: readonly { predicted: number; residual: number }[]): string {
  const bins = binResiduals(residuals);
  if (bins.length === 0) return '';
  const plotted = bins.flatMap((bin) => [bin.mean, bin.p10, bin.p90, 0]);
  return renderXyChart({
    title: 'Residuals: mean (middle), 10th and 90th percentiles',
    // Bin centres, 3 significant digits: ten ranges with row counts do not fit under the axis.
    labels: bins.map((bin) => `~${mermaidNumber(Number(((bin.low + bin.high) / 2).toPrecision(3)))}`),
    palette: [seriesColors.band, seriesColors.primary, seriesColors.band],
    comments: [`bins of predicted values (rows): ${bins.map((bin) => `${mermaidNumber(bin.low)}–${mermaidNumber(bin.high)} (${bin.rows})`).join(', ')}`],
    yTitle: 'observed − predicted',
    range: chartRange(plotted, 'residual'),
    lines: [bins.map((bin) => bin.p90), bins.map((bin) => bin.mean), bins.map((bin) => bin.p10)],
  });
}

/** Every ```mermaid block in a Markdown text (their contents, without the fences). */
export function extractMermaidBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const pattern = /^(`{3,}|~{3,})[ \t]*mermaid[ \t]*\r?\n([\s\S]*?)^\1[ \t]*$/gm;
  for (const match of markdown.matchAll(pattern)) blocks.push(match[2]!.replace(/\r?\n$/, ''));
  return blocks;
}
