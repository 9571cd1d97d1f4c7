import { describe, expect, test } from 'vitest';
import { gateSchema } from '../../src/config/schema.js';
import { evaluateGate } from '../../src/evaluation/gate.js';
import { evaluationReportSchema, type EvaluationReport } from '../../src/evaluation/report-schema.js';
import type { PreprocessingSpec } from '../../src/model/preprocessing.js';
import type { DatasetRow } from '../../src/data/load-dataset.js';
import { alignChampionOutputs, applyUnscorableChampionPolicy, championFeatureRecords, planChampionScoring } from '../../src/pipeline/champion-scoring.js';
import { loadedConfigFor, telcoConfigInput } from '../fixtures/data/telco-config.js';

const config = loadedConfigFor(telcoConfigInput('valid/telco-excerpt.csv')).config;

/** The preprocessing spec a champion trained on `config` would carry, with changes. */
function championSpec(change: (spec: { features: { name: string; type: string }[]; target: Record<string, unknown> }) => void = () => {}): PreprocessingSpec {
  const spec = {
    features: config.features.map((f) => ({ name: f.name, type: f.type })),
    target: { type: 'binary', positive_label: 'Yes', negative_label: 'No', threshold: 0.5 } as Record<string, unknown>,
  };
  change(spec);
  return spec as unknown as PreprocessingSpec;
}

describe('planChampionScoring: the champion reads the rows through its own features', () => {
  test.each<[string, Parameters<typeof championSpec>[0], RegExp | null]>([
    ['the same contract', undefined, null],
    ['another task', (s) => (s.target = { type: 'regression' }), /^the champion is a regression model, the config a binary task$/],
    ['other labels', (s) => (s.target = { type: 'binary', positive_label: 'Churned', negative_label: 'Stayed', threshold: 0.5 }), /^the champion predicts 'Churned' against 'Stayed', the config 'Yes' against 'No'$/],
  ])('%s', (_case, change, expected) => {
    const plan = planChampionScoring(championSpec(change), config, 'churn');
    if (expected === null) expect(plan).toEqual({ shared: config.features.map((f) => f.name), raw: [], output: { kind: 'same' } });
    else expect('problem' in plan && plan.problem).toMatch(expected);
  });

  test('a feature the config dropped is read from the raw cells with the champion\'s type', () => {
    const plan = planChampionScoring(championSpec((s) => s.features.push({ name: 'region', type: 'categorical' })), config, 'churn');
    expect(plan).toMatchObject({ raw: [{ name: 'region', type: 'categorical' }] });
  });

  test('a feature the config retyped is read with the champion\'s type too', () => {
    const plan = planChampionScoring(championSpec((s) => (s.features[4]!.type = 'categorical')), config, 'churn');
    expect(plan).toMatchObject({ raw: [{ name: 'tenure', type: 'categorical' }] });
    expect('shared' in plan && plan.shared).not.toContain('tenure');
  });

  test('swapped labels are the same task: the champion\'s probabilities are turned round', () => {
    const plan = planChampionScoring(championSpec((s) => (s.target = { type: 'binary', positive_label: 'No', negative_label: 'Yes', threshold: 0.5 })), config, 'churn');
    expect(plan).toMatchObject({ output: { kind: 'swap' } });
    if ('problem' in plan) throw new Error(plan.problem);
    expect(Array.from(alignChampionOutputs(plan, Float32Array.from([0.25, 0.75]), 1))).toEqual([0.75, 0.25]);
  });

  test('multiclass probability columns in another order are put in the config\'s order', () => {
    const multiclass = loadedConfigFor({ ...telcoConfigInput('valid/telco-excerpt.csv'), task: { type: 'multiclass', classes: ['a', 'b', 'c'] } }).config;
    const spec = { features: [], target: { type: 'multiclass', classes: ['c', 'a', 'b'] } } as unknown as PreprocessingSpec;
    const plan = planChampionScoring(spec, multiclass, null);
    if ('problem' in plan) throw new Error(plan.problem);
    expect(plan.output).toEqual({ kind: 'reorder', columns: [1, 2, 0] });
    // Champion row: P(c) 0.5, P(a) 0.3, P(b) 0.2 → config order a, b, c.
    expect(Array.from(alignChampionOutputs(plan, Float32Array.from([0.5, 0.3, 0.2]), 3)).map((p) => Math.round(p * 10) / 10)).toEqual([0.3, 0.2, 0.5]);
    const other = planChampionScoring({ ...spec, target: { type: 'multiclass', classes: ['a', 'b', 'd'] } } as PreprocessingSpec, multiclass, null);
    expect(other).toEqual({ problem: 'the champion predicts the classes "a", "b", "d", the config "a", "b", "c"' });
  });

  test('another target column cannot be compared', () => {
    expect(planChampionScoring(championSpec(), config, 'contract')).toEqual({ problem: "the champion predicts column 'contract', the config 'churn'" });
  });

  test('a feature the config does not have is no obstacle when the champion did not use it', () => {
    expect(planChampionScoring(championSpec((s) => s.features.pop()), config, null)).toMatchObject({ raw: [] });
  });
});

describe('championFeatureRecords', () => {
  const plan = { shared: ['tenure'], raw: [{ name: 'region', type: 'categorical' as const }, { name: 'age', type: 'numeric' as const }], output: { kind: 'same' as const } };
  const row = (line: number, extra: Record<string, string | null>): DatasetRow => ({ line, key: String(line), features: { tenure: 3 }, target: 'No', slices: {}, extra });

  test('shared features come from the parsed row, the others from the raw cells with the champion\'s types', () => {
    const records = championFeatureRecords(plan, [row(2, { region: 'north', age: '41' }), row(3, { region: null, age: null })], { file: 'data/x.csv', absentColumns: [] });
    expect(records).toEqual([
      { tenure: 3, region: 'north', age: 41 },
      { tenure: 3, region: null, age: null },
    ]);
  });

  test('a column missing from the data is named, with the file', () => {
    expect(championFeatureRecords(plan, [], { file: 'data/x.csv', absentColumns: ['age', 'region'] })).toEqual({ problem: 'it needs the columns "region", "age", which data/x.csv does not have' });
    expect(championFeatureRecords(plan, [], { file: 'data/x.csv', absentColumns: ['age'] })).toEqual({ problem: 'it needs the column "age", which data/x.csv does not have' });
  });

  test('a cell the champion cannot read as its type names the line and column', () => {
    expect(championFeatureRecords(plan, [row(7, { region: 'north', age: 'forty' })], { file: 'data/x.csv', absentColumns: [] })).toEqual({
      problem: 'line 7, column \'age\' holds "forty", which the champion reads as a number',
    });
  });
});

describe('gate.on_unscorable_champion', () => {
  const candidate: EvaluationReport = evaluationReportSchema.parse({
    task: 'binary',
    confidence: 0.95,
    resamples: 0,
    overall: { rows: 500, metrics: { auc: 0.83, accuracy: 0.8 }, intervals: {}, target_summary: {} },
    slices: {},
  });
  const note = 'Champion 1.2.0 cannot be scored on this data: the champion uses feature \'region\', which the current config does not have.';
  const verdictFor = (policy: 'fail' | 'floors_only', championNote: string | undefined) => {
    const gate = gateSchema.parse({ overall: { auc: { min: 0.7, max_regression: 0.02 } }, on_unscorable_champion: policy });
    const verdict = evaluateGate({ gate, task: 'binary', candidate, candidateId: 'run-a', champion: null, championNote, now: new Date('2024-05-01T12:00:00Z') });
    return { verdict, final: applyUnscorableChampionPolicy(verdict, { note: championNote, championVersion: championNote ? '1.2.0' : null }, policy) };
  };

  test("'floors_only' keeps the gate's verdict: the candidate passes on absolute bounds, and the verdict says why there was no comparison", () => {
    const { verdict, final } = verdictFor('floors_only', note);
    expect(final).toBe(verdict);
    expect(final.passed).toBe(true);
    expect(final.champion_note).toBe(note);
    const auc = final.checks.filter((c) => c.metric === 'auc' && c.scope === 'overall');
    expect(auc.map((c) => [c.rule, c.outcome])).toEqual([
      ['min', 'pass'],
      ['max_regression', 'skipped'],
    ]);
  });

  test("'fail' (the default) rejects a candidate the gate passed, names the champion and says how to accept it", () => {
    const { verdict, final } = verdictFor('fail', note);
    expect(verdict.passed).toBe(true);
    expect(final.passed).toBe(false);
    expect(final.champion_version).toBe('1.2.0');
    expect(final.summary).toBe(`Rejected: ${note} (gate.on_unscorable_champion is 'fail'; set it to 'floors_only' to accept the candidate on absolute bounds and the baseline alone).`);
    expect(final.checks).toEqual(verdict.checks);
  });

  test.each(['fail', 'floors_only'] as const)("without a champion at all, '%s' changes nothing: the first model is judged on bounds", (policy) => {
    const { verdict, final } = verdictFor(policy, undefined);
    expect(final).toBe(verdict);
    expect(final.passed).toBe(true);
  });

  test('the default is fail', () => {
    expect(gateSchema.parse({}).on_unscorable_champion).toBe('fail');
  });
});
