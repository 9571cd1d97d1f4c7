import type { FeatureInput, MlopsConfigInput } from '../config/schema.js';
import { segmentNamePattern, sliceValueRange } from './infer-columns.js';

/**
 * Slices for `mlops init`: which categorical columns to slice by, judged by what the gate will be
 * able to do with each value. The gate judges a slice value for AUC only with
 * `gate.min_slice_class_rows` test rows of each class, and for other metrics with
 * `gate.min_slice_rows` test rows (src/evaluation/gate-scopes.ts); a smaller value is reported, not
 * gated. Init reads every candidate column's rows and class counts per value, expects
 * `split.test_fraction` of them in the test split, prefers columns with values the gate can judge,
 * and says in the config which values will only be reported and why.
 */

/** Categorical feature → its values → rows per target class (binary: [negatives, positives]; otherwise one total). */
export type SliceCounts = ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;

/** The categorical features a slice can be: 2–12 values. */
export function sliceCandidates(features: readonly FeatureInput[]): Extract<FeatureInput, { type: 'categorical' }>[] {
  return features.filter(
    (f): f is Extract<FeatureInput, { type: 'categorical' }> => f.type === 'categorical' && f.vocabulary.length >= sliceValueRange.min && f.vocabulary.length <= sliceValueRange.max,
  );
}

/** What the gate's minimums need of a slice value, and the share of rows expected in the test split. */
export interface SliceNeeds {
  testFraction: number;
  minSliceRows: number;
  /** Rows of each class a binary slice needs for AUC; null when no per-slice rule is on AUC. */
  minClassRows: number | null;
}

/** Why a slice value will be reported and not gated (expected test rows below a minimum), or null when it will be judged. */
export function valueTooSmall(counts: readonly number[], needs: SliceNeeds): string | null {
  const expected = (n: number) => Math.round(n * needs.testFraction);
  const rows = expected(counts.reduce((a, b) => a + b, 0));
  if (rows < needs.minSliceRows) return `~${rows} test rows, min_slice_rows ${needs.minSliceRows}`;
  if (needs.minClassRows !== null && counts.length === 2) {
    const [negatives = 0, positives = 0] = counts.map(expected);
    if (Math.min(negatives, positives) < needs.minClassRows) {
      const which = positives <= negatives ? `~${positives} positives` : `~${negatives} negatives`;
      return `${which} in the test split, AUC needs min_slice_class_rows ${needs.minClassRows} of each class`;
    }
  }
  return null;
}

/** A chosen slice column and its values the gate will not judge, with the reasons. */
export interface SlicePlan {
  slices: string[];
  reason: string;
  /** "contract=Two year (~10 positives in the test split, …)" for each value that will only be reported. */
  reportedOnly: string[];
}

/**
 * Picks up to 2 slice columns among categorical features with 2–12 values: columns with at least
 * one value the gate can judge (by the expected test rows of `counts`) before columns with none;
 * within each, names that suggest a segment (contract, region, segment, type, category, group)
 * first, then column order. Without counts, only the name and order rules apply.
 */
export function pickSlices(features: readonly FeatureInput[], counts?: SliceCounts, needs?: SliceNeeds): SlicePlan {
  const candidates = sliceCandidates(features);
  const judgeable = (name: string) => {
    const values = counts?.get(name);
    return !values || !needs || [...values.values()].some((c) => valueTooSmall(c, needs) === null);
  };
  const rank = (f: (typeof candidates)[number]) => (judgeable(f.name) ? 0 : 2) + (segmentNamePattern.test(f.name) ? 0 : 1);
  const slices = candidates
    .map((f, order) => ({ f, order, rank: rank(f) }))
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .slice(0, 2)
    .map(({ f }) => f.name);
  const rule = `categorical features with ${sliceValueRange.min}–${sliceValueRange.max} values, names suggesting a segment (contract, region, segment, type, category, group) first, then in column order; at most 2`;
  const reportedOnly: string[] = [];
  if (counts && needs) {
    for (const name of slices) {
      for (const [value, c] of counts.get(name) ?? []) {
        const why = valueTooSmall(c, needs);
        if (why !== null) reportedOnly.push(`${name}=${value} (${why})`);
      }
    }
  }
  const skipped = counts && needs ? candidates.filter((f) => !slices.includes(f.name) && !judgeable(f.name)).length : 0;
  const sized = counts && needs ? `; columns with a value the gate can judge (enough expected test rows) first${skipped > 0 ? ` (${skipped} without one passed over)` : ''}` : '';
  if (slices.length === 0) return { slices, reason: `No column fits the rule (${rule}); add slice columns by hand.`, reportedOnly };
  return { slices, reason: `Chosen by rule: ${rule}${sized}.`, reportedOnly };
}

/** What a gate's minimums need of slices, from the gate and split `mlops init` writes. */
export function sliceNeeds(gate: NonNullable<MlopsConfigInput['gate']>, testFraction: number): SliceNeeds {
  const aucPerSlice = gate.per_slice?.auc !== undefined;
  return { testFraction, minSliceRows: gate.min_slice_rows ?? 30, minClassRows: aucPerSlice ? (gate.min_slice_class_rows ?? 20) : null };
}

/** The sentence the gate's comment gets about slice values that will only be reported (at most `shown` listed). */
export function reportedOnlyNote(reportedOnly: readonly string[], shown = 6): string {
  if (reportedOnly.length === 0) return '';
  const listed = reportedOnly.slice(0, shown).join('; ');
  const more = reportedOnly.length > shown ? `; and ${reportedOnly.length - shown} more` : '';
  return ` Expected too small to gate, so reported only: ${listed}${more}.`;
}
