import { describe, expect, test } from 'vitest';
import type { EvaluationReport, GateVerdict } from '../../src/evaluation/report-schema.js';
import { experimentRecordSchema } from '../../src/registry/registry.js';
import { experimentRecord, type RunOutcome } from '../../src/pipeline/experiments.js';
import type { RunManifest, TrainingRecord } from '../../src/pipeline/workspace.js';
import { loadedConfigFor, telcoConfigInput } from '../fixtures/data/telco-config.js';

const loaded = loadedConfigFor(telcoConfigInput('valid/telco-excerpt.csv', { gate: { primary_metric: 'accuracy' } }));
const run: RunManifest = {
  run_id: 'run-a',
  started_at: '2024-05-01T12:00:00.000Z',
  config_path: loaded.path,
  config_sha256: loaded.hash,
  data_path: '/p/data.csv',
  data_sha256: 'd'.repeat(64),
};
const candidate = { overall: { metrics: { auc: 0.84, accuracy: 0.79 } } } as unknown as EvaluationReport;
const code = { commit: 'a'.repeat(40), dirty: true, branch: 'main' };
const finished = new Date('2024-05-01T12:03:00.000Z');

const record = (outcome: RunOutcome, training: TrainingRecord | null = null) =>
  experimentRecord({ run, training, config: loaded.config, configHash: loaded.hash, code, outcome, finished });

describe('experimentRecord', () => {
  test('a promoted run: its metrics, the primary one named by the config, the inputs and how long it took', () => {
    const promoted = record(
      { status: 'promoted', verdict: { summary: 'Passed: 4 checks' } as GateVerdict, candidate, version: '1.1.0', championVersion: '1.0.0' },
      { backend: 'wasm' } as TrainingRecord,
    );
    expect(experimentRecordSchema.safeParse(promoted).error).toBeUndefined();
    expect(promoted).toMatchObject({
      run_id: 'run-a',
      status: 'promoted',
      version: '1.1.0',
      champion_version: '1.0.0',
      metrics: { auc: 0.84, accuracy: 0.79 },
      primary_metric: 'accuracy',
      primary_value: 0.79,
      data_sha256: run.data_sha256,
      data_path: 'valid/telco-excerpt.csv',
      commit: code.commit,
      dirty: true,
      config_sha256: loaded.hash,
      gate_summary: 'Passed: 4 checks',
      error: null,
      backend: 'wasm',
      duration_ms: 180_000,
      finished_at: finished.toISOString(),
    });
    expect(promoted.params).toEqual(loaded.config.model);
  });

  test('a failed run has no metrics and keeps its error', () => {
    const failed = record({ status: 'failed', verdict: null, candidate: null, version: null, championVersion: null, error: 'training diverged' });
    expect(experimentRecordSchema.safeParse(failed).error).toBeUndefined();
    expect(failed).toMatchObject({ metrics: {}, primary_value: null, gate_summary: null, error: 'training diverged', backend: null });
  });

  test('without gate.primary_metric the task default leads (AUC for binary)', () => {
    const plain = loadedConfigFor(telcoConfigInput('valid/telco-excerpt.csv'));
    const out = experimentRecord({ run, training: null, config: plain.config, configHash: plain.hash, code, outcome: { status: 'rejected', verdict: null, candidate, version: null, championVersion: null }, finished });
    expect([out.primary_metric, out.primary_value]).toEqual(['auc', 0.84]);
  });
});
