import { columnFormat, formatNumber } from '../../core/number-format.js';
import { chartRange, intervalScale } from '../../evaluation/chart-range.js';
import type { GroupMetrics } from '../../evaluation/report-schema.js';
import type { ModelInfo } from '../../serving/api-schema.js';
import { baseOptions, chartBox, cssColor, drawChart, errorBars, queueChart, withAlpha } from './charts.js';
import { calibrationNodes, confusionNodes, residualNodes } from './diagnostics.js';
import { el, replaceBody, table, type Cell } from './dom.js';
import { intervalBar } from './interval-bar.js';

type Evaluation = ModelInfo['evaluation'];

/** Overall metrics with intervals, per-slice tables and charts, then the task's diagnostics. */
export function renderMetrics(model: ModelInfo): void {
  const evaluation = model.evaluation;
  const primary = model.gate.primary_metric;
  const confidence = `${Math.round(evaluation.confidence * 100)}%`;
  const intro =
    `On ${evaluation.overall.rows} held-out test rows. ` +
    (evaluation.resamples > 0 ? `Intervals: ${confidence} bootstrap, ${evaluation.resamples} resamples.` : 'No intervals (no bootstrap resamples).');
  const nodes: (Node | null)[] = [el('p', { className: 'muted', text: intro })];
  const { metrics, intervals } = evaluation.overall;
  const baselines = evaluation.baselines ?? [];
  nodes.push(
    table(
      ['Metric', 'Value and interval', ...baselines.map((b) => `${b.name} baseline`)],
      Object.entries(metrics).map(([metric, value]) => {
        const interval = intervals[metric];
        const scale = intervalScale([value, interval?.low, interval?.high], metric);
        const beside = baselines.map((b) => formatNumber(b.overall.metrics[metric], columnFormat));
        return { cells: [metric === primary ? `${metric} (primary)` : metric, intervalBar(value, interval, scale), ...beside], attrs: { 'data-metric': metric } };
      }),
      {
        caption: baselines.length > 0 ? 'Overall, beside simple models trained in the same run on the same rows' : 'Overall',
        id: 'overall-metrics',
        numeric: [false, false, ...baselines.map(() => true)],
      },
    ),
  );
  Object.entries(evaluation.slices).forEach(([column, groups], columnIndex) => {
    nodes.push(...sliceNodes(evaluation, primary, column, groups, columnIndex));
  });
  if (evaluation.confusion) nodes.push(...confusionNodes(evaluation.confusion));
  if (evaluation.calibration && evaluation.calibration.length > 0) nodes.push(...calibrationNodes(evaluation.calibration));
  if (evaluation.residuals && evaluation.residuals.length > 0) nodes.push(...residualNodes(evaluation.residuals));
  replaceBody('metrics-body', nodes);
}

/**
 * One slice column: a bar chart of the primary metric with intervals and the overall value, and a
 * table of every metric per slice value (the primary metric with its interval drawn; the others as
 * numbers, their interval on hover).
 */
function sliceNodes(evaluation: Evaluation, primary: string, column: string, groups: Record<string, GroupMetrics>, columnIndex: number): Node[] {
  const values = Object.keys(groups);
  const group = (value: string): GroupMetrics => groups[value]!;
  const metrics = [...new Set(values.flatMap((value) => Object.keys(group(value).metrics)))];
  const confidence = `${Math.round(evaluation.confidence * 100)}%`;
  const nodes: Node[] = [el('h3', { text: `By ${column}` })];
  const chartId = `slice-chart-${columnIndex}`;
  const plotted = values.filter((value) => typeof group(value).metrics[primary] === 'number');
  if (plotted.length > 0) {
    nodes.push(chartBox(chartId, `${primary} by ${column} with ${confidence} intervals and the overall value as a dashed line; values are in the table below`));
  }
  const scales = new Map(
    metrics.map((metric) => [
      metric,
      intervalScale(
        values.flatMap((value) => [group(value).metrics[metric], group(value).intervals[metric]?.low, group(value).intervals[metric]?.high]),
        metric,
      ),
    ]),
  );
  const hasPrimary = metrics.includes(primary);
  const others = metrics.filter((metric) => metric !== primary);
  const headers = ['Slice', 'Rows', ...(hasPrimary ? [`${primary} and interval`] : []), ...others];
  const rows = values.map((value) => {
    const { metrics: groupMetrics, intervals, rows: count } = group(value);
    const cells: Cell[] = [value, String(count)];
    if (hasPrimary) {
      const metric = groupMetrics[primary];
      cells.push(typeof metric === 'number' ? intervalBar(metric, intervals[primary], scales.get(primary)!) : 'undefined');
    }
    for (const metric of others) {
      const interval = intervals[metric];
      const title = interval ? `${confidence} interval ${formatNumber(interval.low)} to ${formatNumber(interval.high)}` : '';
      cells.push(typeof groupMetrics[metric] === 'number' ? el('span', { text: formatNumber(groupMetrics[metric], columnFormat), title }) : 'undefined');
    }
    return { cells, attrs: { 'data-slice': `${column}=${value}` } };
  });
  nodes.push(
    table(headers, rows, {
      caption: `${column}: every metric per slice value (hover a number for its interval)`,
      id: `slice-table-${columnIndex}`,
      className: 'slices',
      numeric: [false, true, false, ...others.map(() => true)],
    }),
  );
  if (plotted.length > 0) {
    queueChart(() => {
      const data = plotted.map((value) => group(value).metrics[primary]!);
      const barIntervals = plotted.map((value) => group(value).intervals[primary] ?? null);
      const reference = evaluation.overall.metrics[primary];
      const range = chartRange([...data, ...barIntervals.flatMap((iv) => (iv ? [iv.low, iv.high] : [])), reference], primary);
      const accent = cssColor('--accent');
      drawChart(chartId, {
        type: 'bar',
        data: {
          labels: plotted.map((value) => `${value} (n=${group(value).rows})`),
          datasets: [{ label: primary, data, backgroundColor: withAlpha(accent, 0.55), borderColor: accent, borderWidth: 1 }],
        },
        options: baseOptions(primary, range, false),
        plugins: [errorBars(barIntervals, reference)],
      });
    });
  }
  return nodes;
}
