import { defaultPrimaryMetric, metricsForTask } from '../config/load.js';
import { lowerIsBetter, type GateConfig, type MetricRule, type TaskType } from '../config/schema.js';
import { formatNumber } from '../core/number-format.js';
import { championOnlySlices, linearBaseline, listScopes, notGatedReason, type GateScope } from './gate-scopes.js';
import { baselineRule, decideRegressions, describeRule, type PendingRegression } from './gate-regression.js';
import type { ScopeComparison } from './model-comparison.js';
import type { EvaluationReport, GateCheck, GateVerdict } from './report-schema.js';

/** The champion the candidate is compared with: its registry version and its report on the same test split. */
export interface GateChampion {
  version: string;
  report: EvaluationReport;
}

/** Everything the gate decides from: rules, the candidate's and champion's reports, and their paired comparisons. */
export interface EvaluateGateInput {
  /** The `gate` block of the config, defaults filled. */
  gate: GateConfig;
  task: TaskType;
  /** The candidate's report; its `baselines` (when present) are the in-run baselines on the same rows. */
  candidate: EvaluationReport;
  /** Candidate identity (run id). */
  candidateId: string;
  /** The current champion, or null when there is none or it could not be scored. */
  champion: GateChampion | null;
  /** Why there is no comparable champion (e.g. it could not be scored on the new data). */
  championNote?: string;
  /**
   * Paired comparisons of the candidate with the champion and the baseline on the same rows, per
   * scope (`compareScope`). Without them, `gate.comparison: paired` cannot judge a regression: such
   * checks are skipped with the reason, never passed silently.
   */
  comparisons?: readonly ScopeComparison[];
  /** Why there is no in-run baseline although one should have been trained (the baseline check is then skipped with it). */
  baselineNote?: string;
  /** Time of the verdict (defaults to now). */
  now?: Date;
}

/** The note of a verdict made without a champion, unless the caller gives its own. */
export const noChampionNote = 'No champion yet: only absolute bounds applied';

/** The same, when the in-run baseline is gated too. */
export const noChampionBaselineNote = 'No champion yet: only absolute bounds and the in-run baseline applied';

/**
 * Bounds are compared with this slack so that a value exactly on a bound passes even when the
 * bound itself came out of float arithmetic.
 */
const boundTolerance = 1e-12;

/** Failures quoted in the one-line summary; the rest are counted. */
const failuresInSummary = 3;

/**
 * Decides whether a candidate may replace the champion. For each scope (overall, then every slice
 * of the candidate's report) and each metric of the task:
 * - `min`/`max` are absolute bounds, applied overall (`gate.overall`) and to every slice that has
 *   the rows the metric needs (`gate.per_slice`; see gate-scopes.ts);
 * - `max_regression` is the allowed worsening against the champion on the same scope (a drop for
 *   higher-is-better metrics, a rise for those in `lowerIsBetter`), decided by the rule of
 *   `gate.comparison` (gate-regression.ts: under `paired` it fails only when the drop is beyond the
 *   threshold and significant at `gate.alpha` after Holm's adjustment); skipped without a champion
 *   or when the champion's report lacks the slice or the metric;
 * - with an in-run baseline and `gate.baseline.enabled`, one more overall check: the candidate may
 *   be worse than the linear baseline on `gate.baseline.metric` by at most its `max_regression`,
 *   under the same rule;
 * - smaller slices and undefined metrics get `skipped` checks with a note; metrics without a rule
 *   get a `report_only` check, so the verdict lists every metric with candidate, champion,
 *   baseline and delta.
 * The candidate passes when no check failed.
 */
export function evaluateGate(input: EvaluateGateInput): GateVerdict {
  const { gate, task, candidate } = input;
  if (candidate.task !== task) throw new Error(`Candidate report is for a ${candidate.task} task, but the gate was asked to judge a ${task} task`);
  let champion = input.champion;
  let championNote = input.championNote;
  if (champion && champion.report.task !== task) {
    championNote = `Champion ${champion.version} was evaluated on a ${champion.report.task} task, not ${task}: only absolute bounds applied`;
    champion = null;
  }
  const baseline = linearBaseline(candidate);
  if (!champion && championNote === undefined) championNote = baseline && gate.baseline.enabled ? noChampionBaselineNote : noChampionNote;

  const comparisons = input.comparisons ?? [];
  const checks: GateCheck[] = [];
  const pending: PendingRegression[] = [];
  const scopes = listScopes(gate, task, candidate, champion?.report ?? null, comparisons);
  for (const scope of scopes) {
    for (const metric of metricsForTask(task)) checks.push(...checkMetric(gate, scope, metric, scope.rules[metric], champion !== null, pending, checks.length));
  }
  checks.push(...championOnlyChecks(gate, candidate, champion));
  const primaryMetric = gate.primary_metric ?? defaultPrimaryMetric(task);
  const rule = baselineRule(gate, primaryMetric);
  if (baseline && gate.baseline.enabled) checks.push(baselineCheck(scopes[0]!, rule, baseline.name, pending, checks.length));
  else if (gate.baseline.enabled && input.baselineNote !== undefined) checks.push(missingBaselineCheck(scopes[0]!, rule.metric, input.baselineNote));
  const familySizes = decideRegressions(checks, pending, gate);

  const verdict: GateVerdict = {
    passed: !checks.some((c) => c.outcome === 'fail'),
    summary: summarise(checks, primaryMetric, candidate, champion),
    candidate: input.candidateId,
    champion_version: champion?.version ?? null,
    primary_metric: primaryMetric,
    checks,
    evaluated_at: (input.now ?? new Date()).toISOString(),
    method: { comparison: gate.comparison, alpha: gate.alpha, family_sizes: familySizes, rule: describeRule(gate, familySizes) },
  };
  if (baseline) verdict.baseline = { name: baseline.name, metric: rule.metric, max_regression: rule.maxRegression, gated: gate.baseline.enabled };
  if (championNote !== undefined) verdict.champion_note = championNote;
  return verdict;
}

function hasRule(rule: MetricRule | undefined): rule is MetricRule {
  return rule !== undefined && (rule.min !== undefined || rule.max !== undefined || rule.max_regression !== undefined);
}

/** The comparison of a metric against a reference model on a scope, if computed. */
function comparisonOf(scope: GateScope, metric: string, against: 'champion' | 'baseline') {
  return scope.comparison?.comparisons.find((c) => c.metric === metric && c.against === against);
}

/**
 * The checks of one metric on one scope: one per rule it has, or one `report_only`. Regression
 * checks are left pending (outcome decided later, when every check of their family is known).
 */
function checkMetric(gate: GateConfig, scope: GateScope, metric: string, rule: MetricRule | undefined, hasChampion: boolean, pending: PendingRegression[], offset: number): GateCheck[] {
  const candidateValue = scope.candidate.metrics[metric];
  const championValue = scope.champion?.metrics[metric];
  const base: GateCheck = {
    scope: scope.scope,
    rows: scope.candidate.rows,
    metric,
    candidate: candidateValue ?? null,
    champion: championValue ?? null,
    delta: candidateValue !== undefined && championValue !== undefined ? candidateValue - championValue : null,
    rule: 'report_only',
    threshold: null,
    outcome: 'pass',
  };
  if (scope.column !== undefined) base.slice_column = scope.column;
  if (scope.value !== undefined) base.slice_value = scope.value;
  const interval = scope.candidate.intervals[metric];
  if (interval) base.candidate_interval = interval;
  if (scope.baseline) base.baseline = scope.baseline.metrics[metric] ?? null;
  const versusChampion = hasChampion ? comparisonOf(scope, metric, 'champion') : undefined;
  if (versusChampion) base.evidence = { against: 'champion', delta: versusChampion.delta, interval: versusChampion.interval, confidence: versusChampion.confidence, test: versusChampion.test, p_value: null, p_adjusted: null };

  const undefinedNote =
    candidateValue === undefined ? `${metric} is undefined for this group${metric === 'auc' ? ' (AUC needs both classes)' : ''}: not gated` : undefined;
  if (!hasRule(rule)) return [undefinedNote ? { ...base, outcome: 'skipped', note: undefinedNote } : base];
  const skip = (check: GateCheck, note: string): GateCheck => ({ ...check, outcome: 'skipped', note });
  const notGated = notGatedReason(gate, scope, metric);
  const where = scope.scope === 'overall' ? '' : ` on ${scope.scope}`;
  const checks: GateCheck[] = [];

  for (const kind of ['min', 'max'] as const) {
    const bound = rule[kind];
    if (bound === undefined) continue;
    const check: GateCheck = { ...base, rule: kind, threshold: bound };
    if (notGated) checks.push(skip(check, notGated));
    else if (candidateValue === undefined) checks.push(skip(check, undefinedNote!));
    else {
      const ok = kind === 'min' ? candidateValue >= bound - boundTolerance : candidateValue <= bound + boundTolerance;
      const note = `${metric}${where} ${formatNumber(candidateValue)} ${kind === 'min' ? '<' : '>'} ${kind} ${formatNumber(bound)}`;
      checks.push(ok ? { ...check, outcome: 'pass' } : { ...check, outcome: 'fail', note });
    }
  }

  const allowed = rule.max_regression;
  if (allowed !== undefined) {
    const check: GateCheck = { ...base, rule: 'max_regression' };
    const lower = lowerIsBetter.has(metric);
    if (notGated) checks.push(skip(check, notGated));
    else if (!hasChampion) checks.push(skip(check, 'no champion to compare with'));
    else if (!scope.champion) checks.push(skip(check, `the champion's report has no slice ${scope.scope}: regression not checked`));
    else if (championValue === undefined) checks.push(skip(check, `the champion has no ${metric} value here: regression not checked`));
    else if (candidateValue === undefined) checks.push(skip({ ...check, threshold: bound(championValue, allowed, lower) }, undefinedNote!));
    else {
      pending.push({
        index: offset + checks.length,
        family: scope.column === undefined ? 'overall' : 'slices',
        delta: candidateValue - championValue,
        worsening: lower ? candidateValue - championValue : championValue - candidateValue,
        maxRegression: allowed,
        comparison: versusChampion,
        against: 'champion',
        describe: (amount) => `${metric}${where} ${lower ? 'rose' : 'fell'} ${amount}`,
        values: `${formatNumber(candidateValue)} vs champion ${formatNumber(championValue)}`,
      });
      checks.push({ ...check, threshold: bound(championValue, allowed, lower) });
    }
  }
  return checks;
}

/** The overall check against the in-run linear baseline (gate-regression.ts states its rule). */
function baselineCheck(overall: GateScope, rule: { metric: string; maxRegression: number }, name: string, pending: PendingRegression[], index: number): GateCheck {
  const { metric, maxRegression } = rule;
  const candidateValue = overall.candidate.metrics[metric];
  const baselineValue = overall.baseline?.metrics[metric];
  const lower = lowerIsBetter.has(metric);
  const comparison = comparisonOf(overall, metric, 'baseline');
  const check: GateCheck = {
    scope: 'overall',
    rows: overall.candidate.rows,
    metric,
    candidate: candidateValue ?? null,
    champion: null,
    delta: null,
    baseline: baselineValue ?? null,
    rule: 'baseline',
    threshold: baselineValue === undefined ? null : bound(baselineValue, maxRegression, lower),
    outcome: 'pass',
  };
  const interval = overall.candidate.intervals[metric];
  if (interval) check.candidate_interval = interval;
  if (comparison) check.evidence = { against: 'baseline', delta: comparison.delta, interval: comparison.interval, confidence: comparison.confidence, test: comparison.test, p_value: null, p_adjusted: null };
  if (candidateValue === undefined || baselineValue === undefined) {
    return { ...check, outcome: 'skipped', note: `${metric} is undefined for the ${candidateValue === undefined ? 'candidate' : 'baseline'}: the baseline check is not judged` };
  }
  pending.push({
    index,
    family: 'overall',
    delta: candidateValue - baselineValue,
    worsening: lower ? candidateValue - baselineValue : baselineValue - candidateValue,
    maxRegression,
    comparison,
    against: 'baseline',
    describe: (amount) => `${metric} ${formatNumber(candidateValue)} is ${amount} ${lower ? 'above' : 'below'} the ${name} baseline's ${formatNumber(baselineValue)}`,
    values: '',
  });
  return check;
}

/**
 * A slice the champion's report has and the candidate's lacks: nothing of the candidate to judge
 * there, said in a skipped check per regression rule rather than left out silently.
 */
function championOnlyChecks(gate: GateConfig, candidate: EvaluationReport, champion: GateChampion | null): GateCheck[] {
  const checks: GateCheck[] = [];
  for (const { column, value, group } of championOnlySlices(candidate, champion?.report ?? null)) {
    for (const [metric, rule] of Object.entries(gate.per_slice)) {
      if (rule?.max_regression === undefined) continue;
      checks.push({
        scope: `${column}=${value}`,
        slice_column: column,
        slice_value: value,
        rows: 0,
        metric,
        candidate: null,
        champion: group.metrics[metric] ?? null,
        delta: null,
        rule: 'max_regression',
        threshold: null,
        outcome: 'skipped',
        note: `only the champion's report has slice ${column}=${value} (${group.rows} rows): the candidate has no rows there to judge`,
      });
    }
  }
  return checks;
}

/** The baseline check when no baseline could be trained: skipped, with the reason. */
function missingBaselineCheck(overall: GateScope, metric: string, reason: string): GateCheck {
  return {
    scope: 'overall',
    rows: overall.candidate.rows,
    metric,
    candidate: overall.candidate.metrics[metric] ?? null,
    champion: null,
    delta: null,
    baseline: null,
    rule: 'baseline',
    threshold: null,
    outcome: 'skipped',
    note: `not judged: ${reason}`,
  };
}

/** The worst value a candidate may reach given the reference value and the allowed worsening. */
function bound(referenceValue: number, allowed: number, lower: boolean): number {
  return lower ? referenceValue + allowed : referenceValue - allowed;
}

function summarise(checks: GateCheck[], primaryMetric: string, candidate: EvaluationReport, champion: GateChampion | null): string {
  const gated = checks.filter((c) => c.rule !== 'report_only');
  const failed = gated.filter((c) => c.outcome === 'fail');
  const applied = gated.filter((c) => c.outcome !== 'skipped').length;
  const skipped = gated.length - applied;
  const skippedText = skipped > 0 ? `, ${skipped} skipped` : '';
  if (failed.length === 0) {
    const noise = gated.filter((c) => c.evidence?.basis === 'drop_not_significant').length;
    const noiseText = noise > 0 ? ` (${noise} drop${noise === 1 ? '' : 's'} beyond a threshold within noise)` : '';
    const candidateValue = candidate.overall.metrics[primaryMetric];
    let headline = `${primaryMetric} ${formatNumber(candidateValue)}`;
    headline += champion ? ` vs champion ${formatNumber(champion.report.overall.metrics[primaryMetric])}` : '; no champion';
    const baseline = linearBaseline(candidate);
    if (baseline) headline += `; ${baseline.name} baseline ${formatNumber(baseline.overall.metrics[primaryMetric])}`;
    return `Passed: ${applied} check${applied === 1 ? '' : 's'}, 0 failed${noiseText}${skippedText} (${headline})`;
  }
  const quoted = failed.slice(0, failuresInSummary).map((c) => c.note ?? `${c.metric} on ${c.scope}`);
  const more = failed.length > failuresInSummary ? `; and ${failed.length - failuresInSummary} more` : '';
  return `Rejected: ${failed.length} of ${applied} check${applied === 1 ? '' : 's'} failed — ${quoted.join('; ')}${more}`;
}
