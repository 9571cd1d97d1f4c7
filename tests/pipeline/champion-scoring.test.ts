import { describe, expect, test } from 'vitest';
import { gateSchema } from '../../src/config/schema.js';
import { evaluateGate } from '../../src/evaluation/gate.js';
import { evaluationReportSchema, type EvaluationReport } from '../../src/evaluation/report-schema.js';
import type { PreprocessingSpec } from '../../src/model/preprocessing.js';
import { applyUnscorableChampionPolicy, championIncompatibility } from '../../src/pipeline/champion-scoring.js';
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

describe('championIncompatibility', () => {
  test.each<[string, Parameters<typeof championSpec>[0], RegExp | null]>([
    ['the same contract', undefined, null],
    ['a feature the config dropped', (s) => s.features.push({ name: 'region', type: 'categorical' }), /uses feature 'region', which the current config does not have/],
    ['a feature of another type', (s) => (s.features[4]!.type = 'categorical'), /uses 'tenure' as categorical, the current config as numeric/],
    ['another task', (s) => (s.target = { type: 'regression' }), /is a regression model, the config a binary task/],
    ['swapped labels', (s) => (s.target = { type: 'binary', positive_label: 'No', negative_label: 'Yes', threshold: 0.5 }), /different target labels/],
  ])('%s', (_case, change, expected) => {
    const reason = championIncompatibility(championSpec(change), config);
    if (expected === null) expect(reason).toBeNull();
    else expect(reason).toMatch(expected);
  });

  test('a feature the champion did not use is no obstacle (the config may add features)', () => {
    expect(championIncompatibility(championSpec((s) => s.features.pop()), config)).toBeNull();
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
    expect(final.summary).toBe(`Rejected: ${note} (gate.on_unscorable_champion is 'fail'; set it to 'floors_only' to accept a model with a new input contract on absolute bounds alone).`);
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
