import type { GateConfig, MetricRule, TaskType } from '../config/schema.js';
import type { ScopeComparison } from './model-comparison.js';
import type { BaselineReport, EvaluationReport, GroupMetrics } from './report-schema.js';

/**
 * The scopes the gate judges — overall, then every slice value of the candidate's report — and
 * whether a slice has the rows a metric needs: AUC needs `min_slice_class_rows` rows of each class,
 * every other metric `min_slice_rows` rows. A slice that is too small is reported, not gated, and
 * the check says why ("8 positives: too few to judge AUC").
 */

/** One scope with everything known about it. */
export interface GateScope {
  scope: string;
  column?: string;
  value?: string;
  candidate: GroupMetrics;
  champion: GroupMetrics | undefined;
  /** The in-run linear baseline's metrics on the same rows, when one was trained. */
  baseline: GroupMetrics | undefined;
  rules: Partial<Record<string, MetricRule>>;
  /** The paired comparisons of this scope, when the caller computed them. */
  comparison: ScopeComparison | undefined;
  /** Rows of each class (binary [negatives, positives]); null when unknown (an older report). */
  classRows: number[] | null;
}

/** The linear baseline of a report, if it has one. */
export function linearBaseline(report: EvaluationReport): BaselineReport | undefined {
  return report.baselines?.find((baseline) => baseline.kind === 'linear');
}

/** Lists overall and every slice of the candidate's report, matched with the champion's, the baseline's and the comparisons. */
export function listScopes(gate: GateConfig, task: TaskType, candidate: EvaluationReport, champion: EvaluationReport | null, comparisons: readonly ScopeComparison[]): GateScope[] {
  const byScope = new Map(comparisons.map((c) => [c.scope, c]));
  const baseline = linearBaseline(candidate);
  const make = (scope: string, group: GroupMetrics, other: { champion?: GroupMetrics; baseline?: GroupMetrics }, rules: GateScope['rules'], slice?: [string, string]): GateScope => {
    const comparison = byScope.get(scope);
    const result: GateScope = {
      scope,
      candidate: group,
      champion: other.champion,
      baseline: other.baseline,
      rules,
      comparison,
      classRows: comparison?.classRows ?? classRowsFromSummary(task, group),
    };
    if (slice) [result.column, result.value] = slice;
    return result;
  };
  const scopes = [make('overall', candidate.overall, { champion: champion?.overall, baseline: baseline?.overall }, gate.overall)];
  for (const [column, values] of Object.entries(candidate.slices)) {
    for (const [value, group] of Object.entries(values)) {
      const other = { champion: champion?.slices[column]?.[value], baseline: baseline?.slices[column]?.[value] };
      scopes.push(make(`${column}=${value}`, group, other, gate.per_slice, [column, value]));
    }
  }
  return scopes;
}

/**
 * Rows of each class from a group's target summary (binary positive rate, multiclass shares);
 * null for regression and for reports that carry no summary.
 */
export function classRowsFromSummary(task: TaskType, group: GroupMetrics): number[] | null {
  const summary = group.target_summary;
  if (task === 'binary') {
    const rate = summary['positive_rate'];
    if (rate === undefined) return null;
    const positives = Math.round(rate * group.rows);
    return [group.rows - positives, positives];
  }
  if (task === 'multiclass') {
    const shares = Object.values(summary);
    return shares.length === 0 ? null : shares.map((share) => Math.round(share * group.rows));
  }
  return null;
}

/** Metrics whose value on a slice depends on having rows of every class, not only rows. */
const classRowMetrics: ReadonlySet<string> = new Set(['auc']);

/**
 * Why a metric is not gated on a scope (too few rows, too few of a class), or undefined when it is.
 * Overall is always gated.
 */
export function notGatedReason(gate: GateConfig, scope: GateScope, metric: string): string | undefined {
  if (scope.column === undefined) return undefined;
  const rows = scope.candidate.rows;
  if (rows < gate.min_slice_rows) return `${rows} rows < min_slice_rows ${gate.min_slice_rows}: reported, not gated`;
  if (classRowMetrics.has(metric) && scope.classRows !== null) {
    const [negatives = 0, positives = 0] = scope.classRows;
    const fewest = Math.min(negatives, positives);
    if (fewest < gate.min_slice_class_rows) {
      const which = positives <= negatives ? `${positives} positive${positives === 1 ? '' : 's'}` : `${negatives} negative${negatives === 1 ? '' : 's'}`;
      return `${which}: too few to judge ${metric.toUpperCase()} (min_slice_class_rows ${gate.min_slice_class_rows}); reported, not gated`;
    }
  }
  return undefined;
}

/** Slices of the champion's report that the candidate's report does not have (no candidate rows to judge). */
export function championOnlySlices(candidate: EvaluationReport, champion: EvaluationReport | null): { column: string; value: string; group: GroupMetrics }[] {
  if (!champion) return [];
  const missing: { column: string; value: string; group: GroupMetrics }[] = [];
  for (const [column, values] of Object.entries(champion.slices)) {
    for (const [value, group] of Object.entries(values)) {
      if (candidate.slices[column]?.[value] === undefined) missing.push({ column, value, group });
    }
  }
  return missing;
}
