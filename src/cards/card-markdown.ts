import { columnFormat, formatInterval, formatNumber, formatPValue, formatWithInterval, missingValue } from '../core/number-format.js';
import type { EvaluationReport, GateCheck, GateVerdict } from '../evaluation/report-schema.js';
import type { Lineage } from '../registry/lineage-schema.js';
import type { TrainingTrigger } from '../registry/training-trigger.js';
import { renderCalibrationChart, renderMetricTrendChart, renderResidualChart, renderSliceMetricChart } from '../evaluation/mermaid-charts.js';
import { describeSplitRule, describeTrainingKeys } from './split-text.js';
import { sliceName, type ModelCard } from './model-card.js';

/** What the Markdown card is rendered from: the validated card plus the structured records behind it. */
export interface ModelCardMarkdownInput {
  card: ModelCard;
  lineage: Lineage;
  evaluation: EvaluationReport;
  gate: GateVerdict;
  /**
   * The primary metric of earlier versions, oldest first, for a trend chart (this version is
   * added at the end). Optional: without it, or with no earlier version, the card has no trend.
   */
  history?: readonly { version: string; value: number }[];
}

/**
 * Renders a model card as Markdown for people: overview, lineage, metrics overall and per slice
 * with intervals, charts, the gate verdict with its checks, limitations, inputs and outputs.
 *
 * Charts are Mermaid `xychart-beta` blocks, which GitHub renders wherever the card is read (the
 * repository, a release's notes), with no image files beside the card: the primary metric per
 * slice, the trend across versions (with `history`), a reliability plot for binary classifiers
 * and a binned residual plot for regressors. The confusion matrix is a Markdown table.
 */
export function renderModelCardMarkdown(input: ModelCardMarkdownInput): string {
  const { card, lineage, evaluation, gate } = input;
  const details = card.model_details;
  const sections = [
    `# Model card: ${escapeText(details.name)} ${details.version.name}`,
    escapeText(details.overview),
    `**Version** ${details.version.name} (${details.version.date}) — ${escapeText(details.version.diff)}`,
    lineage.trigger ? `**Trained because** ${describeTrigger(lineage.trigger)}` : '',
    '## Lineage',
    table(['Field', 'Value'], lineageRows(lineage)),
    ...dataSourceSections(lineage),
    '## Model',
    escapeText(card.model_parameters.model_architecture),
    '## Metrics',
    metricsIntro(evaluation),
    table(['Metric', 'Value', 'Interval', ...(evaluation.baselines ?? []).map((b) => `${escapeText(b.name)} baseline`)], overallRows(evaluation)),
    ...sliceSections(evaluation),
    ...chartSections(input),
    '## Release gate',
    `**${gate.passed ? 'Passed' : 'Rejected'}** — ${escapeText(gate.summary)}`,
    gate.champion_version === null ? 'Compared with: no champion.' : `Compared with champion ${gate.champion_version}.`,
    ...(gate.champion_note ? [escapeText(gate.champion_note)] : []),
    ...(gate.method ? [`Rule (gate.comparison: ${gate.method.comparison}): ${escapeText(gate.method.rule)}`] : []),
    gate.checks.length === 0
      ? '_The gate made no checks._'
      : table(['Scope', 'Rows', 'Metric', 'Rule', 'Candidate', 'Champion', 'Baseline', 'Threshold', 'Δ [interval]', 'p (Holm)', 'Outcome', 'Note'], gate.checks.map(checkRow)),
    '## Limitations',
    card.considerations.limitations.map((limitation) => `- ${escapeText(limitation.description)}`).join('\n'),
    '## Inputs and outputs',
    escapeText(card.model_parameters.input_format),
    table(
      ['Field', 'Format'],
      card.model_parameters.input_format_map.map((entry) => [code(entry.key), entry.value]),
    ),
    escapeText(card.model_parameters.output_format),
  ];
  return `${sections.filter((section) => section !== '').join('\n\n')}\n`;
}

function lineageRows(lineage: Lineage): string[][] {
  const { dataset, code: source, config, training } = lineage;
  const commit =
    source.commit === null
      ? 'unknown (not a git checkout)'
      : `${code(source.commit)}${source.dirty === true ? ' (dirty: uncommitted changes)' : source.dirty === false ? ' (clean)' : ''}`;
  const rows: string[][] = [
    ['Run', code(lineage.run_id)],
    ['Created at', lineage.created_at],
    ...(lineage.trigger ? [['Trained because', describeTrigger(lineage.trigger)]] : []),
    ['Dataset', code(dataset.path)],
    ['Dataset sha256', code(dataset.sha256)],
    ['Rows', `${dataset.rows} (${dataset.valid_rows} valid)`],
    ['Splits', escapeText(describeSplitRule(lineage))],
    ['Training rows', escapeText(describeTrainingKeys(lineage) ?? 'not recorded (registered before training rows were recorded)')],
    ['Commit', commit],
    ['Branch', source.branch === null ? missingValue : code(source.branch)],
    ['Config', `${code(config.path)} (sha256 ${code(config.sha256)})`],
    ['Hyperparameters', code(JSON.stringify(lineage.hyperparameters))],
    ['Backend', `${training.backend} (tfjs ${training.tfjs_version}, Node.js ${training.node_version}, ${training.platform})`],
    [
      'Training',
      `${training.epochs_run} epochs, best ${training.best_epoch} (validation loss ${formatNumber(training.best_validation_loss, columnFormat)}), ` +
        `${Math.round(training.duration_ms)} ms, ${Math.round(training.samples_per_second)} samples/s`,
    ],
    ['Parent version', lineage.parent_version ?? '— (first version)'],
    ['Run URL', lineage.run_url === null ? missingValue : `<${lineage.run_url}>`],
  ];
  if (lineage.run_duration_ms !== undefined) rows.push(['Pipeline run time', `${Math.round(lineage.run_duration_ms)} ms`]);
  return rows;
}

/** Where the data came from (`data.source`, fetched by `mlops fetch`); nothing when it was a file as it is. */
function dataSourceSections(lineage: Lineage): string[] {
  const { sources, window, fetched_at: fetchedAt } = lineage.dataset;
  if (!sources || sources.length === 0) return [];
  const rows = sources.map((source, i) => [
    String(i + 1),
    source.type,
    code(source.location),
    source.fetched_at + (source.not_modified ? ' (not modified)' : ''),
    String(source.bytes),
    String(source.rows),
    code(source.sha256),
  ]);
  const kept =
    window === undefined
      ? ''
      : ` Window: ${window.rows !== undefined ? `the last ${window.rows} rows` : `the last ${window.days} days by ${code(window.time_column ?? '')}${window.from ? ` (from ${window.from} to ${window.to})` : ''}`}; ${window.dropped_rows} rows left out.`;
  return [
    '### Data sources',
    `Fetched${fetchedAt ? ` at ${fetchedAt}` : ''} by \`mlops fetch\` into ${code(lineage.dataset.path)}, rows in this order.${kept}`,
    table(['#', 'Type', 'Source', 'Fetched at', 'Bytes', 'Rows', 'sha256'], rows),
  ];
}

function metricsIntro(evaluation: EvaluationReport): string {
  const intervals =
    evaluation.resamples > 0
      ? `Intervals are ${Math.round(evaluation.confidence * 100)}% bootstrap intervals from ${evaluation.resamples} resamples.`
      : 'No intervals (no bootstrap resamples).';
  return `On ${evaluation.overall.rows} held-out test rows. ${intervals}`;
}

/** Overall metrics with intervals, and each in-run baseline's value beside them. */
function overallRows(evaluation: EvaluationReport): string[][] {
  const group = evaluation.overall;
  return Object.entries(group.metrics).map(([metric, value]) => [
    metric,
    formatNumber(value, columnFormat),
    formatInterval(group.intervals[metric], columnFormat),
    ...(evaluation.baselines ?? []).map((b) => formatNumber(b.overall.metrics[metric], columnFormat)),
  ]);
}

function sliceSections(evaluation: EvaluationReport): string[] {
  const sections: string[] = [];
  for (const [column, values] of Object.entries(evaluation.slices)) {
    const metrics = [...new Set(Object.values(values).flatMap((group) => Object.keys(group.metrics)))];
    const rows = Object.entries(values).map(([value, group]) => [
      escapeText(sliceName(column, value)),
      String(group.rows),
      ...metrics.map((metric) => formatWithInterval(group.metrics[metric], group.intervals[metric], columnFormat)),
    ]);
    sections.push(`### By ${escapeText(column)}`, table(['Slice', 'Rows', ...metrics], rows));
  }
  return sections;
}

/** Charts and the confusion matrix, each under its own heading; nothing for what the report lacks. */
function chartSections(input: ModelCardMarkdownInput): string[] {
  const { evaluation, gate, card } = input;
  const primary = gate.primary_metric;
  const sections: string[] = [];
  const sliceChart = renderSliceMetricChart(evaluation, primary);
  if (sliceChart !== '') sections.push(`### ${primary} per slice`, sliceChart);
  const value = evaluation.overall.metrics[primary];
  if (input.history !== undefined && input.history.length > 0 && value !== undefined) {
    const points = [...input.history, { version: card.model_details.version.name, value }];
    sections.push(`### ${primary} across versions`, renderMetricTrendChart(points, primary));
  }
  if (evaluation.confusion) {
    const { labels, matrix } = evaluation.confusion;
    const rows = matrix.map((row, i) => {
      const total = row.reduce((a, b) => a + b, 0);
      return [`**${escapeText(labels[i] ?? '')}**`, ...row.map((n) => (total > 0 ? `${n} (${formatNumber(n / total, { percent: true })})` : String(n)))];
    });
    sections.push(
      '### Confusion matrix',
      'Rows are the true class, columns the predicted class; percentages are of the true class.',
      table(['true ↓ / predicted →', ...labels.map(escapeText)], rows),
    );
  }
  if (evaluation.calibration) {
    const chart = renderCalibrationChart(evaluation.calibration);
    if (chart !== '') {
      sections.push('### Calibration', 'Observed positive rate per bin of predicted probability; a calibrated model’s bars meet the line.', chart);
    }
  }
  if (evaluation.residuals) {
    const chart = renderResidualChart(evaluation.residuals);
    if (chart !== '') sections.push('### Residuals', `Observed − predicted on a sample of ${evaluation.residuals.length} test rows, binned by predicted value.`, chart);
  }
  return sections;
}

function checkRow(check: GateCheck): string[] {
  const number = (value: number | null | undefined): string => formatNumber(value, columnFormat);
  const evidence = check.evidence;
  const delta = evidence
    ? `${formatNumber(evidence.delta, { ...columnFormat, signed: true })} ${formatInterval(evidence.interval, { ...columnFormat, signed: true })}${evidence.against === 'baseline' ? ' vs baseline' : ''}`.trim()
    : formatNumber(check.delta, { ...columnFormat, signed: true });
  const p = evidence && evidence.p_value !== null ? `${formatPValue(evidence.p_value)}${evidence.p_adjusted !== null && evidence.p_adjusted !== evidence.p_value ? ` (${formatPValue(evidence.p_adjusted)})` : ''}` : missingValue;
  return [
    escapeText(check.scope),
    String(check.rows),
    check.metric,
    check.rule,
    number(check.candidate),
    number(check.champion),
    number(check.baseline),
    number(check.threshold),
    delta,
    p,
    check.outcome === 'fail' ? '**fail**' : check.outcome,
    escapeText(check.note ?? ''),
  ];
}

/** A Markdown table; cells are escaped by the caller where they hold free text. */
function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** The run's reason, escaped (it is untrusted text), with the GitHub event that started the run. */
function describeTrigger(trigger: TrainingTrigger): string {
  return `${escapeUntrusted(trigger.reason)}${trigger.event ? ` (GitHub event: ${escapeUntrusted(trigger.event)})` : ''}`;
}

/**
 * Text someone else wrote, made inert in Markdown (a card, a release's notes, a table cell): one
 * line (block syntax cannot start mid-line), HTML and entities neutralised, the inline Markdown
 * punctuation (code, emphasis, links, images) backslash-escaped, `|` as an entity (a table cell
 * cannot be split by it) and `@` as one so a reason cannot mention (notify) anyone on GitHub.
 */
export function escapeUntrusted(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/[\\`*_{}[\]()#~!]/g, (char) => `\\${char}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;')
    .replace(/\|/g, '&#124;');
}

/** Free text from data or config (slice values, summaries) must not open HTML or break tables. */
function escapeText(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
