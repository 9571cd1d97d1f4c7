import { describe, expect, test } from 'vitest';
import { createRandom } from '../../src/core/rng.js';
import { numericProfileSchema, categoricalProfileSchema } from '../../src/data/profile-schema.js';
import {
  binIndex,
  CategoricalAccumulator,
  histogramCounts,
  histogramEdges,
  maxListedCategories,
  NumericAccumulator,
  quantile,
  quantilesOf,
  scaleCounts,
} from '../../src/data/profile.js';

const ascending = (values: number[]) => Float64Array.from(values).sort();

describe('quantile (linear interpolation, numpy default)', () => {
  // The examples of numpy's documentation for np.quantile / np.percentile:
  // a = [[10, 7, 4], [3, 2, 1]]: quantile(a, 0.5) = 3.5; along axis 0 = [6.5, 4.5, 2.5]; along axis 1 = [7, 2].
  test.each([
    { values: [10, 7, 4, 3, 2, 1], q: 0.5, expected: 3.5 },
    { values: [10, 3], q: 0.5, expected: 6.5 },
    { values: [7, 2], q: 0.5, expected: 4.5 },
    { values: [4, 1], q: 0.5, expected: 2.5 },
    { values: [10, 7, 4], q: 0.5, expected: 7 },
    { values: [3, 2, 1], q: 0.5, expected: 2 },
  ])('numpy docs: quantile($values, $q) = $expected', ({ values, q, expected }) => {
    expect(quantile(ascending(values), q)).toBe(expected);
  });

  // np.quantile([1, 2, 3, 4, 7, 10], q) with numpy 2.4.6.
  test.each([
    { q: 0, expected: 1 },
    { q: 0.01, expected: 1.05 },
    { q: 0.05, expected: 1.25 },
    { q: 0.25, expected: 2.25 },
    { q: 0.75, expected: 6.25 },
    { q: 0.95, expected: 9.25 },
    { q: 0.99, expected: 9.85 },
    { q: 1, expected: 10 },
  ])('numpy: quantile([1, 2, 3, 4, 7, 10], $q) = $expected', ({ q, expected }) => {
    expect(quantile(ascending([1, 2, 3, 4, 7, 10]), q)).toBeCloseTo(expected, 12);
  });

  test('one value is every quantile; no value or a bad level is an error', () => {
    expect(quantile([5], 0.3)).toBe(5);
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => quantile([1, 2], 1.5)).toThrow(RangeError);
  });

  test('the profile keys p01 … p99', () => {
    const values = ascending(Array.from({ length: 1001 }, (_, i) => (i * i) / 1000));
    // np.quantile(np.arange(1001)**2/1000, [.01,.05,.25,.5,.75,.95,.99]) with numpy 2.4.6.
    const expected = { p01: 0.1, p05: 2.5, p25: 62.5, p50: 250, p75: 562.5, p95: 902.5, p99: 980.1 };
    const actual = quantilesOf(values);
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    for (const [key, value] of Object.entries(expected)) expect(actual[key]).toBeCloseTo(value, 9);
  });
});

describe('histograms for drift', () => {
  test.each([
    { value: -5, bin: 0 },
    { value: 0, bin: 0 },
    { value: 9.99, bin: 0 },
    { value: 10, bin: 1 },
    { value: 19.5, bin: 1 },
    { value: 25, bin: 2 },
    { value: 30, bin: 2 },
    { value: 99, bin: 2 },
  ])('binIndex([0, 10, 20, 30], $value) = $bin', ({ value, bin }) => {
    expect(binIndex([0, 10, 20, 30], value)).toBe(bin);
  });

  test('a one-bin histogram puts everything in bin 0', () => {
    expect(binIndex([5, 5], 4)).toBe(0);
    expect(binIndex([5, 5], 6)).toBe(0);
  });

  test.each([
    { name: 'continuous: deciles', values: Array.from({ length: 101 }, (_, i) => i), edges: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], counts: [10, 10, 10, 10, 10, 10, 10, 10, 10, 11] },
    { name: 'a 0/1 column: one bin per value', values: [0, 0, 0, 1, 0, 1, 0, 0, 0, 0], edges: [0, 0.5, 1], counts: [8, 2] },
    { name: 'few distinct values', values: [1, 2, 2, 3, 3, 3, 10], edges: [1, 1.5, 2.5, 6.5, 10], counts: [1, 2, 3, 1] },
    { name: 'a constant column', values: [4, 4, 4], edges: [4, 4], counts: [3] },
    { name: 'no values', values: [], edges: [], counts: [] },
  ])('$name', ({ values, edges, counts }) => {
    const sorted = ascending(values);
    const actualEdges = histogramEdges(sorted);
    expect(actualEdges).toEqual(edges);
    expect(histogramCounts(sorted, actualEdges)).toEqual(counts);
  });

  test('repeated deciles are removed for skewed discrete data', () => {
    const values = ascending([...Array(80).fill(0), ...Array.from({ length: 20 }, (_, i) => i + 1)]);
    const edges = histogramEdges(values);
    expect(new Set(edges).size).toBe(edges.length);
    expect(edges[0]).toBe(0);
    expect(histogramCounts(values, edges).reduce((a, b) => a + b, 0)).toBe(100);
  });

  test('sample counts scale to the total and still sum exactly', () => {
    expect(scaleCounts([1, 1, 1], 10)).toEqual([4, 3, 3]);
    expect(scaleCounts([5, 3, 2], 1000)).toEqual([500, 300, 200]);
    expect(scaleCounts([0, 0], 7)).toEqual([0, 0]);
  });
});

describe('NumericAccumulator', () => {
  test('Welford moments match a two-pass computation (population std)', () => {
    const accumulator = new NumericAccumulator(1);
    for (const value of [2, 4, 4, 4, 5, 5, 7, 9]) accumulator.add(value);
    accumulator.addMissing();
    const profile = numericProfileSchema.parse(accumulator.toProfile());
    expect(profile).toMatchObject({ count: 8, missing: 1, min: 2, max: 9, mean: 5, std: 2, sampled: false });
    expect(profile.histogram.counts.reduce((a, b) => a + b, 0)).toBe(8);
  });

  test('large values keep their precision', () => {
    const accumulator = new NumericAccumulator(1);
    for (const value of [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]) accumulator.add(value);
    const profile = accumulator.toProfile();
    expect(profile.mean).toBe(1e9 + 10);
    expect(profile.std).toBeCloseTo(Math.sqrt(22.5), 6);
  });

  test('memory stays flat: a bounded, seeded reservoir gives sampled quantiles', () => {
    const make = () => {
      const accumulator = new NumericAccumulator(42, 2000);
      const random = createRandom(3);
      for (let i = 0; i < 200_000; i++) accumulator.add(random());
      return accumulator;
    };
    const accumulator = make();
    expect(accumulator.sampleSize).toBe(2000);
    const profile = accumulator.toProfile();
    expect(profile.count).toBe(200_000);
    expect(profile.sampled).toBe(true);
    expect(profile.quantiles['p50']).toBeGreaterThan(0.45);
    expect(profile.quantiles['p50']).toBeLessThan(0.55);
    expect(profile.quantiles['p95']).toBeGreaterThan(0.92);
    expect(profile.histogram.counts.reduce((a, b) => a + b, 0)).toBe(200_000);
    expect(profile.mean).toBeCloseTo(0.5, 2);
    // The same data and seed give the same profile.
    expect(make().toProfile()).toEqual(profile);
  });

  test('a column with no values has nulls and empty quantiles', () => {
    const accumulator = new NumericAccumulator(1);
    accumulator.addMissing();
    expect(numericProfileSchema.parse(accumulator.toProfile())).toMatchObject({ count: 0, missing: 1, min: null, std: null, quantiles: {}, histogram: { edges: [], counts: [] } });
  });
});

describe('CategoricalAccumulator', () => {
  test('counts vocabulary values by index and others by text', () => {
    const accumulator = new CategoricalAccumulator(['a', 'b', 'c']);
    for (const code of [0, 0, 1, 0]) accumulator.addCode(code, '');
    accumulator.addCode(-2, 'z');
    accumulator.addCode(-2, '__proto__');
    accumulator.addMissing();
    const profile = accumulator.toProfile();
    expect(categoricalProfileSchema.safeParse(profile).success).toBe(true);
    expect(profile).toMatchObject({ type: 'categorical', count: 6, missing: 1, distinct: 4, other: 0, out_of_vocabulary: 2 });
    // A value named like an Object.prototype key is an ordinary key.
    expect(Object.entries(profile.frequencies)).toEqual([['a', 3], ['__proto__', 1], ['b', 1], ['z', 1]]); // by count, then value
    expect(accumulator.presentValues()).toEqual(['a', 'b']);
  });

  test(`lists the ${maxListedCategories} most frequent values and sums the rest in other`, () => {
    const accumulator = new CategoricalAccumulator([]);
    for (let i = 0; i < 1500; i++) accumulator.addCode(-2, `v${i}`);
    for (let i = 0; i < 10; i++) accumulator.addCode(-2, 'v1499');
    const profile = accumulator.toProfile();
    expect(Object.keys(profile.frequencies)).toHaveLength(maxListedCategories);
    expect(profile.frequencies['v1499']).toBe(11);
    expect(profile.other).toBe(500);
    expect(profile.distinct).toBe(1500);
  });
});
