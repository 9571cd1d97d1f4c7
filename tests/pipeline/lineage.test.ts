import { describe, expect, test } from 'vitest';
import type { ValidationReport } from '../../src/data/validate.js';
import type { GateVerdict } from '../../src/evaluation/report-schema.js';
import { lineageSchema, type Lineage } from '../../src/registry/lineage-schema.js';
import { buildLineage, isSameModel } from '../../src/pipeline/lineage.js';
import type { RunManifest, TrainingRecord } from '../../src/pipeline/workspace.js';
import { fixturesDir, loadedConfigFor, telcoConfigInput } from '../fixtures/data/telco-config.js';

const loaded = loadedConfigFor(telcoConfigInput('valid/telco-excerpt.csv'));
const run: RunManifest = {
  run_id: 'run-a',
  started_at: '2024-05-01T12:00:00.000Z',
  config_path: loaded.path,
  config_sha256: loaded.hash,
  data_path: `${fixturesDir}/valid/telco-excerpt.csv`,
  data_sha256: 'd'.repeat(64),
};
const training = {
  run_id: 'run-a',
  data_sha256: run.data_sha256,
  config_sha256: loaded.hash,
  backend: 'wasm',
  tfjs_version: '4.22.0',
  node_version: 'v20.19.0',
  platform: 'linux-x64',
  epochs_run: 12,
  best_epoch: 9,
  best_validation_loss: 0.41,
  duration_ms: 5400,
  samples_per_second: 3100,
  architecture: '41 → 16 → 1',
  split: { train: 700, validation: 80, test: 220 },
  training_keys: { file: 'training-keys.mlks', sha256: 'c'.repeat(64), count: 780, false_positive_rate: 9.5e-7, key_columns: ['customer_id'], whole_row: false },
  history: [],
  model_files: { 'weights.bin': 'w'.repeat(64) },
  finished_at: '2024-05-01T12:01:00.000Z',
} satisfies TrainingRecord;
const validation = { rows: 1000, valid_rows: 1000 } as ValidationReport;
const gate = { champion_version: '1.0.0' } as GateVerdict;
const code = { commit: 'a'.repeat(40), dirty: false, branch: 'main' };

describe('buildLineage', () => {
  const lineage = buildLineage({ run, training, validation, gate, loaded, code, runUrl: 'https://github.com/o/r/actions/runs/1', now: new Date('2024-05-01T12:02:00.000Z') });

  test('is a valid lineage record', () => {
    expect(lineageSchema.safeParse(lineage).error).toBeUndefined();
  });

  test('names the data by its hash and split, the code by its commit, the config by its hash and content, the parent by the gate', () => {
    expect(lineage.dataset).toEqual({
      path: 'valid/telco-excerpt.csv',
      sha256: run.data_sha256,
      rows: 1000,
      valid_rows: 1000,
      train_rows: 700,
      validation_rows: 80,
      test_rows: 220,
      training_keys: training.training_keys,
    });
    expect(lineage.code).toEqual(code);
    expect(lineage.config).toMatchObject({ path: 'mlops.config.yaml', sha256: loaded.hash });
    expect(lineage.config.content).toEqual(loaded.config);
    expect(lineage.parent_version).toBe('1.0.0');
    expect(lineage.created_at).toBe(training.finished_at);
    expect(lineage.training).toMatchObject({ backend: 'wasm', epochs_run: 12, best_epoch: 9 });
  });

  test('times the whole run, from validation to registration', () => {
    expect(lineage.run_duration_ms).toBe(120_000);
    expect(lineage.run_url).toBe('https://github.com/o/r/actions/runs/1');
  });

  test('keeps a config path outside the project absolute', () => {
    const elsewhere = { ...loaded, path: '/etc/mlops/mlops.config.yaml' };
    expect(buildLineage({ run, training, validation, gate, loaded: elsewhere, code, runUrl: null, now: new Date() }).config.path).toBe('/etc/mlops/mlops.config.yaml');
  });
});

describe('isSameModel', () => {
  const base = buildLineage({ run, training, validation, gate, loaded, code, runUrl: null, now: new Date('2024-05-01T12:02:00.000Z') });
  const variant = (change: (l: Lineage) => void): Lineage => {
    const copy = structuredClone(base);
    change(copy);
    return copy;
  };
  const weights = 'w'.repeat(64);

  test.each<[string, Lineage, string | null, string | undefined, boolean]>([
    ['same data, config, clean commit and weights', base, weights, weights, true],
    ['other weights', base, weights, 'x'.repeat(64), false],
    ['champion weights unreadable', base, null, weights, false],
    ['other data', variant((l) => (l.dataset.sha256 = 'e'.repeat(64))), weights, weights, false],
    ['other config', variant((l) => (l.config.sha256 = 'e'.repeat(64))), weights, weights, false],
    ['other commit', variant((l) => (l.code.commit = 'b'.repeat(40))), weights, weights, false],
    ['champion from a dirty tree', variant((l) => (l.code.dirty = true)), weights, weights, false],
    ['champion with unknown tree state', variant((l) => (l.code.dirty = null)), weights, weights, false],
  ])('%s → %s', (_case, champion, championWeights, candidateWeights, expected) => {
    expect(isSameModel({ lineage: champion, weightsSha256: championWeights }, { lineage: base, weightsSha256: candidateWeights })).toBe(expected);
  });

  test('a candidate from a dirty tree is never the same model', () => {
    const dirty = variant((l) => (l.code.dirty = true));
    expect(isSameModel({ lineage: base, weightsSha256: weights }, { lineage: dirty, weightsSha256: weights })).toBe(false);
  });
});
