import { describe, expect, test } from 'vitest';
import { gateSchema, type GateConfig } from '../../src/config/schema.js';
import { evaluatePredictions } from '../../src/evaluation/evaluate.js';
import { evaluateGate, noChampionNote, type GateChampion } from '../../src/evaluation/gate.js';
import { evaluationReportSchema, gateVerdictSchema, type EvaluationReport, type GateCheck } from '../../src/evaluation/report-schema.js';
import { syntheticBinary } from './synthetic.js';

/** A report with the given overall metrics and slices (`column=value` → rows and metrics), validated by the schema. */
function report(
  overall: Record<string, number>,
  slices: Record<string, { rows: number; metrics: Record<string, number> }> = {},
  task: EvaluationReport['task'] = 'binary',
): EvaluationReport {
  const built: EvaluationReport = {
    task,
    confidence: 0.95,
    resamples: 0,
    overall: { rows: 1000, metrics: overall, intervals: {}, target_summary: {} },
    slices: {},
  };
  for (const [scope, group] of Object.entries(slices)) {
    const [column, value] = scope.split('=') as [string, string];
    built.slices[column] ??= {};
    built.slices[column][value] = { rows: group.rows, metrics: group.metrics, intervals: {}, target_summary: {} };
  }
  return evaluationReportSchema.parse(built);
}

/**
 * These tables judge hand-made reports, which carry no paired evidence: they check the point rule
 * (`gate.comparison: point`) unless a case says otherwise. gate-paired.test.ts checks the paired
 * rule on real predictions.
 */
function gateConfig(input: unknown): GateConfig {
  return gateSchema.parse({ comparison: 'point', ...(input as object) });
}

const now = new Date('2024-05-01T12:00:00Z');

function judge(
  gate: unknown,
  candidate: EvaluationReport,
  champion: EvaluationReport | null,
  extra: { championNote?: string; task?: EvaluationReport['task'] } = {},
) {
  const verdict = evaluateGate({
    gate: gateConfig(gate),
    task: extra.task ?? candidate.task,
    candidate,
    candidateId: 'run-42',
    champion: champion ? ({ version: 'v3', report: champion } satisfies GateChampion) : null,
    championNote: extra.championNote,
    now,
  });
  expect(gateVerdictSchema.parse(verdict)).toEqual(verdict);
  return verdict;
}

function findCheck(checks: GateCheck[], scope: string, metric: string, rule: GateCheck['rule']): GateCheck {
  const found = checks.find((c) => c.scope === scope && c.metric === metric && c.rule === rule);
  if (!found) throw new Error(`no ${rule} check of ${metric} on ${scope} in ${JSON.stringify(checks)}`);
  return found;
}

describe('evaluateGate rules', () => {
  test.each([
    // name, gate config, candidate overall, champion overall (null: none), metric, rule, outcome, threshold
    ['floor pass', { overall: { auc: { min: 0.8 } } }, { auc: 0.85 }, null, 'auc', 'min', 'pass', 0.8],
    ['floor fail', { overall: { auc: { min: 0.8 } } }, { auc: 0.75 }, null, 'auc', 'min', 'fail', 0.8],
    ['floor exactly met', { overall: { auc: { min: 0.8 } } }, { auc: 0.8 }, null, 'auc', 'min', 'pass', 0.8],
    ['max of a lower-is-better metric, pass', { overall: { log_loss: { max: 0.5 } } }, { log_loss: 0.45 }, null, 'log_loss', 'max', 'pass', 0.5],
    ['max of a lower-is-better metric, fail', { overall: { log_loss: { max: 0.5 } } }, { log_loss: 0.55 }, null, 'log_loss', 'max', 'fail', 0.5],
    ['min of a lower-is-better metric is still a lower bound', { overall: { brier: { min: 0.01 } } }, { brier: 0.005 }, null, 'brier', 'min', 'fail', 0.01],
    ['max of a higher-is-better metric is an upper bound', { overall: { accuracy: { max: 0.99 } } }, { accuracy: 0.995 }, null, 'accuracy', 'max', 'fail', 0.99],
    ['regression of a higher-is-better metric within the allowance', { overall: { auc: { max_regression: 0.02 } } }, { auc: 0.84 }, { auc: 0.85 }, 'auc', 'max_regression', 'pass', 0.83],
    ['regression of a higher-is-better metric exactly at the allowance', { overall: { auc: { max_regression: 0.02 } } }, { auc: 0.83 }, { auc: 0.85 }, 'auc', 'max_regression', 'pass', 0.83],
    ['regression of a higher-is-better metric beyond the allowance', { overall: { auc: { max_regression: 0.02 } } }, { auc: 0.82 }, { auc: 0.85 }, 'auc', 'max_regression', 'fail', 0.83],
    ['improvement of a higher-is-better metric', { overall: { auc: { max_regression: 0 } } }, { auc: 0.9 }, { auc: 0.85 }, 'auc', 'max_regression', 'pass', 0.85],
    ['rise of a lower-is-better metric within the allowance', { overall: { log_loss: { max_regression: 0.02 } } }, { log_loss: 0.41 }, { log_loss: 0.4 }, 'log_loss', 'max_regression', 'pass', 0.42],
    ['rise of a lower-is-better metric beyond the allowance', { overall: { log_loss: { max_regression: 0.02 } } }, { log_loss: 0.43 }, { log_loss: 0.4 }, 'log_loss', 'max_regression', 'fail', 0.42],
    ['drop of a lower-is-better metric is an improvement', { overall: { log_loss: { max_regression: 0 } } }, { log_loss: 0.3 }, { log_loss: 0.4 }, 'log_loss', 'max_regression', 'pass', 0.4],
    ['regression without a champion is skipped', { overall: { auc: { max_regression: 0.02 } } }, { auc: 0.5 }, null, 'auc', 'max_regression', 'skipped', null],
  ] as const)('%s', (_name, gate, candidate, champion, metric, rule, outcome, threshold) => {
    const verdict = judge(gate, report(candidate), champion ? report(champion) : null);
    const check = findCheck(verdict.checks, 'overall', metric, rule);
    expect(check.outcome).toBe(outcome);
    if (threshold === null) expect(check.threshold).toBeNull();
    else expect(check.threshold).toBeCloseTo(threshold, 12);
    expect(verdict.passed).toBe(outcome !== 'fail');
    if (champion) expect(check.delta).toBeCloseTo(candidate[metric as keyof typeof candidate]! - champion[metric as keyof typeof champion]!, 12);
  });

  test.each([
    // name, slice rows, per-slice rule, candidate slice metrics, champion slices, expected outcome, note pattern
    ['a small slice is reported, not gated', 12, { auc: { min: 0.9 } }, { auc: 0.5 }, null, 'min', 'skipped', /^12 rows < min_slice_rows 30: reported, not gated$/],
    ['a slice at min_slice_rows is gated', 30, { auc: { min: 0.9 } }, { auc: 0.5 }, null, 'min', 'fail', /auc on contract=Two year 0.5000 < min 0.9000/],
    ['a slice the champion lacks skips the regression check', 100, { auc: { max_regression: 0.01 } }, { auc: 0.5 }, {}, 'max_regression', 'skipped', /champion's report has no slice contract=Two year/],
    ['a slice regression is compared on the same slice', 100, { auc: { max_regression: 0.01 } }, { auc: 0.6 }, { 'contract=Two year': { rows: 100, metrics: { auc: 0.7 } } }, 'max_regression', 'fail', /auc on contract=Two year fell 0.1000 \(max_regression 0.01000\): 0.6000 vs champion 0.7000/],
    ['an undefined candidate metric is skipped', 100, { auc: { min: 0.9 } }, { accuracy: 0.5 }, null, 'min', 'skipped', /auc is undefined for this group/],
    ['a champion without the metric skips the regression check', 100, { auc: { max_regression: 0.01 } }, { auc: 0.6 }, { 'contract=Two year': { rows: 100, metrics: { accuracy: 0.7 } } }, 'max_regression', 'skipped', /champion has no auc value here/],
  ] as const)('%s', (_name, rows, perSlice, candidateSlice, championSlices, rule, outcome, note) => {
    const candidate = report({ auc: 0.9 }, { 'contract=Two year': { rows, metrics: candidateSlice } });
    const champion = championSlices === null ? null : report({ auc: 0.9 }, championSlices);
    const verdict = judge({ per_slice: perSlice }, candidate, champion);
    const check = findCheck(verdict.checks, 'contract=Two year', 'auc', rule);
    expect(check).toMatchObject({ outcome, slice_column: 'contract', slice_value: 'Two year', rows });
    expect(check.note).toMatch(note);
    expect(verdict.passed).toBe(outcome !== 'fail');
  });

  test('overall rules do not apply to slices, and per-slice rules not to overall', () => {
    const candidate = report({ auc: 0.7 }, { 'contract=Two year': { rows: 100, metrics: { auc: 0.95 } } });
    const verdict = judge({ overall: { auc: { min: 0.9 } }, per_slice: { auc: { min: 0.6 } } }, candidate, null);
    expect(findCheck(verdict.checks, 'overall', 'auc', 'min')).toMatchObject({ outcome: 'fail', threshold: 0.9 });
    expect(findCheck(verdict.checks, 'contract=Two year', 'auc', 'min')).toMatchObject({ outcome: 'pass', threshold: 0.6 });
  });
});

describe('evaluateGate verdict', () => {
  const full = { auc: 0.85, accuracy: 0.8, precision: 0.7, recall: 0.6, f1: 0.65, log_loss: 0.4, brier: 0.13 };

  test('every task metric appears in every scope: rule checks or report_only', () => {
    const candidate = report(full, { 'contract=One year': { rows: 200, metrics: full } });
    const verdict = judge({ overall: { auc: { min: 0.8, max_regression: 0.02 } } }, candidate, report({ ...full, auc: 0.84 }));
    const overall = verdict.checks.filter((c) => c.scope === 'overall');
    expect(overall.map((c) => `${c.metric}:${c.rule}`)).toEqual([
      'auc:min',
      'auc:max_regression',
      'accuracy:report_only',
      'precision:report_only',
      'recall:report_only',
      'f1:report_only',
      'log_loss:report_only',
      'brier:report_only',
    ]);
    const reportOnly = findCheck(verdict.checks, 'overall', 'accuracy', 'report_only');
    expect(reportOnly).toMatchObject({ outcome: 'pass', threshold: null, candidate: 0.8, champion: 0.8, delta: 0 });
    expect(verdict.checks.filter((c) => c.scope === 'contract=One year')).toHaveLength(7);
  });

  test('the passed summary counts applied checks and leads with the primary metric', () => {
    const verdict = judge({ overall: { auc: { min: 0.8, max_regression: 0.02 } } }, report(full), report({ ...full, auc: 0.841 }));
    expect(verdict.passed).toBe(true);
    expect(verdict.summary).toBe('Passed: 2 checks, 0 failed (auc 0.8500 vs champion 0.8410)');
    expect(verdict).toMatchObject({ candidate: 'run-42', champion_version: 'v3', primary_metric: 'auc', evaluated_at: '2024-05-01T12:00:00.000Z' });
    expect(verdict.champion_note).toBeUndefined();
  });

  test('the rejected summary quotes the failures', () => {
    const candidate = report(full, { 'contract=Two year': { rows: 50, metrics: { ...full, auc: 0.61 } } });
    const verdict = judge({ overall: { log_loss: { max: 0.3 } }, per_slice: { auc: { min: 0.65 } } }, candidate, null);
    expect(verdict.passed).toBe(false);
    expect(verdict.summary).toBe(
      'Rejected: 2 of 2 checks failed — log_loss 0.4000 > max 0.3000; auc on contract=Two year 0.6100 < min 0.6500',
    );
  });

  test('more than three failures are counted, not all quoted', () => {
    const slices = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((v) => [`region=${v}`, { rows: 40, metrics: { ...full, auc: 0.5 } }]));
    const verdict = judge({ per_slice: { auc: { min: 0.6 } } }, report(full, slices), null);
    expect(verdict.summary).toMatch(/^Rejected: 5 of 5 checks failed — auc on region=a 0.5000 < min 0.6000; .*; and 2 more$/);
  });

  test('no champion: the note says only absolute bounds applied, and the summary says so', () => {
    const verdict = judge({ overall: { auc: { min: 0.8, max_regression: 0.02 } } }, report(full), null);
    expect(verdict.champion_note).toBe(noChampionNote);
    expect(verdict.champion_note).toBe('No champion yet: only absolute bounds applied');
    expect(verdict.champion_version).toBeNull();
    expect(verdict.summary).toBe('Passed: 1 check, 0 failed, 1 skipped (auc 0.8500; no champion)');
  });

  test('a caller-provided champion note is kept (champion could not be scored)', () => {
    const note = 'Champion v3 could not be scored on the new data (feature tenure removed): floors only';
    const verdict = judge({ overall: { auc: { min: 0.8 } } }, report(full), null, { championNote: note });
    expect(verdict.champion_note).toBe(note);
  });

  test('a champion evaluated for another task is not compared', () => {
    const verdict = judge({ overall: { auc: { max_regression: 0.01 } } }, report(full), report({ rmse: 1 }, {}, 'regression'));
    expect(verdict.champion_version).toBeNull();
    expect(verdict.champion_note).toMatch(/Champion v3 was evaluated on a regression task, not binary/);
    expect(findCheck(verdict.checks, 'overall', 'auc', 'max_regression').outcome).toBe('skipped');
  });

  test('primary_metric from the config leads the summary', () => {
    const verdict = judge({ primary_metric: 'f1' }, report(full), null);
    expect(verdict.primary_metric).toBe('f1');
    expect(verdict.summary).toBe('Passed: 0 checks, 0 failed (f1 0.6500; no champion)');
  });

  test('regression task: rmse is lower-is-better, r2 higher-is-better', () => {
    const verdict = judge(
      { overall: { rmse: { max_regression: 0.5 }, r2: { max_regression: 0.05 } } },
      report({ mae: 1, rmse: 2.6, r2: 0.86 }, {}, 'regression'),
      report({ mae: 1, rmse: 2, r2: 0.9 }, {}, 'regression'),
    );
    expect(findCheck(verdict.checks, 'overall', 'rmse', 'max_regression')).toMatchObject({ outcome: 'fail', threshold: 2.5 });
    expect(findCheck(verdict.checks, 'overall', 'r2', 'max_regression')).toMatchObject({ outcome: 'pass' });
    expect(verdict.summary).toBe('Rejected: 1 of 2 checks failed — rmse rose 0.6000 (max_regression 0.5000): 2.600 vs champion 2.000');
    expect(verdict.primary_metric).toBe('rmse');
  });

  test('a gate on real evaluation reports: candidate intervals travel into the checks', () => {
    const split = syntheticBinary(400, 9);
    const region = Array.from({ length: 400 }, (_, i) => (i < 20 ? 'tiny' : 'large'));
    const bootstrap = { resamples: 100, confidence: 0.95, seed: 7 };
    const candidate = evaluatePredictions({ task: 'binary', yTrue: split.yTrue, predictions: split.scores, slices: { region }, bootstrap });
    const champion = evaluatePredictions({ task: 'binary', yTrue: split.yTrue, predictions: split.worse, slices: { region }, bootstrap });
    const verdict = judge({ overall: { auc: { min: 0.7, max_regression: 0.01 } }, per_slice: { auc: { min: 0.5 } } }, candidate, champion);
    const overall = findCheck(verdict.checks, 'overall', 'auc', 'min');
    expect(overall.candidate_interval).toEqual(candidate.overall.intervals.auc);
    expect(overall.champion).toBe(champion.overall.metrics.auc);
    expect(findCheck(verdict.checks, 'region=tiny', 'auc', 'min').outcome).toBe('skipped');
    expect(findCheck(verdict.checks, 'region=large', 'auc', 'min').outcome).toBe('pass');
    expect(verdict.passed).toBe(true);
  });
});
