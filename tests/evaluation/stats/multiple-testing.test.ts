import { describe, expect, test } from 'vitest';
import { bonferroniAdjust, bonferroniDecision, holmAdjust, holmDecision } from '../../../src/evaluation/stats/multiple-testing.js';
import { readReference } from './stats-reference.js';

interface FamilyReference {
  name: string;
  alpha: number;
  p_values: number[];
  holm_adjusted: number[];
  holm_reject: boolean[];
  r_p_adjust_holm: number[];
  bonferroni_adjusted: number[];
  bonferroni_reject: boolean[];
}

const families = readReference<{ cases: FamilyReference[] }>('multiple-testing/multiple-testing-reference.json').cases;
const table = families.map((f) => [f.name, f] as const);

describe('Holm against statsmodels 0.13.5 multipletests(method="holm") and R p.adjust', () => {
  test.each(table)('%s', (_name, family) => {
    const decision = holmDecision(family.p_values, family.alpha);
    decision.adjusted.forEach((p, i) => {
      expect(p).toBeCloseTo(family.holm_adjusted[i]!, 15);
      expect(p).toBeCloseTo(family.r_p_adjust_holm[i]!, 15);
    });
    expect(decision.rejected).toEqual(family.holm_reject);
    expect(decision.size).toBe(family.p_values.length);
  });
});

describe('Bonferroni against statsmodels 0.13.5 multipletests(method="bonferroni")', () => {
  test.each(table)('%s', (_name, family) => {
    const decision = bonferroniDecision(family.p_values, family.alpha);
    decision.adjusted.forEach((p, i) => expect(p).toBeCloseTo(family.bonferroni_adjusted[i]!, 15));
    expect(decision.rejected).toEqual(family.bonferroni_reject);
  });

  test.each(table)('%s: Holm rejects everything Bonferroni rejects', (_name, family) => {
    const holm = holmDecision(family.p_values, family.alpha).rejected;
    bonferroniDecision(family.p_values, family.alpha).rejected.forEach((rejected, i) => {
      if (rejected) expect(holm[i]).toBe(true);
    });
  });
});

describe('families with untested checks', () => {
  test('null stays null and does not count in the family size', () => {
    const withGaps = [0.01, null, 0.04, null, 0.03, 0.005];
    const decision = holmDecision(withGaps, 0.05);
    // The same numbers as the four-check textbook family: nulls change nothing.
    expect(decision.adjusted).toEqual([0.03, null, 0.06, null, 0.06, 0.02]);
    expect(decision.rejected).toEqual([true, false, false, false, false, true]);
    expect(decision.size).toBe(4);
    expect(bonferroniAdjust(withGaps)).toEqual([0.04, null, 0.16, null, 0.12, 0.02]);
  });

  test('an empty family, or one of nulls only, rejects nothing', () => {
    expect(holmDecision([], 0.05)).toEqual({ adjusted: [], rejected: [], size: 0 });
    expect(holmDecision([null, null], 0.05)).toEqual({ adjusted: [null, null], rejected: [false, false], size: 0 });
  });

  test('the input array is not reordered', () => {
    const input = [0.5, 0.01, 0.2];
    holmAdjust(input);
    expect(input).toEqual([0.5, 0.01, 0.2]);
  });
});

describe('bad input', () => {
  test.each([
    [[0.1, 1.2], /p-value 1 is 1.2; p-values must be in \[0, 1\]/],
    [[Number.NaN], /p-value 0 is NaN/],
    [[-0.01], /p-value 0 is -0.01/],
  ])('%j is a RangeError naming the value', (values, message) => {
    expect(() => holmAdjust(values)).toThrow(message);
    expect(() => bonferroniAdjust(values)).toThrow(RangeError);
  });

  test.each([0, 1, -0.05, Number.NaN])('alpha %d is a RangeError', (alpha) => {
    expect(() => holmDecision([0.01], alpha)).toThrow(/alpha must be between 0 and 1/);
  });
});
