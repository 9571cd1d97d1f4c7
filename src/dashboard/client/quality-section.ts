import { columnFormat, formatNumber, missingValue } from '../../core/number-format.js';
import type { QualitySnapshot } from '../../serving/api-schema.js';
import { baseOptions, chartBox, cssColor, drawChart, withAlpha } from './charts.js';
import { code, el, formatWhen, table, tile } from './dom.js';

/**
 * Live quality: the served version's metrics over its labelled predictions (`POST /feedback`),
 * beside the same metrics on its test split (the card's), the primary metric over time, the
 * failing rules and the slices.
 */

/** The tiles, alerts, chart box and tables of live quality. */
export function qualityNodes(quality: QualitySnapshot): Node[] {
  const primary = quality.primary_metric;
  const nodes: Node[] = [el('h3', { text: 'Live quality from labelled predictions' })];
  if (quality.labelled === 0) {
    nodes.push(
      el('p', { className: 'muted', id: 'quality-empty' }, [
        'No labels yet. Send the true labels of predictions to ',
        code('POST /feedback'),
        ' with their ',
        code('prediction_id'),
        ' to see the model\'s quality on live traffic.',
      ]),
    );
    return nodes;
  }
  nodes.push(
    el('div', { className: 'tiles', id: 'quality-tiles' }, [
      tile(`Live ${primary}`, formatNumber(quality.metrics[primary]), 'quality-live'),
      tile(`Offline ${primary} (test split)`, formatNumber(quality.offline[primary]), 'quality-offline'),
      tile('Labelled predictions', `${quality.labelled} of ${quality.window_size}`, 'quality-labelled'),
      tile('Labels since start', String(quality.labels_total), 'quality-total'),
    ]),
  );
  if (quality.alerts.length > 0) {
    nodes.push(el('ul', { className: 'alerts', id: 'quality-alerts' }, quality.alerts.map((alert) => el('li', { text: alert }))));
  } else if (quality.labelled < quality.min_labels) {
    nodes.push(el('p', { className: 'muted', text: `Rules are judged from ${quality.min_labels} labelled predictions on.` }));
  }
  if (quality.history.length > 0) nodes.push(chartBox('quality-chart', `Live ${primary} over time beside the offline test value`, true));
  const metrics = [...new Set([...Object.keys(quality.offline), ...Object.keys(quality.metrics)])];
  nodes.push(
    table(
      ['Metric', 'Live', 'Offline (test)', 'Difference'],
      metrics.map((metric) => {
        const live = quality.metrics[metric];
        const offline = quality.offline[metric];
        const difference = live !== undefined && offline !== undefined ? formatNumber(live - offline, { ...columnFormat, signed: true }) : missingValue;
        return { cells: [code(metric), formatNumber(live, columnFormat), formatNumber(offline, columnFormat), difference], attrs: { 'data-metric': metric } };
      }),
      { id: 'quality-table', numeric: [false, true, true, true] },
    ),
  );
  for (const [column, values] of Object.entries(quality.slices)) {
    nodes.push(
      table(
        [column, 'Labelled', primary],
        Object.entries(values).map(([value, group]) => ({ cells: [value, String(group.labelled), formatNumber(group.metrics[primary], columnFormat)] })),
        { id: `quality-slices-${column}`, numeric: [false, true, true] },
      ),
    );
  }
  nodes.push(el('p', { className: 'muted', text: `Window since ${formatWhen(quality.since)}: the last ${quality.labelled} labelled predictions of ${quality.model_version}.` }));
  return nodes;
}

/** The primary metric after each tenth of a window of labels, with the offline value as a dashed line. */
export function drawQuality(quality: QualitySnapshot): void {
  if (quality.history.length === 0) return;
  const primary = quality.primary_metric;
  const offline = quality.offline[primary];
  const accent = cssColor('--accent');
  const champion = cssColor('--champion');
  drawChart('quality-chart', {
    type: 'line',
    data: {
      labels: quality.history.map((point) => formatWhen(point.at).slice(5, 16)),
      datasets: [
        {
          label: `live ${primary}`,
          data: quality.history.map((point) => point.metrics[primary] ?? null),
          borderColor: accent,
          backgroundColor: withAlpha(accent, 0.3),
          spanGaps: true,
        },
        ...(offline === undefined
          ? []
          : [{ label: `offline ${primary} (test split)`, data: quality.history.map(() => offline), borderColor: champion, backgroundColor: champion, borderDash: [6, 4], pointRadius: 0 }]),
      ],
    },
    options: baseOptions(primary),
  });
}
