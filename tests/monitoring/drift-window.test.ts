import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { monitoringSchema } from '../../src/config/serving-schema.js';
import { silentLogger } from '../../src/core/logger.js';
import { createRandom, randomInt } from '../../src/core/rng.js';
import { loadDataset, type DatasetRow } from '../../src/data/load-dataset.js';
import type { DataProfile } from '../../src/data/profile-schema.js';
import { fitPreprocessing, type FeatureRecord, type Prediction, type PreprocessingSpec } from '../../src/model/preprocessing.js';
import { lInfinityDistance } from '../../src/monitoring/drift.js';
import { DriftWindow, driftBaseline, otherValuesKey, type DriftBaseline, type DriftSettings } from '../../src/monitoring/drift-window.js';
import { repoRoot } from '../helpers/project.js';

const defaults = monitoringSchema.parse({});
const settings = (changes: Partial<DriftSettings> = {}): DriftSettings => ({
  windowSize: 5000,
  minSamples: defaults.min_samples,
  thresholds: defaults.thresholds,
  ...changes,
});
const noPrediction = (rows: readonly unknown[]): Prediction[] => rows.map(() => ({ label: 'No', probability: 0.2 }));

let rows: DatasetRow[];
let profile: DataProfile;
let spec: PreprocessingSpec;
let baseline: DriftBaseline;

/** `count` rows drawn with replacement (seeded) from `pool`, their features changed by `change`. */
function traffic(pool: readonly DatasetRow[], count: number, seed: number, change: (row: Record<string, number | string | null>) => void = () => {}): FeatureRecord[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const features = { ...pool[randomInt(random, pool.length)]!.features };
    change(features);
    return features;
  });
}

function driftedFeatures(window: DriftWindow): string[] {
  return window.snapshot().features.filter((feature) => feature.drifted).map((feature) => feature.name);
}

beforeAll(async () => {
  // The real telco data through the real loader: its profile is the training baseline.
  const loaded = await loadConfig(join(repoRoot, 'mlops.config.yaml'));
  const dataset = await loadDataset({ config: loaded, logger: silentLogger });
  rows = dataset.rows;
  profile = dataset.report.profile!;
  spec = fitPreprocessing(loaded.config.features, loaded.config.task, rows.map((r) => r.features), rows.map((r) => r.target));
  baseline = driftBaseline(spec, profile);
});

describe('drift of real telco traffic against the telco training profile', () => {
  test('the contract counts behind the L-infinity reference are the real file halves', () => {
    const count = (part: readonly DatasetRow[]) => {
      const counts = new Map<string, number>();
      for (const row of part) counts.set(String(row.features.contract), (counts.get(String(row.features.contract)) ?? 0) + 1);
      return counts;
    };
    const first = count(rows.slice(0, 3521));
    const second = count(rows.slice(3521));
    expect(Object.fromEntries(first)).toEqual({ 'Two year': 850, 'Month-to-month': 1933, 'One year': 738 });
    expect(Object.fromEntries(second)).toEqual({ 'Two year': 845, 'Month-to-month': 1942, 'One year': 735 });
    expect(lInfinityDistance(first, second)).toBeCloseTo(0.0023994912652743894, 15);
  });

  test('traffic drawn from the training rows shows no drift', () => {
    const window = new DriftWindow(baseline, settings(), '1.0.0');
    const live = traffic(rows, 3000, 1);
    window.addRequest(live, noPrediction(live));
    const snapshot = window.snapshot();
    expect(snapshot.alerts).toEqual([]);
    expect(driftedFeatures(window)).toEqual([]);
    for (const feature of snapshot.features) {
      expect(feature.count).toBe(3000);
      if (feature.type === 'numeric') {
        expect(feature.psi).toBeLessThan(0.02);
        expect(feature.js).toBeLessThan(0.01);
      } else {
        expect(feature.linf).toBeLessThan(0.03);
        expect(feature.out_of_vocabulary_rate).toBe(0);
      }
    }
  });

  test('monthly_charges + 40 is flagged on monthly_charges alone', () => {
    const window = new DriftWindow(baseline, settings(), '1.0.0');
    const live = traffic(rows, 3000, 2, (row) => {
      row.monthly_charges = (row.monthly_charges as number) + 40;
    });
    window.addRequest(live, noPrediction(live));
    expect(driftedFeatures(window)).toEqual(['monthly_charges']);
    const drift = window.snapshot().features.find((feature) => feature.name === 'monthly_charges')!;
    expect(drift.psi).toBeGreaterThan(1);
    expect(drift.js).toBeGreaterThan(0.1);
    expect(window.snapshot().alerts).toEqual([expect.stringMatching(/^monthly_charges: PSI \d+\.\d{3} > 0\.1, Jensen–Shannon \d\.\d{3} > 0\.1$/)]);
  });

  test('only Month-to-month contracts is flagged on contract (L-infinity = 1 − its training share)', () => {
    const window = new DriftWindow(baseline, settings(), '1.0.0');
    const monthToMonth = rows.filter((row) => row.features.contract === 'Month-to-month');
    const live = traffic(monthToMonth, 3000, 3);
    window.addRequest(live, noPrediction(live));
    const contract = window.snapshot().features.find((feature) => feature.name === 'contract')!;
    const trainingShare = monthToMonth.length / rows.length;
    expect(contract.linf).toBeCloseTo(1 - trainingShare, 12);
    expect(contract.drifted).toBe(true);
    expect(driftedFeatures(window)).toContain('contract');
    // Month-to-month customers are recent ones: tenure really shifts with them.
    expect(driftedFeatures(window)).toContain('tenure');
    expect(driftedFeatures(window)).not.toContain('monthly_charges');
  });

  test('the window keeps only the last instances: drift fades once normal traffic replaces shifted traffic', () => {
    const window = new DriftWindow(baseline, settings({ windowSize: 1000 }), '1.0.0');
    const shifted = traffic(rows, 1000, 4, (row) => {
      row.monthly_charges = (row.monthly_charges as number) + 40;
    });
    window.addRequest(shifted, noPrediction(shifted));
    expect(driftedFeatures(window)).toEqual(['monthly_charges']);
    const normal = traffic(rows, 1000, 5);
    window.addRequest(normal.slice(0, 500), noPrediction(normal.slice(0, 500)));
    window.addRequest(normal.slice(500), noPrediction(normal.slice(500)));
    expect(window.instances).toBe(1000);
    expect(driftedFeatures(window)).toEqual([]);
    // Only the two normal requests are left in the window.
    expect(window.snapshot().window.requests).toBe(2);
  });

  test('scores are reported below min_samples but not judged', () => {
    const window = new DriftWindow(baseline, settings(), '1.0.0');
    const live = traffic(rows, 50, 6, (row) => {
      row.monthly_charges = (row.monthly_charges as number) + 40;
    });
    window.addRequest(live, noPrediction(live));
    const drift = window.snapshot().features.find((feature) => feature.name === 'monthly_charges')!;
    expect(drift.psi).toBeGreaterThan(1);
    expect(drift.drifted).toBe(false);
    expect(window.snapshot().alerts).toEqual([]);
  });
});

describe('DriftWindow counts', () => {
  test('missing and out-of-vocabulary rates are exact over the window, and unknown values count in L-infinity', () => {
    const window = new DriftWindow(baseline, settings({ windowSize: 4, minSamples: 1 }), '1.0.0');
    const base = { ...rows[0]!.features };
    const instances: FeatureRecord[] = [
      { ...base, total_charges: null, contract: 'Month-to-month' },
      { ...base, contract: 'Three year' },
      { ...base, contract: 'Three year' },
      { ...base, contract: null },
    ];
    window.addRequest(instances, noPrediction(instances));
    const snapshot = window.snapshot();
    const contract = snapshot.features.find((feature) => feature.name === 'contract')!;
    expect(contract.missing_rate).toBe(0.25);
    expect(contract.out_of_vocabulary_rate).toBeCloseTo(2 / 3, 12);
    // Live: Month-to-month 1/3, "Three year" 2/3 (absent from training).
    expect(contract.linf).toBeCloseTo(2 / 3, 12);
    const totalCharges = snapshot.features.find((feature) => feature.name === 'total_charges')!;
    expect(totalCharges.missing_rate).toBe(0.25);
    expect(window.outOfVocabularyTotals[window.featureNames.indexOf('contract')]).toBe(2);

    // Four more instances push the first four out.
    const next = Array.from({ length: 4 }, () => ({ ...base, contract: 'One year' }));
    window.addRequest(next, noPrediction(next));
    const after = window.snapshot().features.find((feature) => feature.name === 'contract')!;
    expect(after).toMatchObject({ count: 4, missing_rate: 0, out_of_vocabulary_rate: 0 });
    // The lifetime total is a counter: it never goes down.
    expect(window.outOfVocabularyTotals[window.featureNames.indexOf('contract')]).toBe(2);
  });

  test('a ring of 7 fed requests of random sizes always equals a fresh window of its last 7 instances', () => {
    const random = createRandom(11);
    const window = new DriftWindow(baseline, settings({ windowSize: 7, minSamples: 1 }), '1.0.0');
    const seen: { row: FeatureRecord; prediction: Prediction }[] = [];
    for (let request = 0; request < 40; request++) {
      const size = 1 + randomInt(random, 9);
      const live = traffic(rows, size, 100 + request, (row) => {
        if (randomInt(random, 4) === 0) row.contract = randomInt(random, 2) === 0 ? null : `new-${randomInt(random, 3)}`;
        if (randomInt(random, 5) === 0) row.total_charges = null;
      });
      const predictions: Prediction[] = live.map(() => ({ label: randomInt(random, 2) === 0 ? 'Yes' : 'No', probability: 0.5 }));
      window.addRequest(live, predictions);
      live.forEach((row, i) => seen.push({ row, prediction: predictions[i]! }));
      const last = seen.slice(-7);
      const fresh = new DriftWindow(baseline, settings({ windowSize: 7, minSamples: 1 }), '1.0.0');
      fresh.addRequest(last.map((entry) => entry.row), last.map((entry) => entry.prediction));
      expect(window.snapshot().features).toEqual(fresh.snapshot().features);
      expect(window.snapshot().predictions).toEqual(fresh.snapshot().predictions);
    }
  });

  test('prediction distribution: shares of each label over the window', () => {
    const window = new DriftWindow(baseline, settings({ windowSize: 3 }), '1.0.0');
    const instances = traffic(rows, 4, 7);
    const predictions: Prediction[] = [
      { label: 'Yes', probability: 0.9 },
      { label: 'No', probability: 0.1 },
      { label: 'Yes', probability: 0.7 },
      { label: 'No', probability: 0.4 },
    ];
    window.addRequest(instances, predictions);
    // The first prediction left the window: Yes 1/3, No 2/3.
    expect(window.snapshot().predictions).toEqual({ count: 3, distribution: { No: 2 / 3, Yes: 1 / 3 } });
  });

  test('the profile\'s other count is a category of its own', () => {
    const withOther: DataProfile = {
      ...profile,
      features: { ...profile.features, contract: { type: 'categorical', count: 10, missing: 0, distinct: 3, frequencies: { 'Month-to-month': 6 }, other: 4, out_of_vocabulary: 0 } },
    };
    const contract = driftBaseline(spec, withOther).features.find((feature) => feature.name === 'contract')!;
    expect(contract.type === 'categorical' && [...contract.reference]).toEqual([['Month-to-month', 6], [otherValuesKey, 4]]);
  });

  test('a profile that does not describe a feature of the model is refused', () => {
    const { tenure: _tenure, ...others } = profile.features;
    expect(() => driftBaseline(spec, { ...profile, features: others })).toThrow("profile.json has no profile of feature 'tenure'");
    expect(() => driftBaseline(spec, { ...profile, features: { ...profile.features, tenure: profile.features.contract! } })).toThrow(/describes 'tenure' as categorical/);
  });
});
