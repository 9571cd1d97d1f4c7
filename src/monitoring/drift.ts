/**
 * Distances between a reference distribution (the training data) and a current one (live
 * traffic), as TFDV and Evidently define them. Inputs are counts or proportions over the same
 * bins (numeric features: the training histogram's bins) or over category values; each function
 * normalises what it is given, so counts and proportions give the same result.
 */

/** Share that replaces an empty bin in the PSI, as Evidently does, so that ln(ref/cur) stays finite. */
export const emptyBinShare = 1e-4;

/** Counts scaled to sum to 1; all zeros stay all zeros. */
export function toProportions(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  const out = new Array<number>(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = total > 0 ? counts[i]! / total : 0;
  return out;
}

function checkSameLength(reference: ArrayLike<number>, current: ArrayLike<number>, what: string): void {
  if (reference.length !== current.length) {
    throw new RangeError(`${what} needs distributions over the same bins; got ${reference.length} and ${current.length}`);
  }
}

/**
 * Population stability index, Evidently's formula: Σ (ref − cur) · ln(ref / cur) over bins, with
 * the shares of empty bins replaced by {@link emptyBinShare}. 0 for identical distributions; 0.1
 * is the usual "moderate shift" threshold and 0.25 a large one.
 */
export function populationStabilityIndex(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  checkSameLength(reference, current, 'PSI');
  const ref = toProportions(reference);
  const cur = toProportions(current);
  let psi = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]! === 0 ? emptyBinShare : ref[i]!;
    const c = cur[i]! === 0 ? emptyBinShare : cur[i]!;
    psi += (r - c) * Math.log(r / c);
  }
  return psi;
}

/**
 * Jensen–Shannon divergence with base-2 logarithms, as TFDV computes it for numeric drift:
 * ½·KL(p‖m) + ½·KL(q‖m) with m = (p + q)/2. It lies in [0, 1] (0: identical, 1: disjoint).
 */
export function jensenShannonDivergence(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  checkSameLength(reference, current, 'Jensen–Shannon');
  const p = toProportions(reference);
  const q = toProportions(current);
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i]! + q[i]!) / 2;
    // 0 · log(0 / m) is 0 by convention.
    if (p[i]! > 0) divergence += 0.5 * p[i]! * Math.log2(p[i]! / m);
    if (q[i]! > 0) divergence += 0.5 * q[i]! * Math.log2(q[i]! / m);
  }
  // Rounding can leave a tiny negative or a value just above 1.
  return Math.min(1, Math.max(0, divergence));
}

/** Jensen–Shannon distance (base 2): the square root of the divergence, what scipy's `jensenshannon` returns. */
export function jensenShannonDistance(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  return Math.sqrt(jensenShannonDivergence(reference, current));
}

/**
 * L-infinity distance between two categorical distributions given as value → count (or share),
 * TFDV's drift and skew measure for categorical features: the largest difference between the
 * normalised frequencies of any value in either distribution. A value present on one side only
 * counts with its full share. 0 when either side is empty.
 */
export function lInfinityDistance(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): number {
  const total = (counts: ReadonlyMap<string, number>) => {
    let sum = 0;
    for (const count of counts.values()) sum += count;
    return sum;
  };
  const referenceTotal = total(reference);
  const currentTotal = total(current);
  if (referenceTotal === 0 || currentTotal === 0) return 0;
  let largest = 0;
  for (const [value, count] of reference) {
    largest = Math.max(largest, Math.abs(count / referenceTotal - (current.get(value) ?? 0) / currentTotal));
  }
  for (const [value, count] of current) {
    if (!reference.has(value)) largest = Math.max(largest, count / currentTotal);
  }
  return largest;
}
