import { describe, expect, test } from 'vitest';
import { normalCdf, normalQuantile, twoSidedNormalPValue } from '../../../src/evaluation/stats/normal.js';
import { readReference, relativeDifference, type NormalReference } from './stats-reference.js';

const reference = readReference<NormalReference>('delong/normal-reference.json');

describe('normalCdf against R 4.2.2 pnorm', () => {
  test.each(reference.x.map((x, i) => [x, reference.pnorm[i]!]))('pnorm(%d)', (x, expected) => {
    // Relative accuracy holds in the far tails too (pnorm(-37) ≈ 5.7e-300).
    expect(relativeDifference(normalCdf(x), expected)).toBeLessThan(1e-14);
  });

  test('NaN in, NaN out; the infinities map to 0 and 1', () => {
    expect(normalCdf(Number.NaN)).toBeNaN();
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
  });
});

describe('normalQuantile against R 4.2.2 qnorm', () => {
  test.each(reference.p.map((p, i) => [p, reference.qnorm[i]!]))('qnorm(%d)', (p, expected) => {
    expect(relativeDifference(normalQuantile(p), expected)).toBeLessThan(1e-14);
  });

  test('0 and 1 give the infinities; outside [0, 1] is an error', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(() => normalQuantile(1.5)).toThrow(/probability in \[0, 1\], got 1.5/);
    expect(() => normalQuantile(Number.NaN)).toThrow(RangeError);
  });
});

describe('twoSidedNormalPValue', () => {
  test.each([
    [0, 1],
    [1.959963984540054, 0.05],
    [-1.959963984540054, 0.05],
    [Infinity, 0],
  ])('z = %d gives p = %d', (z, p) => {
    expect(twoSidedNormalPValue(z)).toBeCloseTo(p, 14);
  });
});
