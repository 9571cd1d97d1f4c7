import { checkAlpha, holmDecision } from './multiple-testing.js';

/**
 * The rule that decides a `max_regression` check: a check fails only when the drop is larger than
 * the threshold AND the evidence says it is real (not noise) at `alpha`.
 *
 * For one metric on one scope (overall, or one slice value) let
 * - w = the candidate's worsening on all rows of the scope: champion − candidate for metrics where
 *   higher is better, candidate − champion for `log_loss`, `brier`, `mae`, `rmse`;
 * - m = `max_regression` (≥ 0);
 * - p = the one-sided p-value of H0 "the true worsening is ≤ 0" (no real drop) against "it is > 0":
 *   for `auc` DeLong's Φ(−w / se) ({@link delongRegressionPValue} with margin 0), for every other
 *   metric the paired bootstrap's (1 + k) / (1 + B), k = resamples with no worsening
 *   ({@link bootstrapRegressionPValue} with margin 0);
 * - p_adj = p adjusted by Holm's step-down method over the check's family, at family-wise level
 *   alpha. A family is a set of checks judged together: the overall checks form one family and the
 *   slice checks another, so that adding slices cannot make a false alarm more likely and cannot
 *   weaken the overall checks. Checks that are not judged are not in the family.
 *
 * Why the null is "no drop" and not "a drop of at most m": testing against m would need evidence
 * that the true drop exceeds the threshold, which a candidate just past it (a true drop of 0.021
 * against 0.02) almost never gives — such a rule passes truly worse models. Testing "no drop" and
 * requiring the measured drop to exceed m rejects a drop that is both large enough to matter and
 * real; a model no worse than the champion is rejected with probability at most alpha per family.
 *
 * Then the check
 * - **fails** when w > m + 1e−12 and p_adj ≤ alpha;
 * - **passes** when w ≤ m + 1e−12 (`within_threshold`, whether or not p exists), or when
 *   w > m + 1e−12 but p_adj > alpha (`drop_not_significant`: the drop could be noise, and the
 *   verdict says so);
 * - is **not judged** when w does not exist, or when w > m + 1e−12 and p does not exist
 *   (`no_evidence`): the metric is undefined on the
 *   scope's rows, DeLong's variance needs 2 rows of each class, the bootstrap has no resample where
 *   the metric was defined, or the metric was undefined in more than 5% of resamples
 *   ({@link maxUndefinedResampleShare}). The gate reports such a check as skipped with the reason;
 *   it never counts as a silent pass.
 *
 * The point rule (`gate.comparison: point`) is {@link judgePointRegression}: fails when w > m + 1e−12
 * (`drop_over_threshold`), whatever the noise.
 */

/** Why a regression check ended as it did. */
export type RegressionBasis = 'within_threshold' | 'drop_not_significant' | 'drop_significant' | 'drop_over_threshold' | 'no_evidence';

/** The decision on one `max_regression` check. */
export interface RegressionJudgement {
  outcome: 'pass' | 'fail' | 'not_judged';
  basis: RegressionBasis;
  /** The p-value the decision used (Holm-adjusted within a family); null when not judged or under the point rule. */
  pValue: number | null;
}

/** What the rule needs about one check. */
export interface RegressionEvidence {
  /** How much worse the candidate is on all rows (positive = worse); null when undefined. */
  worsening: number | null;
  /** The allowed worsening, `max_regression`. */
  maxRegression: number;
  /** One-sided p-value of H0 "worsening ≤ 0" (unadjusted); null when it cannot be computed. */
  pValue: number | null;
}

/** A bootstrap check is not judged when its metric was undefined in more than this share of resamples. */
export const maxUndefinedResampleShare = 0.05;

/** Worsenings within this of the threshold count as on it (floats from champion − max_regression). */
const thresholdTolerance = 1e-12;

function checkThreshold(maxRegression: number): void {
  if (!(maxRegression >= 0)) throw new RangeError(`max_regression must be ≥ 0, got ${maxRegression}`);
}

/**
 * The p-value a bootstrap check may be judged on: null when no resample was defined or when the
 * metric was undefined in more than {@link maxUndefinedResampleShare} of them.
 */
export function usableBootstrapPValue(pValue: number | null, undefinedResamples: number, resamplesDrawn: number): number | null {
  if (pValue === null || resamplesDrawn === 0) return null;
  return undefinedResamples / resamplesDrawn > maxUndefinedResampleShare ? null : pValue;
}

/** Decides one check whose p-value is already adjusted for its family (see the module comment). */
export function judgeRegression(evidence: RegressionEvidence, alpha: number): RegressionJudgement {
  checkAlpha(alpha);
  checkThreshold(evidence.maxRegression);
  const { worsening, pValue } = evidence;
  if (worsening === null) return { outcome: 'not_judged', basis: 'no_evidence', pValue: null };
  // Within the threshold passes on the measured values alone: no test can turn it into a failure.
  if (worsening <= evidence.maxRegression + thresholdTolerance) return { outcome: 'pass', basis: 'within_threshold', pValue };
  if (pValue === null) return { outcome: 'not_judged', basis: 'no_evidence', pValue: null };
  if (pValue <= alpha) return { outcome: 'fail', basis: 'drop_significant', pValue };
  return { outcome: 'pass', basis: 'drop_not_significant', pValue };
}

/**
 * Decides a family of checks together: Holm-adjusts the p-values of the judged checks (both w and
 * p exist) at family-wise level alpha, then applies {@link judgeRegression} to each with its
 * adjusted p-value. Returned in input order.
 */
export function judgeRegressionFamily(family: readonly RegressionEvidence[], alpha: number): RegressionJudgement[] {
  const judged = family.map((check) => (check.worsening === null ? null : check.pValue));
  const { adjusted } = holmDecision(judged, alpha);
  return family.map((check, i) => judgeRegression({ ...check, pValue: adjusted[i]! }, alpha));
}

/** The point rule (`gate.comparison: point`): fails when the worsening exceeds max_regression, whatever the noise. */
export function judgePointRegression(worsening: number | null, maxRegression: number): RegressionJudgement {
  checkThreshold(maxRegression);
  if (worsening === null) return { outcome: 'not_judged', basis: 'no_evidence', pValue: null };
  return worsening <= maxRegression + thresholdTolerance
    ? { outcome: 'pass', basis: 'within_threshold', pValue: null }
    : { outcome: 'fail', basis: 'drop_over_threshold', pValue: null };
}
