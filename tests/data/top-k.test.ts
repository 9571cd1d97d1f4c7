import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createRandom } from '../../src/core/rng.js';
import { chooseTopK, TopKCounter } from '../../src/data/top-k.js';
import { fixturesDir } from '../fixtures/data/telco-config.js';
import { scanColumns } from './scan-columns.js';

/** A seeded Zipf stream over `distinct` values. */
function zipfStream(n: number, distinct: number, exponent: number, seed: number): string[] {
  const weights = Array.from({ length: distinct }, (_, rank) => 1 / (rank + 1) ** exponent);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  weights.reduce((sum, w, i) => (cumulative[i] = sum + w / total), 0);
  const random = createRandom(seed);
  return Array.from({ length: n }, () => {
    const u = random();
    let low = 0;
    let high = distinct - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < u) low = mid + 1;
      else high = mid;
    }
    return `v${low}`;
  });
}

function trueCounts(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

describe('TopKCounter', () => {
  test('counts are exact while there are no more distinct values than counters', () => {
    const stream = zipfStream(20_000, 500, 1.1, 1);
    const counter = new TopKCounter(1000);
    for (const v of stream) counter.add(v);
    expect(counter.exact).toBe(true);
    const truth = trueCounts(stream);
    expect(Object.fromEntries(counter.entries().map((e) => [e.value, e.count]))).toEqual(Object.fromEntries(truth));
    expect(counter.entries().every((e) => e.error === 0)).toBe(true);
  });

  test.each([
    [100_000, 5000, 1.0, 200],
    [50_000, 20_000, 0.8, 500],
  ])('SpaceSaving guarantees hold on %d values over %d distinct (Zipf %d) with %d counters', (n, distinct, exponent, capacity) => {
    const stream = zipfStream(n, distinct, exponent, 7);
    const counter = new TopKCounter(capacity);
    for (const v of stream) counter.add(v);
    const truth = trueCounts(stream);
    const entries = counter.entries();
    expect(counter.exact).toBe(false);
    expect(entries).toHaveLength(capacity);
    const bound = n / capacity;
    for (const e of entries) {
      const t = truth.get(e.value) ?? 0;
      expect(e.count - e.error).toBeLessThanOrEqual(t);
      expect(t).toBeLessThanOrEqual(e.count);
      expect(e.error).toBeLessThanOrEqual(bound);
    }
    const kept = new Set(entries.map((e) => e.value));
    for (const [value, t] of truth) if (t > bound) expect(kept.has(value)).toBe(true);
  });

  test('the same stream always gives the same entries', () => {
    const stream = zipfStream(30_000, 3000, 0.9, 3);
    const run = () => {
      const counter = new TopKCounter(100);
      for (const v of stream) counter.add(v);
      return counter.entries();
    };
    expect(run()).toEqual(run());
  });
});

describe('chooseTopK', () => {
  test('the zip code fixture: keeps the codes seen in 10 rows or more, the rest share the out-of-vocabulary input', async () => {
    const scan = await scanColumns(join(fixturesDir, '../real-world/zip-codes.csv'), ',');
    const counter = scan.topK.get('zip_code')!;
    expect(scan.numbers.get('zip_code')!.format).toBeNull();
    const choice = chooseTopK(counter);
    expect(choice.vocabulary).toHaveLength(40);
    expect(choice.explanation).toMatch(
      /^keeps the 40 seen in at least 10 rows each, of 1,633 distinct values in 4,000 rows: they cover \d+\.\d% of the rows; the other values \(\d+\.\d% of the rows\) share the out-of-vocabulary input$/,
    );
    const truth = counter.entries();
    expect(choice.vocabulary).toEqual(truth.filter((e) => e.count >= 10).map((e) => e.value));
    expect(choice.covered).toBe(truth.filter((e) => e.count >= 10).reduce((s, e) => s + e.count, 0));
  });

  test('at most maxK values, most frequent first', () => {
    const counter = new TopKCounter();
    for (const v of zipfStream(10_000, 100, 1, 5)) counter.add(v);
    const choice = chooseTopK(counter, { maxK: 5, minCount: 1 });
    expect(choice.vocabulary).toEqual(counter.entries().slice(0, 5).map((e) => e.value));
    expect(choice.explanation).toMatch(/^keeps the 5 most frequent \(the most kept\), of 100 distinct values/);
  });

  test('approximate counts are said so, and values are kept by their guaranteed count', () => {
    const counter = new TopKCounter(50);
    for (const v of zipfStream(20_000, 2000, 0.7, 9)) counter.add(v);
    const choice = chooseTopK(counter, { minCount: 100 });
    for (const value of choice.vocabulary) {
      const e = counter.entries().find((x) => x.value === value)!;
      expect(e.count - e.error).toBeGreaterThanOrEqual(100);
    }
    expect(choice.explanation).toContain('counts are approximate (SpaceSaving with 50 counters: each may overstate by at most');
  });

  test('a column where no value repeats enough carries nothing to learn', () => {
    const counter = new TopKCounter();
    for (let i = 0; i < 300; i++) counter.add(`id-${i}`);
    expect(chooseTopK(counter)).toMatchObject({ vocabulary: [], covered: 0 });
    expect(chooseTopK(counter).explanation).toMatch(/^no value occurs in 10 rows or more \(300 distinct values in 300 rows\)/);
  });
});
