import type { ValidationReport } from '../data/validate.js';
import { escapeMarkdownText, renderGateMarkdown } from '../evaluation/gate-markdown.js';
import { formatNumber, missingValue } from '../core/number-format.js';
import type { EvaluationReport, GateVerdict } from '../evaluation/report-schema.js';
import type { TrainingRecord } from '../pipeline/workspace.js';
import { renderMetricTrendChart, renderSliceMetricChart } from '../evaluation/mermaid-charts.js';

/**
 * Job summaries and the PR comment: pure functions from stored artifacts to GitHub Markdown.
 * The actions write them (core.summary, the comment API); tests read them as strings.
 */

/** Issues listed in a validation summary; the rest are counted. */
export const summaryIssueLimit = 20;

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** The validation report as Markdown: verdict, counts, issue kinds, and the first issues with their lines. */
export function renderValidationSummary(report: ValidationReport): string {
  const lines = [
    `## ${report.passed ? '✅' : '❌'} Data validation: ${report.passed ? 'passed' : 'failed'}`,
    '',
    `\`${escapeMarkdownText(report.file)}\`: ${plural(report.rows, 'row')}, ${report.valid_rows.toLocaleString('en-US')} valid, ${plural(report.error_count, 'error')}, ${plural(report.warning_count, 'warning')}.`,
    '',
    `sha256 \`${report.sha256}\``,
    '',
  ];
  const counts = Object.entries(report.issue_counts).sort((a, b) => b[1] - a[1]);
  if (counts.length > 0) {
    lines.push('| Issue | Count |', '| --- | --- |');
    for (const [code, count] of counts) lines.push(`| \`${escapeMarkdownText(code)}\` | ${count} |`);
    lines.push('');
  }
  const listed = [...report.issues].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1)).slice(0, summaryIssueLimit);
  if (listed.length > 0) {
    lines.push('| Severity | Line | Column | Problem |', '| --- | --- | --- | --- |');
    for (const issue of listed) {
      lines.push(
        `| ${issue.severity === 'error' ? '❌ error' : '⚠️ warning'} | ${issue.line ?? missingValue} | ${issue.column ? escapeMarkdownText(issue.column) : missingValue} | ${escapeMarkdownText(issue.message)} |`,
      );
    }
    const more = report.error_count + report.warning_count - listed.length;
    if (more > 0) lines.push('', `…and ${plural(more, 'more issue')} (all counted above; the listed ones are in validation.json).`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The training record as Markdown: backend, epochs, timing, split and the loss curve's end. */
export function renderTrainingSummary(record: TrainingRecord): string {
  const rows: [string, string][] = [
    ['Backend', `${record.backend} (tfjs ${record.tfjs_version}, Node ${record.node_version}, ${record.platform})`],
    ['Architecture', escapeMarkdownText(record.architecture)],
    ['Epochs', `${record.epochs_run} run, weights of epoch ${record.best_epoch} kept (early stopping)`],
    ['Best validation loss', formatNumber(record.best_validation_loss)],
    ['Split', `${record.split.train} train, ${record.split.validation} validation, ${record.split.test} test rows`],
    ['Time', `${formatNumber(record.duration_ms / 1000, { decimals: 1 })} s, ${record.samples_per_second.toLocaleString('en-US')} samples/s`],
    ['Run', `\`${record.run_id}\``],
  ];
  return [`## 🏋️ Training finished`, '', '| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`), ''].join('\n');
}

/** What the model-check comment is built from; every part may be missing when the run stopped early. */
export interface ModelCheckInput {
  validation: ValidationReport | null;
  verdict: GateVerdict | null;
  candidate: EvaluationReport | null;
  champion: EvaluationReport | null;
  /** Primary metric of registered versions, oldest first, for the trend chart (the candidate is added). */
  history: readonly { version: string; value: number }[];
  /** Why the run stopped before a verdict, when it did. */
  failure: string | null;
  runUrl: string | null;
  /** The commit evaluated (the PR head). */
  commit: string | null;
}

/**
 * The PR comment: the verdict with the per-slice metric tables (deltas and intervals), charts of
 * the primary metric per slice and across versions, the validation summary, and links to the
 * run. The hidden marker is added when it is posted.
 */
export function renderModelCheckComment(input: ModelCheckInput): string {
  const lines: string[] = [];
  const commit = input.commit ? ` for \`${input.commit.slice(0, 12)}\`` : '';
  if (input.verdict) {
    lines.push(renderGateMarkdown(input.verdict, { title: `Model check${commit}` }).trimEnd(), '');
    const primary = input.verdict.primary_metric;
    if (input.candidate) {
      const sliceChart = renderSliceMetricChart(input.candidate, primary, input.champion);
      if (sliceChart) lines.push(`### ${escapeMarkdownText(primary)} per slice`, '', sliceChart.trimEnd(), '');
      const value = input.candidate.overall.metrics[primary];
      const points = value === undefined ? [...input.history] : [...input.history, { version: 'candidate', value }];
      const trend = points.length >= 2 ? renderMetricTrendChart(points, primary) : '';
      if (trend) lines.push(`### ${escapeMarkdownText(primary)} across versions`, '', trend.trimEnd(), '');
    }
  } else {
    lines.push(`## ❌ Model check${commit}: not evaluated`, '');
    lines.push(`**${escapeMarkdownText(input.failure ?? 'The run stopped before the evaluation.')}**`, '');
  }
  if (input.validation) {
    lines.push('<details><summary>Data validation</summary>', '', renderValidationSummary(input.validation).replace(/^## /m, '### ').trimEnd(), '', '</details>', '');
  }
  if (input.runUrl) lines.push(`[Workflow run](${input.runUrl}) · the full report is in its job summary.`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The register summary: the version, its tag and release, or why nothing was registered. */
export function renderRegisterSummary(input: {
  version: string;
  created: boolean;
  tag: string | null;
  releaseUrl: string | null;
  candidate: string;
  candidates: readonly { id: string; passed: boolean; value: number | null }[];
  primaryMetric: string;
}): string {
  const lines = [
    input.created ? `## 📦 Registered ${input.version}` : `## 📦 Nothing new: the champion ${input.version} is this same model`,
    '',
  ];
  if (input.tag) lines.push(`Tag \`${input.tag}\`${input.releaseUrl ? ` · [release](${input.releaseUrl})` : ''}`, '');
  if (input.candidates.length > 1) {
    lines.push(`Sweep: ${input.candidates.length} candidates ranked by \`${escapeMarkdownText(input.primaryMetric)}\`.`, '');
    lines.push('| Candidate | Gate | Value |', '| --- | --- | --- |');
    for (const c of input.candidates) {
      const chosen = c.id === input.candidate ? ' **(chosen)**' : '';
      lines.push(`| \`${escapeMarkdownText(c.id)}\`${chosen} | ${c.passed ? '✅ passed' : '❌ rejected'} | ${formatNumber(c.value)} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The deploy summary. */
export function renderDeploySummary(input: { version: string; target: string; url: string; previous: string | null; deploymentId: number | null; environment: string }): string {
  return [
    `## 🚀 Deployed ${input.version}`,
    '',
    '| | |',
    '| --- | --- |',
    `| Target | ${escapeMarkdownText(input.target)} |`,
    `| Environment | ${escapeMarkdownText(input.environment)} |`,
    `| URL | ${escapeMarkdownText(input.url)} (\`/model\` reports ${input.version}) |`,
    `| Previous version | ${input.previous ?? missingValue} |`,
    `| GitHub deployment | ${input.deploymentId ?? '— (not recorded)'} |`,
    '',
  ].join('\n');
}
