import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { binIndex } from '../../src/data/profile.js';
import {
  emptyBinShare,
  jensenShannonDistance,
  jensenShannonDivergence,
  lInfinityDistance,
  populationStabilityIndex,
  toProportions,
} from '../../src/monitoring/drift.js';

/** The drift parts of tests/fixtures/reference/metric_reference_values.json (scipy 1.10.1, numpy 1.24.2). */
interface DriftReference {
  drift_numeric_small: { reference: number[]; current: number[] };
  jensen_shannon: { p: number[]; q: number[]; js_distance_base2: number; 'js_divergence_base2 (TFDV)': number; 'js_distance_natural_log (Evidently default base=None)': number };
  psi_proportions: { reference_pct: number[]; current_pct: number[]; psi: number };
  psi_sturges_small: { bin_edges: number[]; reference_pct: number[]; current_pct: number[]; 'psi_zero_fill_1e-4': number };
  linf_tfdv_examples: { a: Record<string, number>; b: Record<string, number>; expected: number }[];
  linf_wa_churn_contract_first_vs_second_half: { a: Record<string, number>; b: Record<string, number>; linf: number };
}

const reference = JSON.parse(
  readFileSync(new URL('../fixtures/reference/metric_reference_values.json', import.meta.url), 'utf8'),
) as DriftReference;

const asMap = (record: Record<string, number>) => new Map(Object.entries(record));

describe('population stability index (Evidently: Σ (ref − cur)·ln(ref/cur), empty bins → 1e-4)', () => {
  test('psi_proportions', () => {
    const { reference_pct, current_pct, psi } = reference.psi_proportions;
    expect(populationStabilityIndex(reference_pct, current_pct)).toBeCloseTo(psi, 12);
  });

  test('psi_sturges_small: the given shares, with empty bins', () => {
    const entry = reference.psi_sturges_small;
    expect(populationStabilityIndex(entry.reference_pct, entry.current_pct)).toBeCloseTo(entry['psi_zero_fill_1e-4'], 12);
  });

  test('psi_sturges_small from the raw values, binned with binIndex on the reference edges', () => {
    const edges = reference.psi_sturges_small.bin_edges;
    const count = (values: number[]) => {
      const counts = new Array<number>(edges.length - 1).fill(0);
      for (const value of values) counts[binIndex(edges, value)]!++;
      return counts;
    };
    const ref = count(reference.drift_numeric_small.reference);
    const cur = count(reference.drift_numeric_small.current);
    expect(toProportions(ref)).toEqual(reference.psi_sturges_small.reference_pct);
    expect(toProportions(cur)).toEqual(reference.psi_sturges_small.current_pct);
    // Counts and shares give the same index.
    expect(populationStabilityIndex(ref, cur)).toBeCloseTo(reference.psi_sturges_small['psi_zero_fill_1e-4'], 12);
  });

  test.each([
    { name: 'identical', ref: [5, 3, 2], cur: [10, 6, 4], expected: 0 },
    // One bin empty on the current side: (0.5 − 1e-4)·ln(0.5/1e-4) + (0.5 − 1)·ln(0.5/1).
    { name: 'an empty current bin', ref: [1, 1], cur: [0, 4], expected: (0.5 - emptyBinShare) * Math.log(0.5 / emptyBinShare) + (0.5 - 1) * Math.log(0.5) },
    { name: 'a bin empty on both sides contributes nothing', ref: [1, 0, 1], cur: [1, 0, 1], expected: 0 },
  ])('$name', ({ ref, cur, expected }) => {
    expect(populationStabilityIndex(ref, cur)).toBeCloseTo(expected, 12);
  });

  test('refuses distributions over different bins', () => {
    expect(() => populationStabilityIndex([1, 2], [1, 2, 3])).toThrow(/same bins/);
  });
});

describe('Jensen–Shannon (base 2, as TFDV)', () => {
  const { p, q } = reference.jensen_shannon;

  test('divergence matches the TFDV reference (what /monitoring reports as js)', () => {
    expect(jensenShannonDivergence(p, q)).toBeCloseTo(reference.jensen_shannon['js_divergence_base2 (TFDV)'], 12);
  });

  test('distance (its square root) matches scipy.spatial.distance.jensenshannon(p, q, base=2)', () => {
    expect(jensenShannonDistance(p, q)).toBeCloseTo(reference.jensen_shannon.js_distance_base2, 12);
    // Evidently's default uses natural logs: a different number, not ours.
    expect(jensenShannonDistance(p, q)).not.toBeCloseTo(reference.jensen_shannon['js_distance_natural_log (Evidently default base=None)'], 3);
  });

  test.each([
    { name: 'identical', p: [1, 2, 3], q: [2, 4, 6], expected: 0 },
    { name: 'disjoint', p: [1, 0], q: [0, 1], expected: 1 },
    { name: 'symmetric', p: [0.1, 0.9], q: [0.6, 0.4], expected: jensenShannonDivergence([0.6, 0.4], [0.1, 0.9]) },
  ])('$name', ({ p, q, expected }) => {
    expect(jensenShannonDivergence(p, q)).toBeCloseTo(expected, 12);
  });
});

describe('L-infinity distance (TFDV, categorical)', () => {
  test.each(reference.linf_tfdv_examples.map((example, i) => ({ i, ...example })))('TFDV example $i', ({ a, b, expected }) => {
    expect(lInfinityDistance(asMap(a), asMap(b))).toBeCloseTo(expected, 12);
  });

  test('telco contract counts, first half of the file vs the second', () => {
    const { a, b, linf } = reference.linf_wa_churn_contract_first_vs_second_half;
    expect(lInfinityDistance(asMap(a), asMap(b))).toBeCloseTo(linf, 15);
  });

  test.each<{ name: string; ref: Record<string, number>; cur: Record<string, number>; expected: number }>([
    { name: 'a value new on the current side counts with its full share', ref: { x: 3 }, cur: { x: 1, y: 1 }, expected: 0.5 },
    { name: 'an empty side gives 0', ref: { x: 3 }, cur: {}, expected: 0 },
    { name: 'proportions and counts agree', ref: { x: 0.25, y: 0.75 }, cur: { x: 30, y: 10 }, expected: 0.5 },
  ])('$name', ({ ref, cur, expected }) => {
    expect(lInfinityDistance(asMap(ref), asMap(cur))).toBeCloseTo(expected, 12);
  });
});
