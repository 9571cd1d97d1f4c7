/**
 * Multiple-testing corrections for a family of checks judged together (overall plus every slice),
 * so that adding slices does not make a false alarm more likely. Holm's step-down method (Holm,
 * Scand. J. Statist. 1979) controls the family-wise error rate at alpha under any dependence
 * between the checks — slices of one test split are dependent — and rejects everything Bonferroni
 * rejects, and sometimes more. Adjusted p-values match statsmodels' `multipletests(method='holm')`
 * and R's `p.adjust(method = "holm")`.
 *
 * A family is an array of p-values in the caller's order; `null` stands for a check that was not
 * tested (skipped, undefined): it stays `null` and does not count in the family size.
 */

/** Adjusted p-values of a family and whether each check is rejected at alpha. */
export interface FamilyDecision {
  /** Adjusted p-value of each check (null where the input was null), in input order. */
  adjusted: (number | null)[];
  /** Whether each check is rejected: adjusted p ≤ alpha (false where the input was null). */
  rejected: boolean[];
  /** How many checks the family held (non-null p-values). */
  size: number;
}

/** Throws a RangeError naming the first p-value that is not a probability. */
function checkPValues(pValues: readonly (number | null)[]): void {
  pValues.forEach((p, i) => {
    if (p !== null && !(p >= 0 && p <= 1)) throw new RangeError(`p-value ${i} is ${p}; p-values must be in [0, 1]`);
  });
}

/** Throws a RangeError unless 0 < alpha < 1. */
export function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1 (exclusive), got ${alpha}`);
}

/** Indices of the non-null p-values, by ascending p (ties keep input order). */
function testedByAscendingP(pValues: readonly (number | null)[]): number[] {
  const tested: number[] = [];
  pValues.forEach((p, i) => {
    if (p !== null) tested.push(i);
  });
  return tested.sort((a, b) => pValues[a]! - pValues[b]! || a - b);
}

/**
 * Bonferroni-adjusted p-values: min(1, m·p) with m the number of non-null p-values.
 * Throws a RangeError for a value outside [0, 1].
 */
export function bonferroniAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  checkPValues(pValues);
  const size = pValues.filter((p) => p !== null).length;
  return pValues.map((p) => (p === null ? null : Math.min(1, size * p)));
}

/**
 * Holm-adjusted p-values: with the m non-null p-values sorted ascending, p₍₁₎ ≤ … ≤ p₍ₘ₎, the
 * adjusted value of p₍ᵢ₎ is max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎), returned in input order.
 * Rejecting where the adjusted value is ≤ alpha is Holm's procedure at family-wise level alpha.
 * Throws a RangeError for a value outside [0, 1].
 */
export function holmAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  checkPValues(pValues);
  const order = testedByAscendingP(pValues);
  const adjusted: (number | null)[] = pValues.map(() => null);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (order.length - rank) * pValues[index]!));
    adjusted[index] = running;
  });
  return adjusted;
}

function decide(adjusted: (number | null)[], alpha: number): FamilyDecision {
  checkAlpha(alpha);
  return {
    adjusted,
    rejected: adjusted.map((p) => p !== null && p <= alpha),
    size: adjusted.filter((p) => p !== null).length,
  };
}

/**
 * Holm's procedure on a family at family-wise error rate alpha: which checks are rejected, with
 * their adjusted p-values (see {@link holmAdjust}).
 */
export function holmDecision(pValues: readonly (number | null)[], alpha: number): FamilyDecision {
  return decide(holmAdjust(pValues), alpha);
}

/** Bonferroni's procedure on a family at family-wise error rate alpha (see {@link bonferroniAdjust}). */
export function bonferroniDecision(pValues: readonly (number | null)[], alpha: number): FamilyDecision {
  return decide(bonferroniAdjust(pValues), alpha);
}
