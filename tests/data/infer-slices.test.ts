import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FeatureInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/logger.js';
import { createRandom } from '../../src/core/rng.js';
import { inferConfig } from '../../src/data/infer-config.js';
import { pickSlices, reportedOnlyNote, sliceNeeds, valueTooSmall, type SliceCounts } from '../../src/data/infer-slices.js';
import { telcoPath } from '../fixtures/data/telco-config.js';

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'mlops-infer-slices-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const cat = (name: string, values: string[]): FeatureInput => ({ name, type: 'categorical', vocabulary: values });
const binaryNeeds = { testFraction: 0.2, minSliceRows: 30, minClassRows: 20 };

describe('valueTooSmall: what the gate will be able to judge, from the rows expected in the test split', () => {
  test('enough rows of each class: judged', () => {
    expect(valueTooSmall([1000, 200], binaryNeeds)).toBeNull();
  });
  test('too few positives for AUC, with the expected count and the minimum', () => {
    expect(valueTooSmall([1647, 48], binaryNeeds)).toBe('~10 positives in the test split, AUC needs min_slice_class_rows 20 of each class');
  });
  test('too few negatives names the negatives', () => {
    expect(valueTooSmall([40, 900], binaryNeeds)).toBe('~8 negatives in the test split, AUC needs min_slice_class_rows 20 of each class');
  });
  test('too few rows comes first; without an AUC rule only rows count', () => {
    expect(valueTooSmall([100, 2], binaryNeeds)).toBe('~20 test rows, min_slice_rows 30');
    expect(valueTooSmall([1647, 48], { ...binaryNeeds, minClassRows: null })).toBeNull();
    // 150 rows: ~30 in the test split, exactly the minimum.
    expect(valueTooSmall([150], { ...binaryNeeds, minClassRows: null })).toBeNull();
  });
  test('the rows rule for multiclass and regression counts (one total per value)', () => {
    expect(valueTooSmall([140], { ...binaryNeeds, minClassRows: null })).toBe('~28 test rows, min_slice_rows 30');
  });
});

describe('pickSlices with the class counts per slice value', () => {
  const features = [cat('plan_type', ['a', 'b']), cat('colour', ['red', 'blue', 'green']), cat('size', ['s', 'l'])];
  const counts: SliceCounts = new Map([
    // A segment-like name, but each plan has too few positives to judge AUC.
    ['plan_type', new Map([['a', [2000, 40]], ['b', [2000, 60]]])],
    ['colour', new Map([['red', [1300, 400]], ['blue', [1300, 30]], ['green', [1400, 30]]])],
    ['size', new Map([['s', [2000, 50]], ['l', [2000, 300]]])],
  ]);

  test('a column the gate can judge is preferred to a segment-named one it cannot', () => {
    const plan = pickSlices(features, counts, binaryNeeds);
    expect(plan.slices).toEqual(['colour', 'size']);
    expect(plan.reason).toContain('(1 without one passed over)');
    expect(plan.reportedOnly).toEqual([
      'colour=blue (~6 positives in the test split, AUC needs min_slice_class_rows 20 of each class)',
      'colour=green (~6 positives in the test split, AUC needs min_slice_class_rows 20 of each class)',
      'size=s (~10 positives in the test split, AUC needs min_slice_class_rows 20 of each class)',
    ]);
  });

  test('with no AUC rule per slice, rows are enough and the names rule stands', () => {
    expect(pickSlices(features, counts, { ...binaryNeeds, minClassRows: null }).slices).toEqual(['plan_type', 'colour']);
  });

  test('without counts, the name and order rules alone', () => {
    expect(pickSlices(features).slices).toEqual(['plan_type', 'colour']);
    expect(pickSlices(features).reportedOnly).toEqual([]);
  });

  test('the needs follow the gate: AUC per slice brings the class minimum', () => {
    expect(sliceNeeds({ per_slice: { auc: { max_regression: 0.05 } }, min_slice_rows: 30, min_slice_class_rows: 20 }, 0.2)).toEqual(binaryNeeds);
    expect(sliceNeeds({ per_slice: { macro_f1: { max_regression: 0.05 } }, min_slice_rows: 40, min_slice_class_rows: 20 }, 0.25)).toEqual({ testFraction: 0.25, minSliceRows: 40, minClassRows: null });
  });

  test('the note lists a few values and counts the rest', () => {
    const values = Array.from({ length: 8 }, (_, i) => `c=v${i} (why)`);
    expect(reportedOnlyNote([])).toBe('');
    expect(reportedOnlyNote(values, 2)).toBe(' Expected too small to gate, so reported only: c=v0 (why); c=v1 (why); and 6 more.');
  });
});

describe('mlops init reads the class counts per slice', () => {
  test('telco: contract=Two year has about 10 churners in the test split, so its AUC is reported, not gated, and the config says so', async () => {
    const inferred = await inferConfig({ dataPath: telcoPath, configPath: join(workDir, 'telco', 'mlops.config.yaml'), target: 'churn', logger: silentLogger });
    expect(inferred.config.slices).toEqual(['contract', 'multiple_lines']);
    // 48 of the 1,695 two-year customers churned: 20% of them is ~10, under min_slice_class_rows 20.
    expect(inferred.notes.gate).toContain('contract=Two year (~10 positives in the test split, AUC needs min_slice_class_rows 20 of each class)');
    expect(inferred.notes.gate).not.toContain('contract=Month-to-month');
  });

  test('a segment-named column whose values all have too few positives is passed over for one the gate can judge', async () => {
    const random = createRandom(5);
    const plans = 'ABCDEFGHIJKL'.split('');
    const lines = ['plan_type,colour,usage,churned'];
    for (let i = 0; i < 3000; i++) {
      const colour = ['red', 'blue'][i % 2]!;
      const usage = Math.round(random() * 1000) / 10;
      // Churn depends on colour (red 30%, blue 10%); 12 plans of ~250 customers have ~10 churners each in the test split.
      const churned = random() < (colour === 'red' ? 0.3 : 0.1) ? 'yes' : 'no';
      lines.push(`${plans[i % plans.length]},${colour},${usage},${churned}`);
    }
    const dataPath = join(workDir, 'plans.csv');
    await writeFile(dataPath, `${lines.join('\n')}\n`);
    const inferred = await inferConfig({ dataPath, configPath: join(workDir, 'plans', 'mlops.config.yaml'), target: 'churned', logger: silentLogger });
    // plan_type has a segment-like name, but no plan has enough churners to judge AUC: colour first.
    expect(inferred.config.slices).toEqual(['colour', 'plan_type']);
    expect(inferred.notes.gate).toMatch(/plan_type=A \(~\d+ positives in the test split, AUC needs min_slice_class_rows 20 of each class\)/);
    expect(inferred.notes.gate).toContain('and 6 more.');
    expect(inferred.notes.slices).toContain('columns with a value the gate can judge (enough expected test rows) first');
  });
});
