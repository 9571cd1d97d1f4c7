import { columnFormat, formatNumber, missingValue, shortHash } from '../../core/number-format.js';
import { chartRange } from '../../evaluation/chart-range.js';
import type { VersionHistory } from '../../serving/api-schema.js';
import { baseOptions, chartBox, cssColor, drawChart, queueChart } from './charts.js';
import { code, el, formatWhen, replaceBody, table } from './dom.js';

/** Most runs the runs table lists (the newest); the chart shows every run. */
const maxRunsListed = 30;

type Run = VersionHistory['experiments'][number];

/** Registered versions with their trend, every pipeline run, and the champion's moves. */
export function renderHistory(history: VersionHistory): void {
  const metric = history.primary_metric;
  const versions = history.versions;
  if (versions.length === 0) {
    replaceBody('history-body', [el('p', { className: 'muted', text: 'No versions registered yet.' })]);
    return;
  }
  const nodes: Node[] = [
    el('p', {
      className: 'muted',
      text:
        `${versions.length} version${versions.length === 1 ? '' : 's'} registered; champion ${history.champion ?? 'none'}` +
        `${history.served ? `; this server answers with ${history.served}` : ''}.`,
    }),
    chartBox('trend-chart', `${metric} of every registered version, oldest first; the champion is the larger point`),
    table(
      ['Version', 'Status', 'Registered', metric, 'Gate', 'Data sha256', 'Commit', 'Parent'],
      [...versions].reverse().map((v) => {
        const classes = [v.version === history.champion ? 'is-champion' : '', v.version === history.served ? 'is-served' : ''].filter(Boolean);
        const status = `${v.status}${v.version === history.served ? ' · served' : ''}`;
        return {
          cells: [
            v.version,
            { node: document.createTextNode(status), className: `status-${v.status}` },
            formatWhen(v.created_at),
            formatNumber(v.primary_value, columnFormat),
            v.gate_passed ? 'passed' : 'forced',
            shortHash(v.data_sha256),
            shortHash(v.commit, 8),
            v.parent_version ?? missingValue,
          ],
          className: classes.join(' '),
          attrs: { 'data-version': v.version },
        };
      }),
      { caption: 'Registered versions, newest first', id: 'versions-table', numeric: [false, false, false, true] },
    ),
  ];
  const runs = [...history.experiments].sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
  nodes.push(...runNodes(runs, metric));
  if (history.alias_history.length > 0) {
    nodes.push(
      el('h3', { text: 'Champion moves' }),
      table(
        ['When', 'From', 'To', 'Why'],
        [...history.alias_history].reverse().map((move) => [formatWhen(move.at), move.from ?? missingValue, move.to, move.reason]),
        { id: 'alias-history' },
      ),
    );
  }
  replaceBody('history-body', nodes);
  queueChart(() => drawTrend(history));
  if (runs.some((run) => typeof run.primary_value === 'number')) queueChart(() => drawRuns(runs, metric));
}

/** The runs: counts by outcome, a chart of the primary metric over time, the newest runs as a table. */
function runNodes(runs: readonly Run[], metric: string): Node[] {
  const counts = countByStatus(runs);
  const summary = Object.entries(counts)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const nodes: Node[] = [
    el('h3', { text: 'Runs' }),
    el('p', { className: 'muted', text: `${runs.length} pipeline run${runs.length === 1 ? '' : 's'}: ${summary || 'none'}.` }),
  ];
  if (runs.some((run) => typeof run.primary_value === 'number')) {
    nodes.push(chartBox('runs-chart', `${metric} of every pipeline run in time order, coloured by outcome (promoted, registered, rejected)`, true));
  }
  const listed = runs.slice(-maxRunsListed).reverse();
  nodes.push(
    table(
      ['Run', 'Started', 'Status', 'Version', metric, 'Gate', 'Backend'],
      listed.map((run) => ({
        cells: [
          code(run.run_id),
          formatWhen(run.started_at),
          { node: document.createTextNode(run.status), className: `status-${run.status}` },
          run.version ?? missingValue,
          formatNumber(run.primary_value, columnFormat),
          run.gate_summary ?? run.error ?? missingValue,
          run.backend ?? missingValue,
        ],
        attrs: { 'data-run': run.run_id, 'data-status': run.status },
      })),
      {
        caption:
          runs.length > maxRunsListed
            ? `Newest ${maxRunsListed} of ${runs.length} runs (all: npx mlops experiments --limit ${runs.length})`
            : 'Every run, newest first',
        id: 'runs-table',
        numeric: [false, false, false, false, true],
      },
    ),
  );
  return nodes;
}

function countByStatus(runs: readonly Run[]): Partial<Record<Run['status'], number>> {
  const counts: Partial<Record<Run['status'], number>> = {};
  for (const run of runs) counts[run.status] = (counts[run.status] ?? 0) + 1;
  return counts;
}

/** The primary metric of every registered version, oldest first; the champion as a larger diamond. */
function drawTrend(history: VersionHistory): void {
  const metric = history.primary_metric;
  const versions = history.versions;
  const isChampion = (version: string): boolean => version === history.champion;
  const points = versions.map((v) => (typeof v.metrics[metric] === 'number' ? v.metrics[metric] : v.primary_value));
  const accent = cssColor('--accent');
  const champion = cssColor('--champion');
  drawChart('trend-chart', {
    type: 'line',
    data: {
      labels: versions.map((v) => `${v.version}${isChampion(v.version) ? ' ★' : ''}`),
      datasets: [
        {
          label: metric,
          data: points,
          borderColor: accent,
          backgroundColor: versions.map((v) => (isChampion(v.version) ? champion : accent)),
          pointRadius: versions.map((v) => (isChampion(v.version) ? 8 : 4)),
          pointStyle: versions.map((v) => (isChampion(v.version) ? 'rectRot' : 'circle')),
          spanGaps: true,
        },
      ],
    },
    options: baseOptions(metric, chartRange(points, metric), false),
  });
}

/** Every run's primary metric in time order, one series per outcome. */
function drawRuns(runs: readonly Run[], metric: string): void {
  const counts = countByStatus(runs);
  const colors: Partial<Record<Run['status'], string>> = {
    promoted: cssColor('--champion'),
    registered: cssColor('--accent'),
    unchanged: cssColor('--muted'),
    rejected: cssColor('--bad'),
    failed: cssColor('--warn'),
  };
  const datasets = Object.entries(colors)
    .filter(([status]) => counts[status as Run['status']] !== undefined)
    .map(([status, color]) => ({
      label: status,
      data: runs.map((run) => (run.status === status && typeof run.primary_value === 'number' ? run.primary_value : null)),
      showLine: false,
      pointRadius: 5,
      pointStyle: status === 'rejected' ? ('crossRot' as const) : ('circle' as const),
      borderColor: color,
      backgroundColor: color,
      borderWidth: status === 'rejected' ? 2 : 1,
    }));
  drawChart('runs-chart', {
    type: 'line',
    data: { labels: runs.map((run) => formatWhen(run.started_at).slice(5, 19)), datasets },
    options: baseOptions(metric, chartRange(runs.map((run) => run.primary_value), metric)),
  });
}
