import { lowerIsBetter } from '../config/schema.js';
import { formatNumber, formatWithInterval, missingValue } from '../core/number-format.js';
import type { EvaluationReport, GateCheck, GateVerdict, GroupMetrics } from './report-schema.js';

/**
 * Markdown for job summaries, PR comments and model cards. Pure functions returning GitHub
 * Markdown; the adapters write it. Numbers use the default format of
 * metric-format.ts (4 significant digits) throughout.
 */

/**
 * Escapes user text (column names, slice values, notes) for GitHub Markdown, in table cells and
 * headings alike: `|` would end a cell, a newline the row; backslash, backticks, `*`, brackets,
 * `<`/`>` and `~` could become code, emphasis, links, HTML or strikethrough. `_` inside a word
 * (`log_loss`, `min_slice_rows`) is left alone: GitHub never reads it as emphasis.
 */
export function escapeMarkdownText(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(/([\\`*|[\]<>~])/g, '\\$1')
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_');
}

function describeRule(check: GateCheck): string {
  if (check.rule === 'report_only') return 'reported only';
  if (check.rule === 'min') return `min ${formatNumber(check.threshold)}`;
  if (check.rule === 'max') return `max ${formatNumber(check.threshold)}`;
  if (check.threshold === null || check.champion === null) return 'max regression';
  const allowed = Math.abs(check.threshold - check.champion);
  const sign = lowerIsBetter.has(check.metric) ? '≤' : '≥';
  return `max regression ${formatNumber(allowed)} (${sign} ${formatNumber(check.threshold)})`;
}

function describeOutcome(check: GateCheck): string {
  const note = check.note ? `: ${escapeMarkdownText(check.note)}` : '';
  if (check.outcome === 'fail') return `❌ fail${note}`;
  if (check.outcome === 'skipped') return `⏭️ skipped${note}`;
  return check.rule === 'report_only' ? missingValue : '✅ pass';
}

function checkTable(checks: GateCheck[]): string[] {
  const lines = ['| Metric | Candidate [interval] | Champion | Δ | Rule | Result |', '| --- | --- | --- | --- | --- | --- |'];
  for (const check of checks) {
    // Only names and notes can carry user text; formatted numbers and rules are safe as they are.
    const cells = [
      escapeMarkdownText(check.metric),
      formatWithInterval(check.candidate, check.candidate_interval),
      formatNumber(check.champion),
      formatNumber(check.delta, { signed: true }),
      describeRule(check),
      describeOutcome(check),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

/**
 * The gate verdict as Markdown: a heading with ✅/❌ and the summary, the champion compared with
 * (or why none was), then one table per scope — overall first, then slices grouped by column —
 * with metric | candidate [interval] | champion | Δ | rule & threshold | result.
 */
export function renderGateMarkdown(verdict: GateVerdict, options: { title?: string } = {}): string {
  const title = options.title ?? 'Evaluation gate';
  const lines: string[] = [];
  lines.push(`## ${verdict.passed ? '✅' : '❌'} ${title}: ${verdict.passed ? 'passed' : 'rejected'}`, '');
  lines.push(`**${escapeMarkdownText(verdict.summary)}**`, '');
  const champion = verdict.champion_version === null ? 'no champion' : `champion \`${verdict.champion_version}\``;
  lines.push(`Candidate \`${verdict.candidate}\` vs ${champion}; primary metric \`${verdict.primary_metric}\`.`, '');
  if (verdict.champion_note) lines.push(`> ${escapeMarkdownText(verdict.champion_note)}`, '');
  if (verdict.comparison) lines.push(`Compared on ${escapeMarkdownText(verdict.comparison.note)}.`, '');

  const overall = verdict.checks.filter((c) => c.slice_column === undefined);
  if (overall.length > 0) {
    lines.push(`### Overall (${overall[0]!.rows} rows)`, '', ...checkTable(overall), '');
  }
  for (const [column, byValue] of groupSliceChecks(verdict.checks)) {
    lines.push(`### Slices by ${escapeMarkdownText(column)}`, '');
    for (const [value, checks] of byValue) {
      lines.push(`#### ${escapeMarkdownText(column)} = ${escapeMarkdownText(value)} (${checks[0]!.rows} rows)`, '', ...checkTable(checks), '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Slice checks as column → value → checks, in the order the verdict lists them. */
function groupSliceChecks(checks: GateCheck[]): Map<string, Map<string, GateCheck[]>> {
  const columns = new Map<string, Map<string, GateCheck[]>>();
  for (const check of checks) {
    if (check.slice_column === undefined) continue;
    let values = columns.get(check.slice_column);
    if (!values) columns.set(check.slice_column, (values = new Map()));
    const value = check.slice_value ?? '';
    let list = values.get(value);
    if (!list) values.set(value, (list = []));
    list.push(check);
  }
  return columns;
}

function metricCell(group: GroupMetrics, metric: string): string {
  const value = group.metrics[metric];
  return value === undefined ? missingValue : formatWithInterval(value, group.intervals[metric]);
}

/**
 * An evaluation report as Markdown (for model cards): overall metrics with their intervals, then a
 * table per slice column with one row per slice value.
 */
export function renderEvaluationMarkdown(report: EvaluationReport): string {
  const metrics = metricOrder(report);
  const intervalNote =
    report.resamples > 0
      ? `Intervals: ${Math.round(report.confidence * 1000) / 10}% percentile bootstrap, ${report.resamples} resamples.`
      : 'No bootstrap intervals (0 resamples).';
  const lines: string[] = [`### Overall (${report.overall.rows} rows)`, '', intervalNote, ''];
  lines.push('| Metric | Value [interval] |', '| --- | --- |');
  for (const metric of metrics) lines.push(`| ${escapeMarkdownText(metric)} | ${metricCell(report.overall, metric)} |`);
  lines.push('');
  for (const [column, values] of Object.entries(report.slices)) {
    lines.push(`### By ${escapeMarkdownText(column)}`, '');
    lines.push(`| ${escapeMarkdownText(column)} | Rows | ${metrics.map(escapeMarkdownText).join(' | ')} |`);
    lines.push(`| ${['---', '---', ...metrics.map(() => '---')].join(' | ')} |`);
    for (const [value, group] of Object.entries(values)) {
      const cells = [escapeMarkdownText(value), String(group.rows), ...metrics.map((m) => metricCell(group, m))];
      lines.push(`| ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Metric names in the order the overall group lists them, then any found only in slices. */
function metricOrder(report: EvaluationReport): string[] {
  const names = new Set(Object.keys(report.overall.metrics));
  for (const values of Object.values(report.slices)) {
    for (const group of Object.values(values)) for (const name of Object.keys(group.metrics)) names.add(name);
  }
  return [...names];
}
