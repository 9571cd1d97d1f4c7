import { describe, expect, test } from 'vitest';
import { createRandom } from '../../src/core/rng.js';
import { prepareMetrics } from '../../src/evaluation/metrics.js';
import type { TargetTransform } from '../../src/model/preprocessing.js';
import { maxSliceValues, otherSliceValue, QualityWindow, qualityAlert, resolveQualityRules, type QualitySettings } from '../../src/monitoring/quality-window.js';
import { readTargetLabel } from '../../src/monitoring/target-label.js';

const binary: TargetTransform = { type: 'binary', negative_label: 'No', positive_label: 'Yes', threshold: 0.5 };
const multiclass: TargetTransform = { type: 'multiclass', classes: ['a', 'b', 'c'] };
const regression: TargetTransform = { type: 'regression', mean: 0, std: 1, transform: 'none' };

const settings = (changes: Partial<QualitySettings> = {}): QualitySettings => ({
  windowSize: 100,
  minLabels: 10,
  rules: {},
  sliceColumns: [],
  offline: {},
  primaryMetric: 'auc',
  ...changes,
});

/** Binary labelled predictions whose probability leans towards the truth (seeded). */
function binaryEntries(count: number, seed: number, noise = 0.6): { truth: number; p: number; slice: string }[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const truth = random() < 0.3 ? 1 : 0;
    const p = Math.min(1, Math.max(0, truth * (1 - noise) + random() * noise));
    return { truth, p, slice: i % 3 === 0 ? 'Two year' : 'Month-to-month' };
  });
}

describe('QualityWindow', () => {
  test('the window holds the last windowSize labels and scores them with prepareMetrics', () => {
    const entries = binaryEntries(250, 1);
    const window = new QualityWindow(binary, settings(), '1.0.0');
    entries.forEach((entry, i) => window.add({ at: i * 1000, truth: entry.truth, output: [entry.p], slices: [] }));
    const last = entries.slice(-100);
    const expected = prepareMetrics('binary', last.map((e) => e.truth), last.map((e) => e.p), { threshold: 0.5 }).compute();
    const snapshot = window.snapshot();
    expect(snapshot.labelled).toBe(100);
    expect(snapshot.labels_total).toBe(250);
    expect(snapshot.since).toBe(new Date(150 * 1000).toISOString());
    expect(snapshot.metrics).toEqual(expected);
    expect(Object.keys(snapshot.metrics)).toEqual(expect.arrayContaining(['auc', 'accuracy', 'log_loss', 'brier', 'f1']));
  });

  test('per slice: the metrics of each slice value, as evaluate groups them', () => {
    const entries = binaryEntries(90, 2);
    const window = new QualityWindow(binary, settings({ sliceColumns: ['contract'] }), '1.0.0');
    entries.forEach((entry, i) => window.add({ at: i, truth: entry.truth, output: [entry.p], slices: [i === 5 ? null : entry.slice] }));
    const { slices } = window.snapshot();
    expect(Object.keys(slices.contract!).sort()).toEqual(['(missing)', 'Month-to-month', 'Two year']);
    const twoYear = entries.filter((e, i) => e.slice === 'Two year' && i !== 5);
    expect(slices.contract!['Two year']).toEqual({
      labelled: twoYear.length,
      metrics: prepareMetrics('binary', twoYear.map((e) => e.truth), twoYear.map((e) => e.p), { threshold: 0.5 }).compute(),
    });
    expect(slices.contract!['(missing)']!.labelled).toBe(1);
  });

  test('slice values beyond the tracked ones share one slice', () => {
    const window = new QualityWindow(binary, settings({ windowSize: 1000, sliceColumns: ['city'] }), '1.0.0');
    for (let i = 0; i < maxSliceValues + 50; i++) window.add({ at: i, truth: i % 2, output: [0.5], slices: [`city-${i}`] });
    const cities = window.snapshot().slices.city!;
    expect(Object.keys(cities)).toHaveLength(maxSliceValues + 1);
    expect(cities[otherSliceValue]!.labelled).toBe(50);
  });

  test('multiclass and regression windows score their own metrics', () => {
    const classes = new QualityWindow(multiclass, settings(), '2.0.0');
    classes.add({ at: 0, truth: 0, output: [0.7, 0.2, 0.1], slices: [] });
    classes.add({ at: 1, truth: 2, output: [0.1, 0.2, 0.7], slices: [] });
    classes.add({ at: 2, truth: 1, output: [0.6, 0.3, 0.1], slices: [] });
    expect(classes.snapshot().metrics.accuracy).toBeCloseTo(2 / 3, 12);
    const values = new QualityWindow(regression, settings(), '3.0.0');
    [
      [1, 1.5],
      [2, 2],
      [3, 2.5],
    ].forEach(([truth, value], i) => values.add({ at: i, truth: truth!, output: [value!], slices: [] }));
    expect(values.snapshot().metrics.mae).toBeCloseTo(1 / 3, 12);
  });

  test.each([
    { rule: { min: 0.9 }, value: 0.8, offline: 0.85, passed: false, alert: /auc 0\.8000 < 0\.9 over 20 labels/ },
    { rule: { min: 0.7 }, value: 0.8, offline: 0.85, passed: true, alert: null },
    { rule: { max_regression: 0.02 }, value: 0.8, offline: 0.85, passed: false, alert: /auc 0\.8000 is 0\.05000 below the offline 0\.8500 \(max_regression 0\.02\)/ },
    { rule: { max_regression: 0.05 }, value: 0.8, offline: 0.85, passed: true, alert: null },
  ])('rule $rule on auc $value (offline $offline): passed $passed', ({ rule, value, offline, passed, alert }) => {
    // Twenty rows whose AUC is exactly 0.8: 15 negatives, 5 positives above 60 of the 75 pairs.
    const window = new QualityWindow(binary, settings({ minLabels: 20, rules: { auc: rule }, offline: { auc: offline } }), '1.0.0');
    const negatives = Array.from({ length: 15 }, (_, i) => (i + 1) / 100);
    const positives = [15, 15, 12, 10, 8].map((above) => above / 100 + 0.005);
    negatives.forEach((p, i) => window.add({ at: i, truth: 0, output: [p], slices: [] }));
    positives.forEach((p, i) => window.add({ at: 100 + i, truth: 1, output: [p], slices: [] }));
    const snapshot = window.snapshot();
    expect(snapshot.metrics.auc).toBeCloseTo(value, 10);
    expect(snapshot.checks[0]).toMatchObject({ metric: 'auc', passed, offline });
    if (alert) expect(snapshot.alerts).toEqual([expect.stringMatching(alert)]);
    else expect(snapshot.alerts).toEqual([]);
  });

  test('rules are not judged before min_labels labels', () => {
    const window = new QualityWindow(binary, settings({ minLabels: 50, rules: { accuracy: { min: 0.99 } } }), '1.0.0');
    binaryEntries(49, 3).forEach((e, i) => window.add({ at: i, truth: e.truth, output: [e.p], slices: [] }));
    expect(window.snapshot().checks).toEqual([expect.objectContaining({ metric: 'accuracy', rule: 'min', passed: null })]);
    window.add({ at: 50, truth: 1, output: [0], slices: [] });
    expect(window.snapshot().checks[0]!.passed).toBe(false);
  });

  test('lower-is-better metrics: max bounds and regressions upwards', () => {
    const window = new QualityWindow(binary, settings({ minLabels: 1, rules: { log_loss: { max: 0.1, max_regression: 0.01 } }, offline: { log_loss: 0.2 } }), '1.0.0');
    window.add({ at: 0, truth: 1, output: [0.5], slices: [] });
    const checks = window.snapshot().checks;
    expect(checks.map((c) => [c.rule, c.passed])).toEqual([
      ['max', false],
      ['max_regression', false],
    ]);
    expect(window.snapshot().alerts[1]).toMatch(/log_loss 0\.6931 is 0\.4931 above the offline 0\.2000/);
  });

  test('a history point every tenth of a window of labels, at most 120', () => {
    const window = new QualityWindow(binary, settings({ windowSize: 50 }), '1.0.0');
    binaryEntries(2000, 4).forEach((e, i) => window.add({ at: i * 60_000, truth: e.truth, output: [e.p], slices: [] }));
    const { history } = window.snapshot();
    expect(history).toHaveLength(120);
    expect(history.at(-1)).toMatchObject({ labelled: 50, labels_total: 2000, at: new Date(1999 * 60_000).toISOString() });
    expect(history[0]!.labels_total).toBe(2000 - 119 * 5);
  });

  test('the default rule: the primary metric may drop 0.05 below offline', () => {
    expect(resolveQualityRules(undefined, 'auc')).toEqual({ auc: { max_regression: 0.05 } });
    expect(resolveQualityRules({ rmse: { max: 3 } }, 'auc')).toEqual({ rmse: { max: 3 } });
    expect(qualityAlert({ metric: 'auc', rule: 'min', limit: 0.78, value: 0.71, offline: 0.84, passed: false }, 2000)).toBe('quality: auc 0.7100 < 0.78 over 2000 labels');
  });
});

describe('readTargetLabel', () => {
  test.each([
    { target: binary, label: 'Yes', expected: { ok: true, value: 'Yes', truth: 1 } },
    { target: binary, label: 'No', expected: { ok: true, value: 'No', truth: 0 } },
    { target: { ...binary, positive_label: '1', negative_label: '0' } as TargetTransform, label: 1, expected: { ok: true, value: '1', truth: 1 } },
    { target: { ...binary, positive_label: 'true', negative_label: 'false' } as TargetTransform, label: false, expected: { ok: true, value: 'false', truth: 0 } },
    { target: multiclass, label: 'c', expected: { ok: true, value: 'c', truth: 2 } },
    { target: regression, label: 12.5, expected: { ok: true, value: 12.5, truth: 12.5 } },
  ])('$label for a $target.type target', ({ target, label, expected }) => {
    expect(readTargetLabel(target, label)).toEqual(expected);
  });

  test.each([
    { target: binary, label: 'yes', error: 'label must be one of the target\'s classes "No", "Yes", got "yes"' },
    { target: binary, label: null, error: 'label must be one of the target\'s classes "No", "Yes", got null' },
    { target: binary, label: { x: 1 }, error: 'got an object' },
    { target: multiclass, label: 'd', error: 'got "d"' },
    { target: regression, label: '12', error: 'label must be a finite number for this regression target, got "12"' },
    { target: regression, label: Number.NaN, error: 'got NaN' },
  ])('$label is refused for a $target.type target', ({ target, label, error }) => {
    const read = readTargetLabel(target, label);
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.error).toContain(error);
  });
});
