import { describe, expect, test } from 'vitest';
import { createRandom, seededPermutation } from '../../src/core/rng.js';
import { assignSplit, splitByKey } from '../../src/data/split.js';

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
