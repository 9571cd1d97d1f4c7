import { defaultPrimaryMetric, metricsForTask } from '../config/load.js';
import { lowerIsBetter, type GateConfig, type MetricRule, type TaskType } from '../config/schema.js';
import { formatNumber } from '../core/number-format.js';
import type { EvaluationReport, GateCheck, GateVerdict, GroupMetrics } from './report-schema.js';

/** The champion the candidate is compared with: its registry version and its report on the same test split. */
export interface GateChampion {
  version: string;
  report: EvaluationReport;
}

/** Everything the gate decides from: rules, and the candidate's and champion's reports. */
export interface EvaluateGateInput {
  /** The `gate` block of the config, defaults filled. */
  gate: GateConfig;
  task: TaskType;
  candidate: EvaluationReport;
  /** Candidate identity (run id). */
  candidateId: string;
  /** The current champion, or null when there is none or it could not be scored. */
  champion: GateChampion | null;
  /** Why there is no comparable champion (e.g. it could not be scored on the new data). */
  championNote?: string;
  /** Time of the verdict (defaults to now). */
  now?: Date;
}

/** The note of a verdict made without a champion, unless the caller gives its own. */
export const noChampionNote = 'No champion yet: only absolute bounds applied';

/**
 * Bounds are compared with this slack so that a value exactly on a bound passes even when the
 * bound itself came out of float arithmetic (champion − max_regression).
 */
const boundTolerance = 1e-12;

/** Failures quoted in the one-line summary; the rest are counted. */
const failuresInSummary = 3;

interface Scope {
  scope: string;
  column?: string;
  value?: string;
  candidate: GroupMetrics;
  champion: GroupMetrics | undefined;
  rules: Partial<Record<string, MetricRule>>;
  /** Why rules are not applied to this scope (too few rows), if so. */
  notGated?: string;
}

/**
 * Decides whether a candidate may replace the champion. For each scope (overall, then every slice
 * of the candidate's report) and each metric of the task:
 * - `min`/`max` are absolute bounds, applied overall (`gate.overall`) and to every slice with at
 *   least `min_slice_rows` rows (`gate.per_slice`); `min` is a lower and `max` an upper bound for
 *   every metric;
 * - `max_regression` is the allowed worsening against the champion's value on the same scope: a drop
 *   for higher-is-better metrics, a rise for those in `lowerIsBetter`; skipped without a champion or
 *   when the champion's report lacks the slice or the metric;
 * - smaller slices and undefined metrics get `skipped` checks with a note; metrics without a rule
 *   get a `report_only` check, so the verdict lists every metric with candidate, champion and delta.
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
  if (!champion && championNote === undefined) championNote = noChampionNote;

  const metrics = metricsForTask(task);
  const checks: GateCheck[] = [];
  for (const scope of listScopes(gate, candidate, champion?.report ?? null)) {
    for (const metric of metrics) checks.push(...checkMetric(scope, metric, scope.rules[metric], champion !== null));
  }

  const primaryMetric = gate.primary_metric ?? defaultPrimaryMetric(task);
  const verdict: GateVerdict = {
    passed: !checks.some((c) => c.outcome === 'fail'),
    summary: summarise(checks, primaryMetric, candidate, champion),
    candidate: input.candidateId,
    champion_version: champion?.version ?? null,
    primary_metric: primaryMetric,
    checks,
    evaluated_at: (input.now ?? new Date()).toISOString(),
  };
  if (championNote !== undefined) verdict.champion_note = championNote;
  return verdict;
}

function listScopes(gate: GateConfig, candidate: EvaluationReport, champion: EvaluationReport | null): Scope[] {
  const scopes: Scope[] = [
    { scope: 'overall', candidate: candidate.overall, champion: champion?.overall, rules: gate.overall },
  ];
  for (const [column, values] of Object.entries(candidate.slices)) {
    for (const [value, group] of Object.entries(values)) {
      const scope: Scope = {
        scope: `${column}=${value}`,
        column,
        value,
        candidate: group,
        champion: champion?.slices[column]?.[value],
        rules: gate.per_slice,
      };
      if (group.rows < gate.min_slice_rows) {
        scope.notGated = `${group.rows} rows < min_slice_rows ${gate.min_slice_rows}: reported, not gated`;
      }
      scopes.push(scope);
    }
  }
  return scopes;
}

function hasRule(rule: MetricRule | undefined): rule is MetricRule {
  return rule !== undefined && (rule.min !== undefined || rule.max !== undefined || rule.max_regression !== undefined);
}

/** The checks of one metric on one scope: one per rule it has, or one `report_only`. */
function checkMetric(scope: Scope, metric: string, rule: MetricRule | undefined, hasChampion: boolean): GateCheck[] {
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

  const undefinedNote =
    candidateValue === undefined
      ? `${metric} is undefined for this group${metric === 'auc' ? ' (AUC needs both classes)' : ''}: not gated`
      : undefined;
  if (!hasRule(rule)) {
    return [undefinedNote ? { ...base, outcome: 'skipped', note: undefinedNote } : base];
  }
  const skip = (check: GateCheck, note: string): GateCheck => ({ ...check, outcome: 'skipped', note });
  const where = scope.scope === 'overall' ? '' : ` on ${scope.scope}`;
  const checks: GateCheck[] = [];

  for (const kind of ['min', 'max'] as const) {
    const bound = rule[kind];
    if (bound === undefined) continue;
    const check: GateCheck = { ...base, rule: kind, threshold: bound };
    if (scope.notGated) checks.push(skip(check, scope.notGated));
    else if (candidateValue === undefined) checks.push(skip(check, undefinedNote!));
    else {
      const ok = kind === 'min' ? candidateValue >= bound - boundTolerance : candidateValue <= bound + boundTolerance;
      checks.push(
        ok
          ? { ...check, outcome: 'pass' }
          : {
              ...check,
              outcome: 'fail',
              note: `${metric}${where} ${formatNumber(candidateValue)} ${kind === 'min' ? '<' : '>'} ${kind} ${formatNumber(bound)}`,
            },
      );
    }
  }

  const allowed = rule.max_regression;
  if (allowed !== undefined) {
    const check: GateCheck = { ...base, rule: 'max_regression' };
    const lower = lowerIsBetter.has(metric);
    if (scope.notGated) checks.push(skip(check, scope.notGated));
    else if (!hasChampion) checks.push(skip(check, 'no champion to compare with'));
    else if (!scope.champion) checks.push(skip(check, `the champion's report has no slice ${scope.scope}: regression not checked`));
    else if (championValue === undefined) checks.push(skip(check, `the champion has no ${metric} value here: regression not checked`));
    else if (candidateValue === undefined) checks.push(skip({ ...check, threshold: bound(championValue, allowed, lower) }, undefinedNote!));
    else {
      const threshold = bound(championValue, allowed, lower);
      const worsening = lower ? candidateValue - championValue : championValue - candidateValue;
      if (worsening <= allowed + boundTolerance) checks.push({ ...check, threshold, outcome: 'pass' });
      else {
        checks.push({
          ...check,
          threshold,
          outcome: 'fail',
          note:
            `${metric}${where} ${lower ? 'rose' : 'fell'} ${formatNumber(worsening)} ` +
            `(max_regression ${formatNumber(allowed)}): ${formatNumber(candidateValue)} vs champion ${formatNumber(championValue)}`,
        });
      }
    }
  }
  return checks;
}

/** The worst value a candidate may reach given the champion's value and the allowed worsening. */
function bound(championValue: number, allowed: number, lower: boolean): number {
  return lower ? championValue + allowed : championValue - allowed;
}

function summarise(checks: GateCheck[], primaryMetric: string, candidate: EvaluationReport, champion: GateChampion | null): string {
  const gated = checks.filter((c) => c.rule !== 'report_only');
  const failed = gated.filter((c) => c.outcome === 'fail');
  const applied = gated.filter((c) => c.outcome !== 'skipped').length;
  const skipped = gated.length - applied;
  const skippedText = skipped > 0 ? `, ${skipped} skipped` : '';
  if (failed.length === 0) {
    const candidateValue = candidate.overall.metrics[primaryMetric];
    const championValue = champion?.report.overall.metrics[primaryMetric];
    let headline = `${primaryMetric} ${formatNumber(candidateValue)}`;
    headline += champion ? ` vs champion ${formatNumber(championValue)}` : '; no champion';
    return `Passed: ${applied} check${applied === 1 ? '' : 's'}, 0 failed${skippedText} (${headline})`;
  }
  const quoted = failed.slice(0, failuresInSummary).map((c) => c.note ?? `${c.metric} on ${c.scope}`);
  const more = failed.length > failuresInSummary ? `; and ${failed.length - failuresInSummary} more` : '';
  return `Rejected: ${failed.length} of ${applied} check${applied === 1 ? '' : 's'} failed — ${quoted.join('; ')}${more}`;
}
