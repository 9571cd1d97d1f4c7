import { describe, expect, test } from 'vitest';
import { createRandom, seededPermutation } from '../../src/core/rng.js';
import { assignSplit, assignTimeSplit, splitByKey, splitByTime, timeSplitCuts } from '../../src/data/split.js';

const settings = { test_fraction: 0.2, validation_fraction: 0.1, seed: 42 };
const rows = Array.from({ length: 5000 }, (_, i) => ({ key: `row-${i}` }));

describe('splitByKey', () => {
  test('gives each row the same split whatever the row order', () => {
    const original = splitByKey(rows, settings);
    const order = seededPermutation(rows.length, createRandom(9));
    const shuffled = Array.from(order, (i) => rows[i]!);
    const reshuffled = splitByKey(shuffled, settings);
    const keysOf = (indices: number[], from: { key: string }[]) => indices.map((i) => from[i]!.key);
    // Same keys in the same order: training sees the same sequence before its seeded shuffle.
    expect(keysOf(reshuffled.test, shuffled)).toEqual(keysOf(original.test, rows));
    expect(keysOf(reshuffled.train, shuffled)).toEqual(keysOf(original.train, rows));
    expect(keysOf(reshuffled.validation, shuffled)).toEqual(keysOf(original.validation, rows));
  });

  test('puts about the configured fractions in each split and loses no row', () => {
    const split = splitByKey(rows, settings);
    expect(split.train.length + split.validation.length + split.test.length).toBe(rows.length);
    expect(new Set([...split.train, ...split.validation, ...split.test]).size).toBe(rows.length);
    expect(split.test.length / rows.length).toBeGreaterThan(0.18);
    expect(split.test.length / rows.length).toBeLessThan(0.22);
    const remaining = rows.length - split.test.length;
    expect(split.validation.length / remaining).toBeGreaterThan(0.08);
    expect(split.validation.length / remaining).toBeLessThan(0.12);
  });

  test('keeps identical rows together so duplicates cannot leak into the test split', () => {
    const duplicated = [...rows.slice(0, 500), ...rows.slice(0, 500)];
    const split = splitByKey(duplicated, settings);
    const testKeys = new Set(split.test.map((i) => duplicated[i]!.key));
    for (const i of split.train) expect(testKeys.has(duplicated[i]!.key)).toBe(false);
  });

  test('a different seed gives a different split', () => {
    const a = splitByKey(rows, settings).test;
    const b = splitByKey(rows, { ...settings, seed: 43 }).test;
    expect(a).not.toEqual(b);
  });

  test.each([
    [0.5, 0.1],
    [0.1, 0.5],
  ])('test_fraction %s, validation_fraction %s', (test_fraction, validation_fraction) => {
    const counts = { train: 0, validation: 0, test: 0 };
    for (const row of rows) counts[assignSplit(row.key, { test_fraction, validation_fraction, seed: 1 })]++;
    expect(counts.test / rows.length).toBeCloseTo(test_fraction, 1);
    expect(counts.validation / (rows.length - counts.test)).toBeCloseTo(validation_fraction, 1);
  });
});

describe('the out-of-time split (split.time_column)', () => {
  const day = 86_400_000;
  /** 1,000 rows, one a day, in a shuffled order. */
  const timed = Array.from(seededPermutation(1000, createRandom(3)), (i) => ({ key: `row-${i}`, time: i * day }));

  test('the test split is the latest 20% of the rows, validation the 10% of the rest just before, training the earliest', () => {
    const split = splitByTime(timed, settings);
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([720, 80, 200]);
    const times = (indices: number[]) => indices.map((i) => timed[i]!.time / day);
    expect(Math.max(...times(split.train))).toBe(719);
    expect([Math.min(...times(split.validation)), Math.max(...times(split.validation))]).toEqual([720, 799]);
    expect(Math.min(...times(split.test))).toBe(800);
    expect(split.cuts).toEqual({ validationFrom: 720 * day, testFrom: 800 * day });
  });

  test('does not depend on the row order, and orders each split by key as the hash split does', () => {
    const reversed = [...timed].reverse();
    const keys = (split: ReturnType<typeof splitByTime>, from: typeof timed) => split.test.map((i) => from[i]!.key);
    expect(keys(splitByTime(reversed, settings), reversed)).toEqual(keys(splitByTime(timed, settings), timed));
    const testKeys = keys(splitByTime(timed, settings), timed);
    expect(testKeys).toEqual([...testKeys].sort());
  });

  test.each([
    { name: 'rows that share a cut time stay together, on the later side', times: [3, 1, 2, 3, 2, 3, 1, 3, 2, 3], fractions: [0.4, 0.5], cuts: { validationFrom: 2, testFrom: 3 }, sizes: [2, 3, 5] },
    { name: 'one time for every row puts every row in the test split', times: [5, 5, 5, 5], fractions: [0.2, 0.1], cuts: { validationFrom: 5, testFrom: 5 }, sizes: [0, 0, 4] },
    { name: 'too few rows for a validation row', times: [1, 2, 3, 4, 5], fractions: [0.2, 0.1], cuts: { validationFrom: 5, testFrom: 5 }, sizes: [4, 0, 1] },
  ])('$name', ({ times, fractions, cuts, sizes }) => {
    const found = timeSplitCuts(Float64Array.from(times), { test_fraction: fractions[0]!, validation_fraction: fractions[1]! });
    expect(found).toEqual(cuts);
    const counts = { train: 0, validation: 0, test: 0 };
    for (const time of times) counts[assignTimeSplit(time, found)]++;
    expect([counts.train, counts.validation, counts.test]).toEqual(sizes);
  });
});
