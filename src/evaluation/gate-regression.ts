import type { GateConfig } from '../config/schema.js';
import { formatNumber, formatPValue } from '../core/number-format.js';
import type { MetricComparison, ReferenceModel } from './model-comparison.js';
import type { GateCheck } from './report-schema.js';
import { judgePointRegression, judgeRegressionFamily, type RegressionJudgement } from './stats/regression-rule.js';

/**
 * How the gate decides its regression checks — against the champion (`max_regression`) and
 * against the in-run baseline (`gate.baseline`) — once every check is known, since a Holm family
 * is judged together. The rule itself is stated in src/evaluation/stats/regression-rule.ts and,
 * in words, by {@link describeRule} (it goes into gate.json and gate.md).
 */

/** A regression check waiting for its family's decision. */
export interface PendingRegression {
  /** Position of the check in the verdict's list. */
  index: number;
  /** `overall`: the overall checks and the baseline check; `slices`: every slice check. */
  family: 'overall' | 'slices';
  /** candidate − reference on all rows, and how much worse that is (positive = worse). */
  delta: number;
  worsening: number;
  maxRegression: number;
  /** The paired comparison behind it; undefined when none was computed. */
  comparison: MetricComparison | undefined;
  against: ReferenceModel;
  /** The check's note up to the threshold, given the worsening as text: "auc on contract=One year fell 0.07". */
  describe: (amount: string) => string;
  /** The values behind it ("0.7712 vs champion 0.8424"); '' when `describe` says them. */
  values: string;
}

/** Judged checks in each Holm family. */
export interface FamilySizes {
  overall: number;
  slices: number;
}

/**
 * The metric and allowed worsening of the baseline check: `gate.baseline.metric` (default the
 * primary metric) and `gate.baseline.max_regression` (default that metric's overall
 * `max_regression`, else 0).
 */
export function baselineRule(gate: GateConfig, primaryMetric: string): { metric: string; maxRegression: number } {
  const metric = gate.baseline.metric ?? primaryMetric;
  return { metric, maxRegression: gate.baseline.max_regression ?? gate.overall[metric]?.max_regression ?? 0 };
}

/**
 * Decides every pending check in place: under `gate.comparison: point` by the measured worsening
 * alone; under `paired` by family (overall, slices), Holm-adjusting the p-values of each family at
 * `gate.alpha`. Returns how many checks each family held.
 */
export function decideRegressions(checks: GateCheck[], pending: readonly PendingRegression[], gate: GateConfig): FamilySizes {
  const sizes: FamilySizes = { overall: 0, slices: 0 };
  for (const family of ['overall', 'slices'] as const) {
    const members = pending.filter((p) => p.family === family);
    const judgements =
      gate.comparison === 'point'
        ? members.map((p) => judgePointRegression(p.worsening, p.maxRegression))
        : judgeRegressionFamily(
            members.map((p) => ({ worsening: p.worsening, maxRegression: p.maxRegression, pValue: p.comparison?.pValue ?? null })),
            gate.alpha,
          );
    sizes[family] = members.filter((p) => (p.comparison?.pValue ?? null) !== null).length;
    members.forEach((p, i) => {
      checks[p.index] = finishCheck(checks[p.index]!, p, judgements[i]!, gate, family, sizes[family]);
    });
  }
  return sizes;
}

/** A pending check with its outcome, evidence and note. */
function finishCheck(check: GateCheck, pending: PendingRegression, judgement: RegressionJudgement, gate: GateConfig, family: 'overall' | 'slices', size: number): GateCheck {
  const comparison = pending.comparison;
  const evidence: NonNullable<GateCheck['evidence']> = {
    against: pending.against,
    delta: comparison?.delta ?? pending.delta,
    interval: comparison?.interval ?? null,
    confidence: comparison?.confidence ?? 1 - 2 * gate.alpha,
    test: comparison?.test ?? (check.metric === 'auc' ? 'delong' : 'paired_bootstrap'),
    p_value: comparison?.pValue ?? null,
    p_adjusted: gate.comparison === 'paired' ? judgement.pValue : null,
    family,
    basis: judgement.basis,
  };
  const finished: GateCheck = { ...check, evidence };
  const threshold = `max_regression ${formatNumber(pending.maxRegression)}`;
  const amount = formatNumber(pending.worsening);
  const values = pending.values === '' ? '' : `: ${pending.values}`;
  const holm = `Holm over ${size} ${family === 'overall' ? 'overall' : 'slice'} check${size === 1 ? '' : 's'}`;
  const p = formatPValue(judgement.pValue);
  const pText = `p ${p.startsWith('<') ? p : `= ${p}`}${size > 1 ? ` (${holm})` : ''}`;
  switch (judgement.basis) {
    case 'within_threshold':
      return { ...finished, outcome: 'pass' };
    case 'drop_not_significant':
      return { ...finished, outcome: 'pass', note: `${pending.describe(amount)} (${threshold}) but the drop is within noise: ${pText} > alpha ${formatNumber(gate.alpha, { trimZeros: true })}` };
    case 'drop_significant':
      return { ...finished, outcome: 'fail', note: `${pending.describe(amount)} (${threshold})${values}; ${pText} ≤ alpha ${formatNumber(gate.alpha, { trimZeros: true })}${baselineMeaning(pending)}` };
    case 'drop_over_threshold':
      return { ...finished, outcome: 'fail', note: `${pending.describe(amount)} (${threshold})${values}${baselineMeaning(pending)}` };
    case 'no_evidence':
      return {
        ...finished,
        outcome: 'skipped',
        note: `not judged: ${comparison?.noEvidence ?? 'no paired comparison of the two models on these rows'} (gate.comparison: paired)`,
      };
  }
}

/** What a failed baseline check means, in words. */
function baselineMeaning(pending: PendingRegression): string {
  return pending.against === 'baseline' ? ': the candidate learned less than a simple model trained on the same rows and inputs' : '';
}

/** The rule of `gate.comparison` in words, as gate.json and gate.md state it. */
export function describeRule(gate: GateConfig, sizes: FamilySizes): string {
  const alpha = formatNumber(gate.alpha, { trimZeros: true });
  const baseline = gate.baseline.enabled
    ? ' The baseline check applies the same rule to the candidate against the in-run linear baseline (gate.baseline).'
    : ' The in-run baseline is reported, not gated (gate.baseline.enabled is false).';
  if (gate.comparison === 'point') {
    return (
      'A max_regression check fails when the candidate is worse than the champion by more than max_regression on the ' +
      `scope's test rows, however noisy the difference (gate.comparison: point). Deltas, intervals and p-values are shown for information.${baseline}`
    );
  }
  const confidence = formatNumber(1 - 2 * gate.alpha, { percent: true, trimZeros: true });
  return (
    'Candidate and champion are scored on the same test rows. A max_regression check fails only when the candidate is worse ' +
    `by more than max_regression AND a one-sided test rejects "there is no real worsening" at alpha ${alpha} ` +
    "after Holm's adjustment: DeLong's test for AUC, a paired bootstrap " +
    `(${gate.bootstrap.resamples} resamples, p = (1 + k) / (1 + B)) for the other metrics. The overall checks form one Holm family ` +
    `(${sizes.overall} judged), the slice checks another (${sizes.slices} judged), so adding slices does not make a false alarm more likely. ` +
    'A larger drop that could be noise passes, marked "within noise"; a check without evidence is skipped with the reason. ' +
    `Δ intervals are two-sided ${confidence} (1 − 2·alpha): before the adjustment, p ≤ alpha means the interval lies wholly on the ` +
    `worse side of zero.${baseline}`
  );
}
