import { describe, expect, test } from 'vitest';
import { createRandom, randomInt } from '../../src/core/rng.js';
import { sha256 } from '../../src/core/hash.js';
import type { DatasetRow } from '../../src/data/load-dataset.js';
import { encodeFeatures, fitPreprocessing } from '../../src/model/preprocessing.js';
import { BaselineSample, baselineSampleCapacity, keyOrder } from '../../src/pipeline/baseline-sample.js';
import { metricTargets } from '../../src/pipeline/test-rows.js';

/** Rows of a small binary task with real sha256 keys, in file order (not key order). */
function rows(count: number): DatasetRow[] {
  const random = createRandom(11);
  return Array.from({ length: count }, (_, i) => ({
    line: i + 2,
    key: sha256(`row ${i}`),
    features: { tenure: randomInt(random, 72), contract: ['Month-to-month', 'One year', 'Two year'][randomInt(random, 3)]! },
    target: random() < 0.3 ? 'Yes' : 'No',
    slices: {},
  }));
}

const data = rows(3000);
const spec = fitPreprocessing(
  [
    { name: 'tenure', type: 'numeric' },
    { name: 'contract', type: 'categorical' },
  ] as never,
  { type: 'binary', positive_label: 'Yes', negative_label: 'No', threshold: 0.5 },
  data.map((row) => row.features),
  data.map((row) => row.target),
);

describe('BaselineSample', () => {
  test('with every training row held, gives exactly the in-memory inputs: the rows encoded in key order', () => {
    const sample = new BaselineSample(spec, 42, 5000);
    for (const row of data) sample.add(row);
    const byKey = [...data].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.line - b.line));
    const { x, y, rows: held } = sample.finish();
    expect(held).toBe(3000);
    expect(x).toEqual(encodeFeatures(spec, byKey.map((row) => row.features)));
    expect(y).toEqual(metricTargets(spec, byKey));
  });

  test('rows sharing a key keep their file order, as the in-memory split keeps it', () => {
    const twins = [data[5]!, { ...data[9]!, key: data[5]!.key }, data[1]!];
    const sample = new BaselineSample(spec, 42, 10);
    for (const row of twins) sample.add(row);
    const byKey = [data[1]!, data[5]!, twins[1]!].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // data[5] and its twin share a key: data[5] came first in the file, so it stays first.
    const expected = byKey.filter((row) => row.key !== data[5]!.key);
    const at = byKey.findIndex((row) => row.key === data[5]!.key);
    expected.splice(at, 0, data[5]!, twins[1]!);
    expect(sample.finish().x).toEqual(encodeFeatures(spec, expected.map((row) => row.features)));
  });

  test('beyond its capacity, holds a bounded, seeded, uniform sample of distinct rows', () => {
    const many = rows(20_000);
    const take = (seed: number) => {
      const sample = new BaselineSample(spec, seed, 1000);
      for (const row of many) sample.add(row);
      return { sample, out: sample.finish() };
    };
    const { sample, out } = take(7);
    expect(sample.seen).toBe(20_000);
    expect(out.rows).toBe(1000);
    expect(out.x.length).toBe(1000 * spec.input_width);
    expect(take(7).out.x).toEqual(out.x);
    expect(take(8).out.x).not.toEqual(out.x);
    // Which rows it holds (their key order, which the sample keeps per slot): distinct rows, about half
    // of them from the second half of the file — a uniform reservoir, not the first rows offered.
    const held = [...(sample as unknown as { order: Float64Array }).order];
    expect(new Set(held).size).toBe(1000);
    const secondHalf = new Set(many.slice(10_000).map((row) => keyOrder(row.key)));
    const fromSecondHalf = held.filter((order) => secondHalf.has(order)).length;
    expect(fromSecondHalf).toBeGreaterThan(400);
    expect(fromSecondHalf).toBeLessThan(600);
  });

  test('its capacity keeps its memory near 64 MiB however wide the inputs', () => {
    expect(baselineSampleCapacity(46)).toBe(100_000);
    expect(baselineSampleCapacity(2000) * (4 * 2000 + 24)).toBeLessThanOrEqual(64 * 2 ** 20);
    expect(baselineSampleCapacity(1_000_000)).toBe(1000);
  });
});

describe('keyOrder', () => {
  test('orders keys as their text orders them', () => {
    const keys = Array.from({ length: 500 }, (_, i) => sha256(String(i)));
    const byText = [...keys].sort();
    const byOrder = [...keys].sort((a, b) => keyOrder(a) - keyOrder(b));
    expect(byOrder).toEqual(byText);
  });
});
