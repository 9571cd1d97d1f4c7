import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createRandom } from '../../src/core/rng.js';
import { CategoryClassCounts, NumericClassCounts, otherCategoriesLabel } from '../../src/data/class-counts.js';
import { assessLeakage, defaultLeakageThresholds, orderedAuc, valueRateAuc } from '../../src/data/leakage.js';
import { fixturesDir, telcoPath } from '../fixtures/data/telco-config.js';
import { countClasses, scanColumns } from './scan-columns.js';

const realWorld = join(fixturesDir, '../real-world');
const churn = ['No', 'Yes'];

/** Mann–Whitney AUC over all (positive, negative) pairs: ties count half. */
function bruteForceAuc(scores: readonly number[], positive: readonly boolean[], tie: (i: number, j: number) => boolean = () => false): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!positive[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (positive[j]) continue;
      pairs++;
      if (tie(i, j) || scores[i] === scores[j]) wins += 0.5;
      else if (scores[i]! > scores[j]!) wins += 1;
    }
  }
  return wins / pairs;
}

describe('single-feature AUC against a brute-force count of pairs', () => {
  test('ordered AUC of a numeric feature with ties, in the better direction', () => {
    const random = createRandom(11);
    const values: number[] = [];
    const labels: boolean[] = [];
    const counts = new NumericClassCounts(2);
    for (let i = 0; i < 600; i++) {
      const y = random() < 0.3;
      const value = Math.floor(random() * 20) - (y ? 4 : 0);
      values.push(value);
      labels.push(y);
      counts.add(value, y ? 1 : 0);
    }
    const table = counts.table();
    expect(table.exact).toBe(true);
    const exact = bruteForceAuc(values, labels);
    const result = orderedAuc(table, 1);
    expect(exact).toBeLessThan(0.5);
    expect(result.auc).toBeCloseTo(1 - exact, 12);
    expect(result.low).toBe(result.auc);
  });

  test('values merged into ranges: the exact AUC lies within the reported bounds', () => {
    const random = createRandom(5);
    const values: number[] = [];
    const labels: boolean[] = [];
    const counts = new NumericClassCounts(2, 16);
    for (let i = 0; i < 1500; i++) {
      const y = random() < 0.4;
      const value = random() * 100 + (y ? 15 : 0);
      values.push(value);
      labels.push(y);
      counts.add(value, y ? 1 : 0);
    }
    const table = counts.table();
    expect(table.exact).toBe(false);
    expect(table.groups.length).toBeLessThanOrEqual(16);
    expect(table.groups.reduce((n, g) => n + g.counts[0]! + g.counts[1]!, 0)).toBe(1500);
    for (let i = 1; i < table.groups.length; i++) expect(table.groups[i]!.low).toBeGreaterThan(table.groups[i - 1]!.high);
    const exact = bruteForceAuc(values, labels);
    const result = orderedAuc(table, 1);
    expect(result.low).toBeLessThanOrEqual(exact);
    expect(result.high).toBeGreaterThanOrEqual(exact);
    expect(result.high - result.low).toBeLessThan(0.2);
  });

  test('leave-one-out rate AUC of a categorical feature: rows of one value are ties', () => {
    const random = createRandom(3);
    const groups: number[] = [];
    const labels: boolean[] = [];
    const counts = new CategoryClassCounts(2);
    for (let i = 0; i < 400; i++) {
      const g = Math.floor(random() * 30);
      const y = random() < 0.2 + g / 60;
      groups.push(g);
      labels.push(y);
      counts.add(g === 29 ? null : `v${g}`, y ? 1 : 0);
    }
    const n = new Map<number, number>();
    const k = new Map<number, number>();
    groups.forEach((g, i) => {
      n.set(g, (n.get(g) ?? 0) + 1);
      k.set(g, (k.get(g) ?? 0) + (labels[i] ? 1 : 0));
    });
    const prior = labels.filter(Boolean).length / labels.length;
    const scores = groups.map((g, i) => (k.get(g)! - (labels[i] ? 1 : 0) + prior) / (n.get(g)! - 1 + 1));
    const exact = bruteForceAuc(scores, labels, (i, j) => groups[i] === groups[j]);
    expect(valueRateAuc(counts.table(), 1, prior, 1)).toBeCloseTo(exact, 12);
  });

  test('an id column (one row per value) scores exactly 0.5, where in-sample rates would give 1.0', () => {
    const counts = new CategoryClassCounts(2);
    for (let i = 0; i < 500; i++) counts.add(`C${i}`, i % 4 === 0 ? 1 : 0);
    expect(valueRateAuc(counts.table(), 1, 0.25, 1)).toBe(0.5);
  });
});

describe('class counts against a plain count per value', () => {
  /** Rows per class of each distinct value, ascending by value. */
  function plainCounts(rows: readonly [number, number][], classes: number): [number, number[]][] {
    const byValue = new Map<number, number[]>();
    for (const [value, y] of rows) {
      const counts = byValue.get(value) ?? new Array<number>(classes).fill(0);
      counts[y]!++;
      byValue.set(value, counts);
    }
    return [...byValue].sort((a, b) => a[0] - b[0]);
  }

  test.each([2, 3, 12])('numeric, %i classes, flushed in several batches: one exact group per value', (classes) => {
    const random = createRandom(classes);
    const rows: [number, number][] = Array.from({ length: 900 }, () => [Math.floor(random() * 200) / 4 - 10, Math.floor(random() * classes)]);
    const counts = new NumericClassCounts(classes, 256);
    for (const [value, y] of rows) counts.add(value, y);
    const table = counts.table();
    expect(table.exact).toBe(true);
    expect(table.groups.map((g) => [g.low, [...g.counts]])).toEqual(plainCounts(rows, classes));
    expect(table.groups.every((g) => g.low === g.high)).toBe(true);
  });

  test('categorical: values of a known vocabulary (counted by code) give the counts counted by text', () => {
    const random = createRandom(8);
    const values = ['a', 'b', 'c', 'd', 'e'];
    const rows = Array.from({ length: 300 }, () => [random() < 0.1 ? null : values[Math.floor(random() * values.length)]!, random() < 0.4 ? 1 : 0] as const);
    const byText = new CategoryClassCounts(2);
    const byCode = new CategoryClassCounts(2, undefined, ['c', 'a', 'z']);
    for (const [value, y] of rows) {
      byText.add(value, y);
      if (value === 'a' || value === 'c') byCode.addKnown(value === 'c' ? 0 : 1, y);
      else byCode.add(value, y);
    }
    const sorted = (t: ReturnType<CategoryClassCounts['table']>) => t.groups.map((g) => [g.label, [...g.counts]]).sort();
    expect(sorted(byCode.table())).toEqual(sorted(byText.table()));
    expect(byCode.table().groups.map((g) => g.label).slice(0, 2)).toEqual(['c', 'a']);
    expect([...byCode.table().missing]).toEqual([...byText.table().missing]);
  });
});

describe('assessLeakage verdicts', () => {
  const binaryTable = (fill: (add: (value: number | string | null, y: number) => void) => void, kind: 'numeric' | 'categorical') => {
    const counts = kind === 'numeric' ? new NumericClassCounts(2) : new CategoryClassCounts(2);
    fill((value, y) => (counts instanceof NumericClassCounts ? counts.add(value === null ? Number.NaN : Number(value), y) : counts.add(value === null ? null : String(value), y)));
    return counts.table();
  };

  test('a numeric copy of the target is suspected', () => {
    const table = binaryTable((add) => {
      for (let i = 0; i < 400; i++) add((i % 4 === 0 ? 100 : 0) + (i % 37), i % 4 === 0 ? 1 : 0);
    }, 'numeric');
    const verdict = assessLeakage('refund_amount', table, churn);
    expect(verdict.suspected).toBe(true);
    expect(verdict.evidence.auc!.value).toBe(1);
    expect(verdict.reasons[0]).toBe('single-feature AUC 1.000 ≥ 0.98');
    expect(verdict.evidence.rule.description).toBe('value ≤ 36 → "No", above → "Yes"');
  });

  test('a value present only for one class is suspected even when it is rare', () => {
    const table = binaryTable((add) => {
      for (let i = 0; i < 400; i++) add(i % 4 === 0 && i % 3 !== 0 ? 'Competitor' : null, i % 4 === 0 ? 1 : 0);
    }, 'categorical');
    const verdict = assessLeakage('cancel_reason', table, churn);
    expect(verdict.suspected).toBe(true);
    expect(verdict.evidence.missingness).toEqual({ only: 'present', class: 'Yes' });
    expect(verdict.reasons).toContain('present only for "Yes": it has a value in 0.0% of "No" rows, 66.0% of "Yes" rows');
  });

  test('a value missing only for one class is suspected', () => {
    const table = binaryTable((add) => {
      for (let i = 0; i < 400; i++) add(i % 2 === 0 && i % 10 !== 4 ? null : i % 13, i % 2 === 0 ? 1 : 0);
    }, 'numeric');
    expect(assessLeakage('days_to_renewal', table, churn).evidence.missingness).toEqual({ only: 'missing', class: 'Yes' });
  });

  test('a unique id is not suspected', () => {
    const table = binaryTable((add) => {
      for (let i = 0; i < 400; i++) add(`ID-${i}`, i % 3 === 0 ? 1 : 0);
    }, 'categorical');
    const verdict = assessLeakage('customer_id', table, churn);
    expect(verdict).toMatchObject({ judged: true, suspected: false, reasons: [] });
    expect(verdict.evidence.auc!.value).toBe(0.5);
    expect(verdict.evidence.rule.errorReduction).toBe(0);
    expect(verdict.summary).toMatch(/^"customer_id": no sign of leakage \(single-feature AUC 0\.500; best rule removes 0\.0% of the errors/);
  });

  test('too few rows of a class: not judged, and said so', () => {
    const table = binaryTable((add) => {
      for (let i = 0; i < 100; i++) add(i, i < 5 ? 1 : 0);
    }, 'numeric');
    expect(assessLeakage('x', table, churn)).toMatchObject({ judged: false, suspected: false, reasons: ['not judged: "Yes" has fewer than 20 training rows'] });
  });

  test('multiclass: a feature that separates one class is ordinary, one that encodes every class is not', () => {
    const species = ['Adelie', 'Chinstrap', 'Gentoo'];
    const oneClass = new NumericClassCounts(3);
    const everyClass = new NumericClassCounts(3);
    const random = createRandom(2);
    for (let i = 0; i < 600; i++) {
      const y = i % 3;
      oneClass.add((y === 2 ? 50 : 0) + random() * 40, y);
      everyClass.add([2008, 2007, 2009][y]! + 0, y);
    }
    const ordinary = assessLeakage('flipper', oneClass.table(), species);
    expect(ordinary.suspected).toBe(false);
    expect(ordinary.evidence.auc!.bestClass).toBe('Gentoo');
    expect(ordinary.evidence.auc!.bestClassAuc).toBe(1);
    // The middle class (2008 → Adelie here) is caught by the per-value rates, not by the order.
    const encoded = assessLeakage('year', everyClass.table(), species);
    expect(encoded.suspected).toBe(true);
    expect(encoded.evidence.auc!.value).toBe(1);
    expect(encoded.evidence.rule).toMatchObject({ accuracy: 1, description: 'each value predicts its most frequent class (leave-one-out)' });
  });

  test('categories beyond the counted ones share one group', () => {
    const counts = new CategoryClassCounts(2, 3);
    for (const value of ['a', 'b', 'c', 'd', 'e']) counts.add(value, 0);
    const table = counts.table();
    expect(table.groups.map((g) => g.label)).toEqual(['a', 'b', 'c', otherCategoriesLabel]);
    expect(table.exact).toBe(false);
    expect([...table.groups[3]!.counts]).toEqual([2, 0]);
  });
});

describe('leakage on real files', () => {
  test.each([
    ['cancel-reason.csv', true],
    ['cancel-reason-placeholder.csv', false],
  ])('%s: cancel_reason is suspected (present only for churners: %s), no other column is', async (file, presentOnly) => {
    const path = join(realWorld, file);
    const scan = await scanColumns(path, ',');
    const tables = await countClasses(path, ',', scan, 'churn', churn);
    const verdicts = [...tables].map(([name, table]) => assessLeakage(name, table, churn));
    expect(verdicts.filter((v) => v.suspected).map((v) => v.evidence.feature)).toEqual(['cancel_reason']);
    const leak = verdicts.find((v) => v.evidence.feature === 'cancel_reason')!;
    expect(leak.evidence.auc!.value).toBe(1);
    expect(leak.evidence.rule.accuracy).toBe(1);
    expect(leak.evidence.missingness !== null).toBe(presentOnly);
    expect(leak.summary).toMatch(/^"cancel_reason" is suspected target leakage: single-feature AUC 1\.000 ≥ 0\.98; the rule "each value predicts its most frequent class \(leave-one-out\)" is 100\.0% accurate where always predicting "No" is 7\d\.\d% \(it removes 100\.0% of the errors\)/);
    // The id column is the one a naive per-value rate would flag: here it is at chance.
    expect(verdicts.find((v) => v.evidence.feature === 'customer_id')!.evidence.auc!.value).toBe(0.5);
  });

  test('the full telco data: no feature is suspected, the strongest stay far below the thresholds', async () => {
    const scan = await scanColumns(telcoPath, ',');
    const tables = await countClasses(telcoPath, ',', scan, 'churn', churn);
    const verdicts = [...tables].map(([name, table]) => assessLeakage(name, table, churn));
    expect(verdicts).toHaveLength(19);
    expect(verdicts.filter((v) => v.suspected)).toEqual([]);
    const strongest = Math.max(...verdicts.map((v) => v.evidence.auc!.value));
    expect(strongest).toBeGreaterThan(0.7);
    expect(strongest).toBeLessThan(0.8);
    expect(Math.max(...verdicts.map((v) => v.evidence.rule.errorReduction))).toBeLessThan(0.1);
    expect(defaultLeakageThresholds.auc).toBeGreaterThan(strongest + 0.15);
  });
});
