import { lowerIsBetter } from '../config/schema.js';
import { formatInterval, formatNumber, formatPValue, formatWithInterval, missingValue } from '../core/number-format.js';
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

function describeRule(check: GateCheck, verdict: GateVerdict): string {
  if (check.rule === 'report_only') return 'reported only';
  if (check.rule === 'min') return `min ${formatNumber(check.threshold)}`;
  if (check.rule === 'max') return `max ${formatNumber(check.threshold)}`;
  const reference = check.rule === 'baseline' ? check.baseline : check.champion;
  const name = check.rule === 'baseline' ? `vs ${verdict.baseline?.name ?? 'baseline'}: ` : '';
  if (check.threshold === null || reference === null || reference === undefined) return `${name}max regression`;
  const allowed = Math.abs(check.threshold - reference);
  const sign = lowerIsBetter.has(check.metric) ? '≤' : '≥';
  return `${name}max regression ${formatNumber(allowed)} (${sign} ${formatNumber(check.threshold)})`;
}

function describeOutcome(check: GateCheck): string {
  const note = check.note ? `: ${escapeMarkdownText(check.note)}` : '';
  if (check.outcome === 'fail') return `❌ fail${note}`;
  if (check.outcome === 'skipped') return `⏭️ skipped${note}`;
  if (check.evidence?.basis === 'drop_not_significant') return `✅ pass, within noise${note}`;
  return check.rule === 'report_only' ? missingValue : '✅ pass';
}

/** Δ against the model the check compares with, with its interval when there is paired evidence. */
function describeDelta(check: GateCheck): string {
  const evidence = check.evidence;
  if (!evidence) return formatNumber(check.delta, { signed: true });
  const delta = formatNumber(evidence.delta, { signed: true });
  const interval = evidence.interval ? ` ${formatInterval(evidence.interval, { signed: true })}` : '';
  return `${delta}${interval}${evidence.against === 'baseline' ? ' vs baseline' : ''}`;
}

/** The one-sided p-value, and Holm's adjustment when it changed it. */
function describePValue(check: GateCheck): string {
  const evidence = check.evidence;
  if (!evidence || evidence.p_value === null) return missingValue;
  const adjusted = evidence.p_adjusted;
  return adjusted !== null && adjusted !== evidence.p_value ? `${formatPValue(evidence.p_value)} (Holm ${formatPValue(adjusted)})` : formatPValue(evidence.p_value);
}

/** Whether the verdict's checks carry the baseline's values (verdicts since in-run baselines). */
function hasBaselineColumn(verdict: GateVerdict): boolean {
  return verdict.checks.some((check) => check.baseline !== undefined);
}

/** Whether the verdict carries paired evidence (verdicts since paired comparisons). */
function hasEvidenceColumns(verdict: GateVerdict): boolean {
  return verdict.method !== undefined || verdict.checks.some((check) => check.evidence !== undefined);
}

function checkTable(checks: GateCheck[], verdict: GateVerdict): string[] {
  const baseline = hasBaselineColumn(verdict);
  const paired = hasEvidenceColumns(verdict);
  const header = ['Metric', 'Candidate [interval]', 'Champion', ...(baseline ? ['Baseline'] : []), deltaHeading(verdict), ...(paired ? ['p'] : []), 'Rule', 'Result'];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const check of checks) {
    // Only names and notes can carry user text; formatted numbers and rules are escaped where they hold names.
    const cells = [
      escapeMarkdownText(check.metric),
      formatWithInterval(check.candidate, check.candidate_interval),
      formatNumber(check.champion),
      ...(baseline ? [formatNumber(check.baseline)] : []),
      describeDelta(check),
      ...(paired ? [describePValue(check)] : []),
      escapeMarkdownText(describeRule(check, verdict)),
      describeOutcome(check),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

/** "Δ [90%]": the level of the delta intervals, when the verdict has them. */
function deltaHeading(verdict: GateVerdict): string {
  const confidence = verdict.checks.find((check) => check.evidence?.interval)?.evidence?.confidence;
  return confidence === undefined ? 'Δ' : `Δ [${formatNumber(confidence, { percent: true, trimZeros: true })}]`;
}

/** A slice column with more values than this lists only the slices with a failed or not-judged check. */
export const maxSliceTablesPerColumn = 30;

/** Of the slices listed in full, at most this many per column (the rest are counted). */
const maxListedSlices = 50;

/** Whether a slice has a check that failed, or a gated one that could not be judged for lack of evidence. */
function isNotable(checks: readonly GateCheck[]): boolean {
  return checks.some((c) => c.outcome === 'fail' || (c.outcome === 'skipped' && c.evidence?.basis === 'no_evidence'));
}

/**
 * The gate verdict as Markdown: a heading with ✅/❌ and the summary, the champion compared with
 * (or why none was), the in-run baseline, the rule that decided regressions, then one table per
 * scope — overall first, then slices grouped by column — with metric | candidate [interval] |
 * champion | baseline | Δ [interval] | p | rule & threshold | result. A column with more than
 * {@link maxSliceTablesPerColumn} values lists only its slices that failed or could not be judged
 * and counts the rest (every check is in gate.json), so thousands of slices stay readable.
 * Verdicts written before paired comparisons have no baseline, p or rule: those parts are left out.
 */
export function renderGateMarkdown(verdict: GateVerdict, options: { title?: string } = {}): string {
  const title = options.title ?? 'Evaluation gate';
  const lines: string[] = [];
  lines.push(`## ${verdict.passed ? '✅' : '❌'} ${title}: ${verdict.passed ? 'passed' : 'rejected'}`, '');
  lines.push(`**${escapeMarkdownText(verdict.summary)}**`, '');
  const champion = verdict.champion_version === null ? 'no champion' : `champion \`${verdict.champion_version}\``;
  lines.push(`Candidate \`${verdict.candidate}\` vs ${champion}; primary metric \`${verdict.primary_metric}\`.`, '');
  if (verdict.champion_note) lines.push(`> ${escapeMarkdownText(verdict.champion_note)}`, '');
  if (verdict.baseline) {
    const { name, metric, max_regression: allowed, gated } = verdict.baseline;
    const how = gated ? `gated: ${metric} may be at most ${formatNumber(allowed)} worse than the baseline's` : 'reported, not gated';
    lines.push(`In-run baseline: ${escapeMarkdownText(name)}, trained on the same rows and inputs (${escapeMarkdownText(how)}).`, '');
  }
  if (verdict.method) lines.push(`**Rule** (\`gate.comparison: ${verdict.method.comparison}\`): ${escapeMarkdownText(verdict.method.rule)}`, '');
  if (verdict.comparison) lines.push(`Compared on ${escapeMarkdownText(verdict.comparison.note)}.`, '');

  const overall = verdict.checks.filter((c) => c.slice_column === undefined);
  if (overall.length > 0) {
    lines.push(`### Overall (${overall[0]!.rows} rows)`, '', ...checkTable(overall, verdict), '');
  }
  for (const [column, byValue] of groupSliceChecks(verdict.checks)) {
    lines.push(`### Slices by ${escapeMarkdownText(column)}`, '');
    let shown = [...byValue];
    if (byValue.size > maxSliceTablesPerColumn) {
      const notable = shown.filter(([, checks]) => isNotable(checks));
      shown = notable.slice(0, maxListedSlices);
      const failed = [...byValue.values()].filter((checks) => checks.some((c) => c.outcome === 'fail')).length;
      const more = notable.length > shown.length ? ` (and ${notable.length - shown.length} more)` : '';
      lines.push(
        `${byValue.size} values, ${failed} with a failed check; listed: the ${shown.length} that failed or could not be judged${more}. ` +
          'Every check of every slice is in gate.json.',
        '',
      );
    }
    for (const [value, checks] of shown) {
      lines.push(`#### ${escapeMarkdownText(column)} = ${escapeMarkdownText(value)} (${checks[0]!.rows} rows)`, '', ...checkTable(checks, verdict), '');
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
 * An evaluation report as Markdown (for model cards): overall metrics with their intervals and the
 * in-run baselines beside them, then a table per slice column with one row per slice value.
 */
export function renderEvaluationMarkdown(report: EvaluationReport): string {
  const metrics = metricOrder(report);
  const intervalNote =
    report.resamples > 0
      ? `Intervals: ${Math.round(report.confidence * 1000) / 10}% percentile bootstrap, ${report.resamples} resamples.`
      : 'No bootstrap intervals (0 resamples).';
  const lines: string[] = [`### Overall (${report.overall.rows} rows)`, '', intervalNote, ''];
  const baselines = report.baselines ?? [];
  if (baselines.length > 0) lines.push('Beside the candidate: the in-run baselines, trained on the same rows and inputs and scored on the same test rows.', '');
  const header = ['Metric', 'Value [interval]', ...baselines.map((b) => `${escapeMarkdownText(b.name)} baseline`)];
  lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`);
  for (const metric of metrics) {
    const cells = [escapeMarkdownText(metric), metricCell(report.overall, metric), ...baselines.map((b) => metricCell(b.overall, metric))];
    lines.push(`| ${cells.join(' | ')} |`);
  }
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
