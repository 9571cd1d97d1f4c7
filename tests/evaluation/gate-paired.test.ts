import { describe, expect, test } from 'vitest';
import { gateSchema, type GateConfig } from '../../src/config/schema.js';
import { createRandom } from '../../src/core/rng.js';
import { evaluateCandidate, type BaselinePredictions } from '../../src/evaluation/evaluate-candidate.js';
import { evaluateGate, noChampionBaselineNote } from '../../src/evaluation/gate.js';
import { evaluationReportSchema, gateVerdictSchema, type GateCheck, type GateVerdict } from '../../src/evaluation/report-schema.js';

/**
 * The paired rule (`gate.comparison: paired`, the default) on real predictions of the same rows:
 * a check fails only when the drop is beyond the threshold and significant after Holm; slices are
 * judged only with the rows their metric needs; the in-run baseline is a check of its own.
 */

/** A test split with a slice column: scores from a noisy logistic of the label. */
function split(rows: number, seed: number, slice: (i: number) => string, positiveRate: (group: string) => number = () => 0.27) {
  const random = createRandom(seed);
  const groups = Array.from({ length: rows }, (_, i) => slice(i));
  const yTrue = Float64Array.from(groups, (group) => (random() < positiveRate(group) ? 1 : 0));
  const signal = Float64Array.from(yTrue, (y) => (y === 1 ? 1 : -1) * 1.1 + (random() - 0.5) * 4);
  /** A model of the same rows: the shared signal plus its own noise of `spread`. */
  const model = (spread: number, modelSeed: number, shift: (i: number) => number = () => 0) => {
    const own = createRandom(modelSeed);
    return Float64Array.from(signal, (s, i) => 1 / (1 + Math.exp(-(s + shift(i) + (own() - 0.5) * spread))));
  };
  return { yTrue, groups, model };
}

const gateFor = (input: Record<string, unknown>): GateConfig => gateSchema.parse({ bootstrap: { resamples: 400, confidence: 0.95, seed: 3 }, ...input });

function verdictFor(gate: GateConfig, data: { yTrue: Float64Array; groups: string[] }, candidate: Float64Array, champion: Float64Array | null, baselines: BaselinePredictions[] = []): GateVerdict {
  const evaluation = evaluateCandidate({ task: 'binary', yTrue: data.yTrue, slices: { segment: data.groups }, gate, candidate, champion, baselines });
  const verdict = evaluateGate({
    gate,
    task: 'binary',
    candidate: evaluation.candidate,
    candidateId: 'run-paired',
    champion: evaluation.champion ? { version: '1.0.0', report: evaluation.champion } : null,
    comparisons: evaluation.comparisons,
    now: new Date('2024-05-01T12:00:00Z'),
  });
  expect(gateVerdictSchema.parse(verdict)).toEqual(verdict);
  return verdict;
}

const find = (verdict: GateVerdict, scope: string, metric: string, rule: GateCheck['rule']): GateCheck => {
  const check = verdict.checks.find((c) => c.scope === scope && c.metric === metric && c.rule === rule);
  if (!check) throw new Error(`no ${rule} check of ${metric} on ${scope}`);
  return check;
};

describe('the issue\'s case: a slice with about 10 positives', () => {
  // 1,400 rows; segment "Two year" holds 330 of them with a 3% positive rate (about 10 churners).
  const data = split(1400, 21, (i) => (i < 330 ? 'Two year' : 'Month-to-month'), (g) => (g === 'Two year' ? 0.03 : 0.35));
  const positives = data.yTrue.filter((y, i) => y === 1 && data.groups[i] === 'Two year').length;
  const champion = data.model(1, 1);
  const candidate = data.model(1, 2); // equally good: a retrain with other noise

  test('by default AUC on that slice is reported, not gated, and says why', () => {
    const verdict = verdictFor(gateFor({ per_slice: { auc: { max_regression: 0.05 } } }), data, candidate, champion);
    const check = find(verdict, 'segment=Two year', 'auc', 'max_regression');
    expect(check.outcome).toBe('skipped');
    expect(check.note).toBe(`${positives} positives: too few to judge AUC (min_slice_class_rows 20); reported, not gated`);
    expect(find(verdict, 'segment=Month-to-month', 'auc', 'max_regression').outcome).toBe('pass');
  });

  test('judged anyway (min_slice_class_rows 2), a drop beyond the threshold on that slice is within noise: pass, with p', () => {
    const gate = gateFor({ per_slice: { auc: { max_regression: 0.01 } }, min_slice_class_rows: 2 });
    const verdict = verdictFor(gate, data, candidate, champion);
    const check = find(verdict, 'segment=Two year', 'auc', 'max_regression');
    const worsening = -(check.candidate! - check.champion!);
    expect(worsening).toBeGreaterThan(0.01);
    expect(check.outcome).toBe('pass');
    expect(check.evidence).toMatchObject({ against: 'champion', test: 'delong', basis: 'drop_not_significant', family: 'slices', confidence: 0.9 });
    expect(check.evidence!.p_adjusted!).toBeGreaterThan(0.05);
    expect(check.note).toMatch(/^auc on segment=Two year fell 0\.\d+ \(max_regression 0\.01000\) but the drop is within noise: p = 0\.\d+ \(Holm over 2 slice checks\) > alpha 0\.05$/);
    expect(verdict.passed).toBe(true);
    expect(verdict.summary).toMatch(/^Passed: \d+ checks, 0 failed \(1 drop beyond a threshold within noise\)/);
    // The point rule rejects the same candidate on the same numbers.
    const point = verdictFor({ ...gate, comparison: 'point' }, data, candidate, champion);
    expect(find(point, 'segment=Two year', 'auc', 'max_regression').outcome).toBe('fail');
    expect(point.passed).toBe(false);
  });
});

describe('a candidate that is truly worse', () => {
  const data = split(1500, 5, (i) => ['a', 'b', 'c'][i % 3]!);
  const champion = data.model(0.5, 1);
  const degraded = data.model(9, 2); // far more noise: AUC about 0.1 lower

  test('fails overall with a small p, the delta interval wholly beyond the threshold', () => {
    const verdict = verdictFor(gateFor({ overall: { auc: { max_regression: 0.02 }, log_loss: { max_regression: 0.02 } } }), data, degraded, champion);
    const auc = find(verdict, 'overall', 'auc', 'max_regression');
    expect(auc.outcome).toBe('fail');
    expect(auc.evidence!.p_value!).toBeLessThan(1e-6);
    expect(auc.evidence!.p_adjusted!).toBeGreaterThanOrEqual(auc.evidence!.p_value!);
    expect(auc.evidence!.interval!.high).toBeLessThan(-0.02);
    expect(auc.note).toMatch(/^auc fell 0\.\d+ \(max_regression 0\.02000\): 0\.\d+ vs champion 0\.\d+; p < 0\.0001 \(Holm over 2 overall checks\) ≤ alpha 0\.05$/);
    const logLoss = find(verdict, 'overall', 'log_loss', 'max_regression');
    expect(logLoss.evidence).toMatchObject({ test: 'paired_bootstrap', basis: 'drop_significant' });
    expect(logLoss.note).toMatch(/^log_loss rose /);
    expect(verdict.method).toMatchObject({ comparison: 'paired', alpha: 0.05, family_sizes: { overall: 2, slices: 0 } });
    expect(verdict.method!.rule).toMatch(/fails only when the candidate is worse by more than max_regression AND a one-sided test/);
  });

  test('Holm: each slice check is adjusted within the slice family, never with the overall checks', () => {
    const verdict = verdictFor(gateFor({ overall: { auc: { max_regression: 0.02 } }, per_slice: { auc: { max_regression: 0.05 } } }), data, degraded, champion);
    const slices = verdict.checks.filter((c) => c.slice_column === 'segment' && c.rule === 'max_regression');
    expect(slices).toHaveLength(3);
    for (const check of slices) expect(check.evidence!.family).toBe('slices');
    expect(verdict.method!.family_sizes).toEqual({ overall: 1, slices: 3 });
    // The smallest of three p-values is multiplied by 3 (Holm's first step).
    const smallest = slices.reduce((a, b) => (a.evidence!.p_value! <= b.evidence!.p_value! ? a : b));
    expect(smallest.evidence!.p_adjusted).toBeCloseTo(Math.min(1, 3 * smallest.evidence!.p_value!), 12);
    expect(find(verdict, 'overall', 'auc', 'max_regression').evidence!.p_adjusted).toBe(find(verdict, 'overall', 'auc', 'max_regression').evidence!.p_value);
  });

  test('an equally good retrain passes the same rules, every check with a delta interval around 0', () => {
    const verdict = verdictFor(gateFor({ overall: { auc: { max_regression: 0.02 } }, per_slice: { auc: { max_regression: 0.05 } } }), data, data.model(0.5, 7), champion);
    expect(verdict.passed).toBe(true);
    const auc = find(verdict, 'overall', 'auc', 'max_regression');
    expect(auc.evidence!.interval!.low).toBeLessThan(0);
    expect(auc.evidence!.interval!.high).toBeGreaterThan(0);
  });
});

describe('the in-run baseline', () => {
  const data = split(1200, 8, (i) => (i % 2 === 0 ? 'x' : 'y'));
  const linear = data.model(0.5, 11);
  const constant = Float64Array.from(data.yTrue, () => 0.27);
  const baselines: BaselinePredictions[] = [
    { kind: 'linear', model: 'logistic_regression', name: 'logistic regression', predictions: linear },
    { kind: 'constant', model: 'prior', name: 'class prior', predictions: constant },
  ];

  test('a first model far below the baseline is rejected, and the message says what that means', () => {
    const gate = gateFor({ overall: { auc: { min: 0.5, max_regression: 0.02 } } });
    const verdict = verdictFor(gate, data, data.model(12, 3), null, baselines);
    expect(verdict.passed).toBe(false);
    expect(verdict.champion_note).toBe(noChampionBaselineNote);
    const check = find(verdict, 'overall', 'auc', 'baseline');
    const linearAuc = evaluateCandidate({ task: 'binary', yTrue: data.yTrue, gate, candidate: linear, champion: null, baselines: [] }).candidate.overall.metrics.auc!;
    expect(check).toMatchObject({ outcome: 'fail', champion: null, baseline: linearAuc, threshold: linearAuc - 0.02 });
    expect(check.evidence).toMatchObject({ against: 'baseline', test: 'delong', basis: 'drop_significant', family: 'overall' });
    expect(check.note).toMatch(/^auc 0\.\d+ is 0\.\d+ below the logistic regression baseline's 0\.\d+ \(max_regression 0\.02000\); p < 0\.0001 ≤ alpha 0\.05: the candidate learned less than a simple model trained on the same rows and inputs$/);
    expect(verdict.summary).toContain('below the logistic regression baseline');
    expect(verdict.baseline).toEqual({ name: 'logistic regression', metric: 'auc', max_regression: 0.02, gated: true });
  });

  test('a candidate as good as the baseline passes; both baselines are reported on every scope with intervals', () => {
    const evaluation = evaluateCandidate({ task: 'binary', yTrue: data.yTrue, slices: { segment: data.groups }, gate: gateFor({}), candidate: data.model(0.5, 12), champion: null, baselines });
    const names = evaluation.candidate.baselines!.map((b) => [b.kind, b.name]);
    expect(names).toEqual([
      ['linear', 'logistic regression'],
      ['constant', 'class prior'],
    ]);
    const constantReport = evaluation.candidate.baselines![1]!;
    expect(constantReport.overall.metrics.auc).toBe(0.5); // every score tied
    expect(Object.keys(constantReport.slices.segment!)).toEqual(['x', 'y']);
    expect(evaluation.candidate.baselines![0]!.overall.intervals.auc).toBeDefined();
    expect(evaluationReportSchema.parse(evaluation.candidate)).toEqual(evaluation.candidate);
    const verdict = verdictFor(gateFor({}), data, data.model(0.5, 12), null, baselines);
    expect(find(verdict, 'overall', 'auc', 'baseline').outcome).toBe('pass');
    // The baseline's value stands beside the candidate's in every check.
    expect(find(verdict, 'segment=x', 'accuracy', 'report_only').baseline).toBe(evaluation.candidate.baselines![0]!.slices.segment!.x!.metrics.accuracy);
  });

  test('gate.baseline.enabled false: reported beside the candidate, never a check', () => {
    const verdict = verdictFor(gateFor({ baseline: { enabled: false } }), data, data.model(12, 3), null, baselines);
    expect(verdict.checks.some((c) => c.rule === 'baseline')).toBe(false);
    expect(verdict.passed).toBe(true);
    expect(verdict.baseline!.gated).toBe(false);
    expect(verdict.method!.rule).toMatch(/reported, not gated \(gate.baseline.enabled is false\)/);
  });

  test('metric and threshold of the baseline check: gate.baseline, then the overall max_regression, then 0', () => {
    const explicit = verdictFor(gateFor({ baseline: { metric: 'brier', max_regression: 0.5 } }), data, data.model(12, 3), null, baselines);
    expect(find(explicit, 'overall', 'brier', 'baseline')).toMatchObject({ outcome: 'pass', evidence: { test: 'paired_bootstrap', basis: 'within_threshold' } });
    const none = verdictFor(gateFor({}), data, data.model(12, 3), null, baselines);
    expect(none.baseline!.max_regression).toBe(0);
    expect(find(none, 'overall', 'auc', 'baseline').outcome).toBe('fail');
  });
});

describe('checks without evidence are skipped with the reason, never passed', () => {
  test('no bootstrap resamples: a bootstrap metric beyond its threshold is not judged', () => {
    const data = split(600, 4, () => 'all');
    const gate = gateSchema.parse({ overall: { log_loss: { max_regression: 0 } }, bootstrap: { resamples: 0 } });
    const verdict = verdictFor(gate, data, data.model(9, 1), data.model(0.5, 2));
    const check = find(verdict, 'overall', 'log_loss', 'max_regression');
    expect(check.outcome).toBe('skipped');
    expect(check.note).toBe('not judged: no bootstrap resamples (gate.bootstrap.resamples is 0), so the difference cannot be tested (gate.comparison: paired)');
    expect(check.evidence).toMatchObject({ basis: 'no_evidence', p_value: null });
  });

  test('a metric undefined on many resamples: the share is named', () => {
    // precision needs a predicted positive: the candidate predicts one in 40 rows, so about a third
    // of resamples draw none and precision is undefined there.
    const yTrue = Float64Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const candidate = Float64Array.from(yTrue, (_, i) => (i === 0 ? 0.9 : 0.1));
    const champion = Float64Array.from(yTrue, (y) => (y === 1 ? 0.8 : 0.3));
    const gate = gateFor({ overall: { precision: { max_regression: 0 } } });
    const verdict = verdictFor(gate, { yTrue, groups: Array.from(yTrue, () => 'all') }, Float64Array.from(candidate), champion);
    const check = find(verdict, 'overall', 'precision', 'max_regression');
    if (check.outcome !== 'pass') {
      expect(check.outcome).toBe('skipped');
      expect(check.note).toMatch(/^not judged: precision was undefined on \d+\.\d% of resamples \(more than 5\.0%\): too few rows of a class to judge/);
    }
  });

  test('hand-made reports without comparisons: regression checks beyond the threshold are skipped, within it pass', () => {
    const report = (auc: number) => evaluationReportSchema.parse({ task: 'binary', confidence: 0.95, resamples: 0, overall: { rows: 100, metrics: { auc }, intervals: {} }, slices: {} });
    const gate = gateSchema.parse({ overall: { auc: { max_regression: 0.02 } } });
    const judge = (candidate: number) => evaluateGate({ gate, task: 'binary', candidate: report(candidate), candidateId: 'r', champion: { version: '1.0.0', report: report(0.85) } });
    expect(find(judge(0.7), 'overall', 'auc', 'max_regression')).toMatchObject({ outcome: 'skipped', note: 'not judged: no paired comparison of the two models on these rows (gate.comparison: paired)' });
    expect(find(judge(0.84), 'overall', 'auc', 'max_regression').outcome).toBe('pass');
  });
});

describe('edge cases', () => {
  test('ties: a candidate identical to the champion, and a constant model, are judged without error', () => {
    const data = split(500, 6, (i) => (i < 250 ? 'p' : 'q'));
    const same = data.model(1, 1);
    const verdict = verdictFor(gateFor({ overall: { auc: { max_regression: 0 } }, per_slice: { auc: { max_regression: 0 } } }), data, same, Float64Array.from(same));
    const auc = find(verdict, 'overall', 'auc', 'max_regression');
    expect(auc).toMatchObject({ outcome: 'pass', delta: 0, evidence: { interval: { low: 0, high: 0 }, basis: 'within_threshold' } });
    const flat = Float64Array.from(data.yTrue, () => 0.5);
    const tied = verdictFor(gateFor({ overall: { auc: { max_regression: 0.02 } } }), data, flat, same);
    expect(find(tied, 'overall', 'auc', 'max_regression')).toMatchObject({ outcome: 'fail', candidate: 0.5 });
  });

  test('a slice only in the champion\'s report is a skipped check that says so', () => {
    const report = (slices: Record<string, number>) =>
      evaluationReportSchema.parse({
        task: 'binary',
        confidence: 0.95,
        resamples: 0,
        overall: { rows: 300, metrics: { auc: 0.8 }, intervals: {} },
        slices: { region: Object.fromEntries(Object.entries(slices).map(([value, rows]) => [value, { rows, metrics: { auc: 0.8 }, intervals: {} }])) },
      });
    const gate = gateSchema.parse({ per_slice: { auc: { max_regression: 0.05 } } });
    const verdict = evaluateGate({ gate, task: 'binary', candidate: report({ north: 200 }), candidateId: 'r', champion: { version: '1.0.0', report: report({ north: 200, south: 100 }) } });
    expect(find(verdict, 'region=south', 'auc', 'max_regression')).toMatchObject({
      outcome: 'skipped',
      rows: 0,
      candidate: null,
      champion: 0.8,
      note: "only the champion's report has slice region=south (100 rows): the candidate has no rows there to judge",
    });
  });

  test('thousands of slices: one family, bounded work, the small ones reported not gated', () => {
    const rows = 12_000;
    const data = split(rows, 9, (i) => `v${i % 3000}`);
    const gate = gateFor({ per_slice: { auc: { max_regression: 0.05 }, accuracy: { max_regression: 0.05 } }, min_slice_rows: 4, min_slice_class_rows: 2, bootstrap: { resamples: 50, confidence: 0.95, seed: 1 } });
    const verdict = verdictFor(gate, data, data.model(1, 1), data.model(1, 2));
    const sliceChecks = verdict.checks.filter((c) => c.slice_column === 'segment' && c.rule === 'max_regression');
    expect(sliceChecks).toHaveLength(6000);
    expect(verdict.method!.family_sizes.slices).toBeGreaterThan(0);
    expect(verdict.method!.family_sizes.slices).toBeLessThan(6000);
    expect(sliceChecks.filter((c) => c.outcome === 'skipped').every((c) => c.note !== undefined)).toBe(true);
    // An equally good retrain: thousands of tiny slices do not produce a false alarm.
    expect(verdict.checks.filter((c) => c.outcome === 'fail').map((c) => [c.scope, c.metric, c.note, JSON.stringify(c.evidence)])).toEqual([]);
  });
});
