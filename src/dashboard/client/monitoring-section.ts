import { columnFormat, formatNumber, missingValue } from '../../core/number-format.js';
import type { MonitoringSnapshot, ServingStats } from '../../serving/api-schema.js';
import { axis, baseOptions, chartBox, cssColor, drawChart, withAlpha } from './charts.js';
import { code, el, formatWhen, replaceBody, table, tile, type Cell } from './dom.js';
import { intervalBar } from './interval-bar.js';
import { drawQuality, qualityNodes } from './quality-section.js';

/** Live traffic tiles and chart, live quality, and drift against the training profile (only when served). */
export function renderMonitoring(stats: ServingStats | null, monitoring: MonitoringSnapshot | null, problems: readonly string[]): void {
  const nodes: Node[] = problems.map((problem) => el('p', { className: 'notice error', text: problem }));
  if (stats) {
    const latency = (value: number | null): string => (value === null ? missingValue : `${formatNumber(value, { decimals: 1 })} ms`);
    nodes.push(
      el('div', { className: 'tiles', id: 'live-tiles' }, [
        tile('Requests / s (last minute)', formatNumber(stats.request_rate, { decimals: 2 }), 'request-rate'),
        tile('Requests since start', String(stats.requests_total), 'requests-total'),
        tile('Errors', String(stats.errors_total), 'errors-total'),
        tile('Latency p50', latency(stats.latency_ms.p50), 'latency-p50'),
        tile('Latency p90', latency(stats.latency_ms.p90), 'latency-p90'),
        tile('Latency p99', latency(stats.latency_ms.p99), 'latency-p99'),
      ]),
    );
    if (stats.history.length > 0) nodes.push(chartBox('traffic-chart', 'Requests and p99 latency per minute', true));
  }
  if (monitoring?.quality) nodes.push(...qualityNodes(monitoring.quality));
  if (monitoring) nodes.push(...driftNodes(monitoring));
  replaceBody('monitoring-body', nodes);
  if (stats && stats.history.length > 0) drawTraffic(stats);
  if (monitoring?.quality) drawQuality(monitoring.quality);
}

/** Each feature's drift scores against their thresholds, the alerts and the prediction distribution. */
function driftNodes(monitoring: MonitoringSnapshot): Node[] {
  const t = monitoring.thresholds;
  const { window } = monitoring;
  const nodes: Node[] = [
    el('h3', { text: 'Drift against the training profile' }),
    el('p', {
      className: 'muted',
      text:
        `Since ${formatWhen(window.started_at)}: ${window.requests} requests, ${window.instances} instances. ` +
        `Thresholds (dashed lines): PSI ${t.psi}, Jensen–Shannon ${t.js}, L∞ ${t.linf}; a feature is judged from ${t.min_samples} values on.`,
    }),
  ];
  if (monitoring.alerts.length > 0) {
    nodes.push(el('ul', { className: 'alerts', id: 'drift-alerts' }, monitoring.alerts.map((alert) => el('li', { text: alert }))));
  }
  const score = (value: number | undefined, limit: number): Cell => {
    if (typeof value !== 'number') return missingValue;
    const bar = intervalBar(value, null, { min: 0, max: Math.max(limit * 2, value) }, { width: 70, limit, format: columnFormat });
    return { node: bar, className: value > limit ? 'drifted' : '' };
  };
  nodes.push(
    table(
      ['Feature', 'Type', 'Values', 'Missing', 'PSI', 'JS', 'L∞', 'Unknown values', 'Drift'],
      monitoring.features.map((f) => {
        const verdict = f.count < t.min_samples ? 'too few values' : f.drifted ? 'drifted' : 'ok';
        return {
          cells: [
            code(f.name),
            f.type,
            String(f.count),
            formatNumber(f.missing_rate, { percent: true }),
            score(f.psi, t.psi),
            score(f.js, t.js),
            score(f.linf, t.linf),
            formatNumber(f.out_of_vocabulary_rate, { percent: true }),
            { node: document.createTextNode(verdict), className: f.drifted ? 'drifted' : verdict === 'ok' ? 'ok' : 'muted' },
          ],
          attrs: { 'data-feature': f.name },
        };
      }),
      { id: 'drift-table', numeric: [false, false, true, true] },
    ),
  );
  const distribution = Object.entries(monitoring.predictions.distribution);
  if (distribution.length > 0) {
    const shares = distribution.map(([key, value]) => `${key} ${formatNumber(value)}`).join(', ');
    nodes.push(el('p', { className: 'muted', text: `Predictions (${monitoring.predictions.count}): ${shares}` }));
  }
  return nodes;
}

/** Requests and errors per minute as bars, p99 latency as a line on its own axis. */
function drawTraffic(stats: ServingStats): void {
  const options = baseOptions('requests / minute');
  options.scales = { ...options.scales, y2: axis('p99 ms', undefined, { position: 'right', grid: { drawOnChartArea: false } }) };
  drawChart('traffic-chart', {
    type: 'bar',
    data: {
      labels: stats.history.map((point) => formatWhen(point.at).slice(11, 16)),
      datasets: [
        { type: 'bar', label: 'requests', data: stats.history.map((p) => p.requests), backgroundColor: withAlpha(cssColor('--accent'), 0.55) },
        { type: 'bar', label: 'errors', data: stats.history.map((p) => p.errors), backgroundColor: withAlpha(cssColor('--bad'), 0.7) },
        {
          type: 'line',
          label: 'p99 ms',
          yAxisID: 'y2',
          data: stats.history.map((p) => p.p99_ms),
          borderColor: cssColor('--warn'),
          backgroundColor: cssColor('--warn'),
          spanGaps: true,
        },
      ],
    },
    options,
  });
}
